/**
 * Access control: users, sessions, API tokens, kiosks, setup tokens, login limits, permissions and
 * revocations. createAuthStores builds the stores of a process (the web role and the CLI share it).
 */
import type { Redis } from 'ioredis';
import { AuditLog } from '../audit';
import type { Keys } from '../keys';
import { KioskStore } from './kiosk';
import { LoginThrottle } from './login-throttle';
import { SessionStore, type SessionOptions } from './sessions';
import { SetupTokens } from './setup';
import { TokenStore } from './tokens';
import { UserStore } from './users';

export { LOGIN_LIMITS } from './login-throttle';

export interface AuthStores {
	audit: AuditLog;
	sessions: SessionStore;
	users: UserStore;
	tokens: TokenStore;
	kiosks: KioskStore;
	setup: SetupTokens;
	/** Failed logins: per user name and client address, per address, and a slow-down per user. */
	loginLimits: LoginThrottle;
}

export function createAuthStores(redis: Redis, keys: Keys, options: { sessions?: SessionOptions } = {}): AuthStores {
	const audit = new AuditLog(redis, keys);
	const sessions = new SessionStore(redis, keys, options.sessions);
	return {
		audit,
		sessions,
		users: new UserStore(redis, keys, { sessions, audit }),
		tokens: new TokenStore(redis, keys, audit),
		kiosks: new KioskStore(redis, keys, audit),
		setup: new SetupTokens(redis, keys),
		loginLimits: new LoginThrottle(redis, keys)
	};
}
export { KIOSK_REFUSED, type Principal, actorOf, authorize } from './access';
export { KIOSK_COOKIE, KioskStore } from './kiosk';
export { LoginThrottle, loginDelay } from './login-throttle';
export { passwordProblem } from './password';
export { type Action, ROLES, type Role, can, isRole } from './permissions';
export { type RevokeMessage, parseRevocation } from './revocation';
export { SESSION_COOKIE, type Session, SessionStore, sessionHash } from './sessions';
export { SetupTokens } from './setup';
export { SCOPES, type Scope, TokenStore, tokenState } from './tokens';
export { type ChangeContext, UserError, UserStore, isUserError, normalizeUserName } from './users';
