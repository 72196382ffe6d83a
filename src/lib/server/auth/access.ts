/**
 * Who is asking, and whether they may: a request is authenticated by an API token (Bearer) or a
 * login session (cookie), and every API route checks one named action with `requirePermission`
 * (web/http/require-permission.ts).
 * 401 means "not authenticated", 403 "authenticated, not allowed"; both as JSON `{error}`.
 */
import { isKioskToken } from './kiosk';
import { can, cappedRole, type Action, type Role } from './permissions';
import type { Session } from './sessions';
import { scopeFor, scopesAllow, type TokenInfo, type TokenStore } from './tokens';
import type { UserStore } from './users';

export type Principal =
	| { kind: 'session'; user: string; role: Role; session: Session }
	| { kind: 'token'; user?: string; role?: Role; token: TokenInfo };

export type Authorized = { ok: true; principal: Principal } | { ok: false; status: 401 | 403; error: string };

/** The audit log's name for a principal. */
export function actorOf(p: Principal): string {
	return p.kind === 'session' ? `user:${p.user}` : `token:${p.token.id}${p.user ? ` (${p.user})` : ''}`;
}

/** What API routes answer a kiosk credential (a kiosk token or its cookie). */
export const KIOSK_REFUSED = 'a kiosk link may only show its board on /wall: log in, or send an API token';

/** Decides a request: the Bearer token when there is an Authorization header, else the session. */
export async function authorize(
	deps: { tokens: TokenStore; users: UserStore },
	request: { authorization: string | null; session: Session | null },
	action: Action,
	now = Date.now()
): Promise<Authorized> {
	if (request.authorization !== null && isKioskToken(/^Bearer\s+(\S+)$/i.exec(request.authorization)?.[1])) {
		return { ok: false, status: 403, error: KIOSK_REFUSED };
	}
	if (request.authorization === null) {
		const s = request.session;
		if (!s) return { ok: false, status: 401, error: 'log in, or send an API token as "Authorization: Bearer <token>" (create one with `vigil token create`)' };
		if (!can(s.role, action)) return { ok: false, status: 403, error: `your role (${s.role}) may not ${action}` };
		return { ok: true, principal: { kind: 'session', user: s.user, role: s.role, session: s } };
	}
	const auth = await deps.tokens.authenticate(request.authorization, now);
	if (!auth.ok) return auth;
	const t = auth.token;
	let role: Role | undefined;
	if (t.user) {
		const owner = await deps.users.get(t.user);
		if (!owner || owner.id !== t.userId) return { ok: false, status: 401, error: 'the API token\'s user no longer exists' };
		role = cappedRole(t.role ?? owner.role, owner.role);
		if (!can(role, action)) return { ok: false, status: 403, error: `the API token's role (${role}) may not ${action}` };
	}
	if (!scopesAllow(t.scopes, action)) {
		const scope = scopeFor(action);
		return { ok: false, status: 403, error: scope ? `the API token lacks the "${scope}" scope` : `the API token may not ${action}` };
	}
	return { ok: true, principal: { kind: 'token', user: t.user, role, token: t } };
}
