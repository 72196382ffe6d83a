/**
 * First-start setup links: while no user exists, each start of a web process makes a random token
 * (kept as its SHA-256, for 24 h) and prints `/setup?token=...`; the first person to open it makes
 * the first admin. Consuming one token ends them all: the link works once.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '../keys';

export const SETUP_TTL_MS = 24 * 3600_000;

const CONSUME = `
local exp = redis.call('HGET', KEYS[1], ARGV[1])
if not exp or tonumber(exp) <= tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

function sha256(text: string): string {
	return createHash('sha256').update(text).digest('hex');
}

export class SetupTokens {
	private readonly key: string;

	constructor(
		private readonly redis: Redis,
		keys: Keys
	) {
		this.key = keys.auth.setup;
	}

	async create(now = Date.now()): Promise<string> {
		const token = randomBytes(24).toString('base64url');
		const all = await this.redis.hgetall(this.key);
		const expired = Object.entries(all).filter(([, exp]) => Number(exp) <= now).map(([h]) => h);
		const multi = this.redis.multi().hset(this.key, sha256(token), String(now + SETUP_TTL_MS)).pexpire(this.key, SETUP_TTL_MS);
		if (expired.length) multi.hdel(this.key, ...expired);
		await multi.exec();
		return token;
	}

	/** True when the token would be accepted now. */
	async valid(token: string | null | undefined, now = Date.now()): Promise<boolean> {
		if (!token || token.length > 100) return false;
		const exp = await this.redis.hget(this.key, sha256(token));
		return exp !== null && Number(exp) > now;
	}

	/** Uses the token up (and every other): true once, false after or when unknown or expired. */
	async consume(token: string | null | undefined, now = Date.now()): Promise<boolean> {
		if (!token || token.length > 100) return false;
		return (await this.redis.eval(CONSUME, 1, this.key, sha256(token), now)) === 1;
	}

	async clear(): Promise<void> {
		await this.redis.del(this.key);
	}
}
