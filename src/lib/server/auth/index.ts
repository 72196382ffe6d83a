/** Builds the access-control stores of a process (the web role and the CLI share this). */
import type { Redis } from 'ioredis';
import { AuditLog } from '../audit';
import type { Keys } from '../keys';
import { KioskStore } from './kiosk';
import { SlidingWindowLimiter } from './rate-limit';
import { SessionStore, type SessionOptions } from './sessions';
import { SetupTokens } from './setup';
import { TokenStore } from './tokens';
import { UserStore } from './users';

/** Failed logins allowed per user name in the window, per client IP, and the window. */
export const LOGIN_LIMITS = { perUser: 5, perIp: 20, windowMs: 15 * 60_000 };

export interface AuthStores {
	audit: AuditLog;
	sessions: SessionStore;
	users: UserStore;
	tokens: TokenStore;
	kiosks: KioskStore;
	setup: SetupTokens;
	loginLimits: { user: SlidingWindowLimiter; ip: SlidingWindowLimiter };
}

export function createAuthStores(redis: Redis, keys: Keys, options: { sessions?: SessionOptions } = {}): AuthStores {
	const audit = new AuditLog(redis, keys.audit);
	const sessions = new SessionStore(redis, keys, options.sessions);
	return {
		audit,
		sessions,
		users: new UserStore(redis, keys, { sessions, audit }),
		tokens: new TokenStore(redis, keys.prefix, audit),
		kiosks: new KioskStore(redis, keys, audit),
		setup: new SetupTokens(redis, keys.auth.setup),
		loginLimits: {
			user: new SlidingWindowLimiter(redis, LOGIN_LIMITS.perUser, LOGIN_LIMITS.windowMs),
			ip: new SlidingWindowLimiter(redis, LOGIN_LIMITS.perIp, LOGIN_LIMITS.windowMs)
		}
	};
}
