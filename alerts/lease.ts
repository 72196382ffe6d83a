/**
 * Leadership of the alerts role: only one process evaluates rules at a time. The leader holds a
 * Redis key with an expiry and renews it; each acquisition takes a new fencing token (a counter),
 * and every state write checks the token, so a leader that paused past its lease cannot overwrite
 * what its successor wrote. A standby tries to take the lease every `ttlMs / 2`, so it takes over
 * within 1.5 lease periods of the leader's death (the key expires, then the next try wins); a
 * leader that stops cleanly releases the key and the standby takes over at its next try.
 */
import type { Redis } from 'ioredis';
import type { Clock } from '../src/lib/server/clock';
import type { Logger } from '../src/lib/server/log';

/** Takes or renews the lease. KEYS: lease, fence. ARGV: holder, ttl ms. Returns the token, or 0. */
export const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local holder, token = string.match(cur, '^(.*)|(%d+)$')
  if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(token)
  end
  return 0
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
return token
`;

/** Gives the lease up if this holder still has it. KEYS: lease. ARGV: holder|token. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export interface LeaseKeys {
	lease: string;
	fence: string;
}

export interface LeaseOptions {
	redis: Redis;
	keys: LeaseKeys;
	/** This process's id (the node id). */
	holder: string;
	/**
	 * How long the lease lasts without renewal. Default 15 s; renewed every third of it.
	 * @defaultValue 15_000
	 */
	ttlMs?: number;
	clock: Clock;
	log: Logger;
	/** Called when this process becomes the leader, with its fencing token. */
	onAcquired(token: number): void;
	/** Called when this process stops being the leader (lost, expired, or released). */
	onLost(reason: string): void;
}

export interface Lease {
	/** The fencing token while leader, else undefined. */
	readonly token: number | undefined;
	/** Stops trying; releases the lease if held. */
	stop(): Promise<void>;
}

export function startLease(options: LeaseOptions): Lease {
	const { redis, keys, holder, clock, log } = options;
	const ttl = options.ttlMs ?? 15_000;
	let token: number | undefined;
	let heldUntil = 0;
	let timer: unknown;
	let stopped = false;
	let running: Promise<void> | undefined;

	const lose = (reason: string) => {
		if (token === undefined) return;
		token = undefined;
		log.warn({ reason }, 'alerts role lost the lease; standing by');
		options.onLost(reason);
	};

	const attempt = async () => {
		const startedAt = clock.now();
		try {
			const got = Number(await redis.eval(ACQUIRE, 2, keys.lease, keys.fence, holder, String(ttl)));
			if (stopped) return;
			if (got > 0) {
				heldUntil = startedAt + ttl;
				if (token !== got) {
					if (token !== undefined) lose('the lease was taken over');
					token = got;
					log.info({ token }, 'alerts role is the leader: evaluating rules');
					options.onAcquired(got);
				}
			} else {
				lose('another process holds the lease');
			}
		} catch (err) {
			// Redis unreachable: keep leading only while the lease we hold has not run out.
			if (token !== undefined && clock.now() >= heldUntil) lose(`could not renew: ${(err as Error).message}`);
		}
	};

	const schedule = () => {
		if (stopped) return;
		timer = clock.setTimeout(
			() => {
				running = attempt().finally(schedule);
			},
			token !== undefined ? ttl / 3 : ttl / 2
		);
	};
	running = attempt().finally(schedule);

	return {
		get token() {
			return token;
		},
		async stop() {
			stopped = true;
			clock.clearTimeout(timer);
			await running;
			if (token !== undefined) {
				const held = token;
				token = undefined;
				await redis.eval(RELEASE, 1, keys.lease, `${holder}|${held}`).catch(() => {});
				options.onLost('stopped');
			}
		}
	};
}
