/**
 * /admin: users, API tokens, kiosk links and the audit log, for admins. The page needs a session
 * whose role is an admin's (else /login, or 403); every form action checks its own action and
 * calls the same stores as the API, so the audit log names the admin (`user:<name>`).
 */
import { fail } from '@sveltejs/kit';
import { AUDIT_ID, auditSummary } from '$lib/server/audit';
import { isRole, ROLES, type Role, SCOPES, tokenState, type Scope, isUserError } from '$lib/server/auth';
import { getContext } from '$lib/server/web/context';
import { reportSettings } from '$lib/server/views/reports';
import { requireAdminAction, requireAdminPage } from '$lib/server/web/admin';
import { kioskLink } from '$lib/server/web/wall-access';
import { boardExists, boardNames } from '$lib/shared/boards';
import { parseDuration } from '$lib/shared/duration';
import { formatTime } from '$lib/shared/report-format';
import type { Actions, PageServerLoad } from './$types';

const AUDIT_PAGE = 100;

/** What every action answers: which section, and an error, a message or a secret shown once. */
interface Outcome {
	section: 'users' | 'tokens' | 'kiosks';
	error?: string;
	message?: string;
	/** A new API token or kiosk URL: the only time it is shown. */
	secret?: string;
}

function refused(section: Outcome['section'], error: string) {
	return fail(400, { section, error } satisfies Outcome);
}

/** A time in the page's zone (reports.timeZone, as every page of people and incidents; named once on the page). */
function whenIn(zone: string): (ms: number | undefined) => string {
	return (ms) => (ms === undefined ? '' : formatTime(ms, zone));
}

function text(form: FormData, name: string, max = 1024): string {
	const v = form.get(name);
	return typeof v === 'string' ? v.slice(0, max) : '';
}

function ttl(expires: string): number | undefined | null {
	if (!expires.trim()) return undefined;
	const ms = parseDuration(expires.trim());
	return ms === null || ms <= 0 ? null : ms;
}

export const load: PageServerLoad = async ({ locals, url }) => {
	const me = requireAdminPage(locals, url.pathname);
	const ctx = getContext();
	const beforeParam = url.searchParams.get('before');
	const before = beforeParam && AUDIT_ID.test(beforeParam) ? beforeParam : undefined;
	const now = Date.now();
	const zone = reportSettings(getContext()).settings.timeZone;
	const when = whenIn(zone);
	const [users, tokens, kiosks, audit] = await Promise.all([ctx.users.list(), ctx.tokens.list(), ctx.kiosks.list(now), ctx.audit.list({ limit: AUDIT_PAGE, before })]);
	return {
		me: me.user,
		zone,
		roles: [...ROLES],
		scopes: [...SCOPES],
		boards: [...boardNames()],
		users: users.map((u) => ({ name: u.name, role: u.role, created: when(u.createdAt) })),
		tokens: tokens.map((t) => ({
			id: t.id,
			name: t.name,
			owner: t.user ?? '',
			role: t.role ?? '',
			scopes: t.scopes?.join(', ') ?? '',
			created: when(t.createdAt),
			expires: when(t.expiresAt),
			state: tokenState(t, now)
		})),
		kiosks: kiosks.map((k) => ({
			id: k.id,
			name: k.name,
			board: k.board,
			created: when(k.createdAt),
			expires: when(k.expiresAt),
			lastSeen: when(k.lastSeenAt),
			lastIp: k.lastIp ?? '',
			state: k.state
		})),
		audit: {
			before: before ?? null,
			older: audit.length === AUDIT_PAGE ? audit.at(-1)!.id : null,
			entries: audit.map((e) => ({ id: e.id, time: when(e.at), actor: e.actor, action: e.action, target: e.target, summary: auditSummary(e, 140, when) }))
		}
	};
};

