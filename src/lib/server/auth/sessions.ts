/**
 * Login sessions: a random id in an HTTP-only cookie; the record in Redis under the SHA-256 of the
 * id (so a reader of Redis cannot take over a session), with the user, role, CSRF token, times, and
 * an idle and an absolute timeout. Each user's sessions are also in a set, so revoking them all is
 * one call. Revocations and logouts are announced on the control channel (revocation.ts), so open
 * screens of the session are closed at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '../keys';
import type { Role } from './permissions';
import { announceRevocation } from './revocation';

export const SESSION_COOKIE = 'vigil_session';

export interface Session {
	user: string;
	/** The user's id when the session began: a user deleted and made again does not inherit it. */
	userId: string;
	role: Role;
	csrf: string;
	createdAt: number;
	lastSeen: number;
	/** Absolute end, epoch ms. */
	expiresAt: number;
}

export interface SessionOptions {
	/**
	 * A session unused this long ends.
	 * @defaultValue 12 * 3600_000
	 */
	idleMs?: number;
	/**
	 * A session ends this long after login, used or not.
	 * @defaultValue 7 * 86400_000
	 */
	absoluteMs?: number;
	/**
	 * lastSeen is written at most this often.
	 * @defaultValue 60_000
	 */
	touchEveryMs?: number;
}

const ID = /^[A-Za-z0-9_-]{43}$/;

function sha256(text: string): string {
	return createHash('sha256').update(text).digest('hex');
}

/** What a session is stored and announced under: the SHA-256 of its cookie id. */
export function sessionHash(id: string): string {
	return sha256(id);
}

/** Deletes every session of a user and the set, atomically. */
const REVOKE_USER = `
local ids = redis.call('SMEMBERS', KEYS[1])
for _, h in ipairs(ids) do redis.call('DEL', ARGV[1] .. h) end
redis.call('DEL', KEYS[1])
return #ids`;

export class SessionStore {
	readonly idleMs: number;
	readonly absoluteMs: number;
	private readonly touchEveryMs: number;

	constructor(
		private readonly redis: Redis,
		private readonly keys: Keys,
		options: SessionOptions = {}
	) {
		this.idleMs = options.idleMs ?? 12 * 3600_000;
		this.absoluteMs = options.absoluteMs ?? 7 * 86400_000;
		this.touchEveryMs = options.touchEveryMs ?? 60_000;
	}

	/** Starts a session; the returned id goes into the cookie and is never stored as is. */
	async create(user: { name: string; id: string; role: Role }, now = Date.now()): Promise<{ id: string; session: Session }> {
		const id = randomBytes(32).toString('base64url');
		const session: Session = {
			user: user.name,
			userId: user.id,
			role: user.role,
			csrf: randomBytes(32).toString('base64url'),
			createdAt: now,
			lastSeen: now,
			expiresAt: now + this.absoluteMs
		};
		const h = sha256(id);
		const set = this.keys.auth.userSessions(user.name);
		await this.redis
			.multi()
			.set(this.keys.auth.session(h), JSON.stringify(session), 'PX', Math.min(this.idleMs, this.absoluteMs))
			.sadd(set, h)
			.pexpire(set, this.absoluteMs)
			.exec();
		return { id, session };
	}

	/** The live session of a cookie id, or null (unknown, idle too long, or past its end). */
	async get(id: string | undefined, now = Date.now()): Promise<Session | null> {
		if (!id || !ID.test(id)) return null;
		const h = sha256(id);
		const key = this.keys.auth.session(h);
		const json = await this.redis.get(key);
		if (!json) return null;
		const s = JSON.parse(json) as Session;
		if (now >= s.expiresAt || now - s.lastSeen >= this.idleMs) {
			await this.redis.multi().del(key).srem(this.keys.auth.userSessions(s.user), h).exec();
			return null;
		}
		if (now - s.lastSeen >= this.touchEveryMs) {
			s.lastSeen = now;
			// XX: a session revoked meanwhile stays revoked.
			await this.redis.set(key, JSON.stringify(s), 'PX', Math.max(1, Math.min(this.idleMs, s.expiresAt - now)), 'XX');
		}
		return s;
	}

	async destroy(id: string | undefined): Promise<void> {
		if (!id || !ID.test(id)) return;
		const h = sha256(id);
		const key = this.keys.auth.session(h);
		const json = await this.redis.get(key);
		await this.redis.del(key);
		if (json) await this.redis.srem(this.keys.auth.userSessions((JSON.parse(json) as Session).user), h);
		await announceRevocation(this.redis, this.keys, { type: 'revoke', session: h });
	}

	/** Ends every session of a user at once; resolves with how many there were. */
	async revokeUser(user: string): Promise<number> {
		const n = (await this.redis.eval(REVOKE_USER, 1, this.keys.auth.userSessions(user), this.keys.auth.session(''))) as number;
		await announceRevocation(this.redis, this.keys, { type: 'revoke', user });
		return n;
	}
}
