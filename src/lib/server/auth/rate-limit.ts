/**
 * A sliding-window limiter in Redis (a sorted set of attempt times per key). An attempt is counted
 * when it is made, atomically with the check, so parallel guesses cannot slip past the limit; a
 * successful attempt can then be taken back.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Trims the window; refuses when full (answering the ms until the oldest attempt leaves it), else adds. */
const ATTEMPT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return 0`;

/** Trims the window, adds an attempt, answers how many are in it. */
const RECORD = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return redis.call('ZCARD', KEYS[1])`;

export type Attempt = { allowed: true; member: string } | { allowed: false; retryAfterMs: number };

export class SlidingWindowLimiter {
	constructor(
		private readonly redis: Redis,
		private readonly limit: number,
		private readonly windowMs: number
	) {}

	/** Counts an attempt under `key`, or refuses it with the time until one is allowed. */
	async attempt(key: string, now = Date.now()): Promise<Attempt> {
		const member = `${now}:${randomBytes(6).toString('base64url')}`;
		const wait = Number(await this.redis.eval(ATTEMPT, 1, key, now, this.windowMs, this.limit, member));
		return wait > 0 ? { allowed: false, retryAfterMs: wait } : { allowed: true, member };
	}

	/** Counts an attempt under `key` whatever the limit: answers how many the window holds now. */
	async record(key: string, now = Date.now()): Promise<{ count: number; member: string }> {
		const member = `${now}:${randomBytes(6).toString('base64url')}`;
		const count = Number(await this.redis.eval(RECORD, 1, key, now, this.windowMs, member));
		return { count, member };
	}

	/** Takes one attempt back (it succeeded). */
	async forget(key: string, member: string): Promise<void> {
		await this.redis.zrem(key, member);
	}

	/** Forgets every attempt under `key`. */
	async reset(key: string): Promise<void> {
		await this.redis.del(key);
	}
}