export const actions: Actions = {
	addUser: async (event) => {
		const by = await requireAdminAction(event, 'users:admin');
		const form = await event.request.formData();
		const role = text(form, 'role');
		if (!isRole(role)) return refused('users', `role: expected one of ${ROLES.join(', ')}`);
		if (text(form, 'password') !== text(form, 'confirm')) return refused('users', 'password: the two passwords differ');
		try {
			const user = await getContext().users.add({ name: text(form, 'name', 100), role, password: text(form, 'password') }, by);
			return { section: 'users', message: `added ${user.name} (${user.role})` } satisfies Outcome;
		} catch (err) {
			if (isUserError(err)) return refused('users', err.message);
			throw err;
		}
	},
	setRole: async (event) => {
		const by = await requireAdminAction(event, 'users:admin');
		const form = await event.request.formData();
		const role = text(form, 'role');
		if (!isRole(role)) return refused('users', `role: expected one of ${ROLES.join(', ')}`);
		if (text(form, 'password') !== text(form, 'confirm')) return refused('users', 'password: the two passwords differ');
		try {
			const user = await getContext().users.setRole(text(form, 'name', 100), role, by);
			return { section: 'users', message: `${user.name} is now ${user.role}; their sessions were ended` } satisfies Outcome;
		} catch (err) {
			if (isUserError(err)) return refused('users', err.message);
			throw err;
		}
	},
	setPassword: async (event) => {
		const by = await requireAdminAction(event, 'users:admin');
		const form = await event.request.formData();
		const name = text(form, 'name', 100).trim().toLowerCase();
		// One's own password needs the current one: a session left open must not be enough.
		if (name === event.locals.session?.user) return refused('users', 'to change your own password, use your account page (/account): it asks for the current one');
		const password = text(form, 'password');
		if (password !== text(form, 'confirm')) return refused('users', 'the two passwords differ');
		try {
			await getContext().users.setPassword(name, password, by);
			return { section: 'users', message: `set a new password for ${name}; their sessions were ended` } satisfies Outcome;
		} catch (err) {
			if (isUserError(err)) return refused('users', err.message);
			throw err;
		}
	},
	deleteUser: async (event) => {
		const by = await requireAdminAction(event, 'users:admin');
		const form = await event.request.formData();
		const name = text(form, 'name', 100);
		try {
			await getContext().users.delete(name, by);
			return { section: 'users', message: `deleted ${name.toLowerCase()}; their sessions were ended and their tokens stop working` } satisfies Outcome;
		} catch (err) {
			if (isUserError(err)) return refused('users', err.message);
			throw err;
		}
	},
	createToken: async (event) => {
		const by = await requireAdminAction(event, 'tokens:admin');
		const form = await event.request.formData();
		const ctx = getContext();
		const owner = await ctx.users.get(text(form, 'owner', 100));
		if (!owner) return refused('tokens', 'owner: choose the user the token acts for');
		const roleText = text(form, 'role');
		const role: Role | undefined = isRole(roleText) ? roleText : undefined;
		const scopes = form.getAll('scopes').filter((s): s is Scope => typeof s === 'string' && (SCOPES as readonly string[]).includes(s));
		const ttlMs = ttl(text(form, 'expires', 32));
		if (ttlMs === null) return refused('tokens', 'expires: expected a duration like "90d", or nothing');
		try {
			const { token, info } = await ctx.tokens.create({ name: text(form, 'name', 200), user: owner, role, scopes: scopes.length ? scopes : undefined, ttlMs }, by.actor);
			return { section: 'tokens', message: `made token ${info.id} for ${owner.name}: copy it now, it is not shown again`, secret: token } satisfies Outcome;
		} catch (err) {
			return refused('tokens', (err as Error).message);
		}
	},
	revokeToken: async (event) => {
		const by = await requireAdminAction(event, 'tokens:admin');
		const id = text(await event.request.formData(), 'id', 40);
		if (!(await getContext().tokens.revoke(id, by.actor))) return refused('tokens', `no API token with id ${JSON.stringify(id)}`);
		return { section: 'tokens', message: `revoked token ${id}` } satisfies Outcome;
	},
	createKiosk: async (event) => {
		const by = await requireAdminAction(event, 'tokens:admin');
		const form = await event.request.formData();
		const board = text(form, 'board', 64);
		if (!boardExists(board)) return refused('kiosks', `board: expected one of ${boardNames().join(', ')}`);
		const ttlMs = ttl(text(form, 'expires', 32));
		if (ttlMs === null) return refused('kiosks', 'expires: expected a duration like "90d", or nothing');
		try {
			const { token, info } = await getContext().kiosks.create({ name: text(form, 'name', 200), board, ttlMs }, by.actor);
			return { section: 'kiosks', message: `made kiosk link ${info.id} for board ${info.board}: copy it now, it is not shown again`, secret: kioskLink(event.url.origin, info.board, token) } satisfies Outcome;
		} catch (err) {
			return refused('kiosks', (err as Error).message);
		}
	},
	revokeKiosk: async (event) => {
		const by = await requireAdminAction(event, 'tokens:admin');
		const id = text(await event.request.formData(), 'id', 40);
		if (!(await getContext().kiosks.revoke(id, by.actor))) return refused('kiosks', `no kiosk link with id ${JSON.stringify(id)}`);
		return { section: 'kiosks', message: `revoked kiosk link ${id}; its screens are disconnected` } satisfies Outcome;
	}
};
