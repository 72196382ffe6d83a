/**
 * How failed logins are limited, so that guessing is slow and nobody can lock anyone else out:
 *
 * - per user name and client address: 5 attempts in 15 minutes, then that address is refused for
 *   that user (429 with Retry-After) until the window moves on. Another address, the real user's,
 *   is not held up by it;
 * - per client address: 20 attempts in 15 minutes whatever the user names (one address guessing
 *   across many users);
 * - per user name, from all addresses together: no lock, a slow-down. Beyond 10 attempts in 15
 *   minutes every attempt on that user waits 0.5 s more per attempt, at most 5 s, before its
 *   password is checked: guessing from many addresses gets slower, and the real user still logs in.
 *
 * An attempt is counted when it is made (atomically with the check, so parallel guesses cannot slip
 * past a limit); a successful one is taken back and clears its address's count for the user.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../keys';
import { SlidingWindowLimiter } from './rate-limit';

export const LOGIN_LIMITS = {
	/** Attempts per user name and client address in the window. */
	perPair: 5,
	/** Attempts per client address in the window (all user names). */
	perIp: 20,
	windowMs: 15 * 60_000,
	/** Attempts on one user name (all addresses) in the window before each is slowed down. */
	slowAfter: 10,
	/** Added wait per attempt beyond `slowAfter`. */
	stepMs: 500,
	/** Longest wait. */
	maxDelayMs: 5_000
};

export type LoginLimits = typeof LOGIN_LIMITS;

/** The wait before checking a password when the user name has seen `attempts` attempts in the window. */
export function loginDelayMs(attempts: number, limits: LoginLimits = LOGIN_LIMITS): number {
	return attempts <= limits.slowAfter ? 0 : Math.min(limits.maxDelayMs, (attempts - limits.slowAfter) * limits.stepMs);
}

interface Ticket {
	ipKey: string;
	ipMember: string;
	pairKey: string;
	userKey: string;
	userMember: string;
}

export type LoginGate = { allowed: false; retryAfterMs: number } | { allowed: true; delayMs: number; ticket: Ticket };

export class LoginThrottle {
	private readonly pair: SlidingWindowLimiter;
	private readonly ip: SlidingWindowLimiter;
	private readonly user: SlidingWindowLimiter;

	constructor(
		redis: Redis,
		private readonly keys: Keys,
		readonly limits: LoginLimits = LOGIN_LIMITS
	) {
		this.pair = new SlidingWindowLimiter(redis, limits.perPair, limits.windowMs);
		this.ip = new SlidingWindowLimiter(redis, limits.perIp, limits.windowMs);
		this.user = new SlidingWindowLimiter(redis, Number.MAX_SAFE_INTEGER, limits.windowMs);
	}

	/** Counts an attempt on `user` from `address`: refused, or allowed after `delayMs`. */
	async attempt(user: string, address: string, now = Date.now()): Promise<LoginGate> {
		const ipKey = this.keys.auth.attempts('ip', address);
		const byIp = await this.ip.attempt(ipKey, now);
		if (!byIp.allowed) return byIp;
		const pairKey = this.keys.auth.attempts('pair', `${user}|${address}`);
		const byPair = await this.pair.attempt(pairKey, now);
		if (!byPair.allowed) {
			// Refused before any password was checked: not an attempt on the address's count.
			await this.ip.forget(ipKey, byIp.member);
			return byPair;
		}
		const userKey = this.keys.auth.attempts('user', user);
		const { count, member } = await this.user.record(userKey, now);
		return { allowed: true, delayMs: loginDelayMs(count, this.limits), ticket: { ipKey, ipMember: byIp.member, pairKey, userKey, userMember: member } };
	}

	/** The attempt succeeded: it is taken back, and its address's count for the user is cleared. */
	async succeeded(ticket: Ticket): Promise<void> {
		await Promise.all([this.ip.forget(ticket.ipKey, ticket.ipMember), this.user.forget(ticket.userKey, ticket.userMember), this.pair.reset(ticket.pairKey)]);
	}
}

/** Waits the slow-down of an allowed attempt. */
export function loginDelay(gate: { delayMs: number }): Promise<void> {
	return gate.delayMs > 0 ? new Promise((r) => setTimeout(r, gate.delayMs)) : Promise.resolve();
}
