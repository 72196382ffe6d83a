/**
 * PATCH /api/v1/users/NAME {role?, password?, currentPassword?}: changes a user's role or password;
 * DELETE removes the user. Either ends the user's sessions at once. Admins only (`users:admin`).
 * One's own password needs `currentPassword` too (a session left open, or a token, is not enough;
 * wrong ones count against the login limits of the user and the client address); an admin setting
 * another user's password does not give theirs. Every change is audited with who made it.
 */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { actorOf, ROLES, loginDelay, isUserError, normalizeUserName } from '$lib/server/auth';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import { readJson } from '$lib/server/web/json-body';
import type { RequestHandler } from './$types';

const body = z.strictObject({ role: z.enum(ROLES).optional(), password: z.string().max(1024).optional(), currentPassword: z.string().max(1024).optional() });

function refused(err: unknown): Response {
	if (isUserError(err)) return json({ error: err.message }, { status: /^no user/.test(err.message) ? 404 : 400 });
	throw err;
}

function sameUser(name: string, user: string): boolean {
	try {
		return normalizeUserName(name) === user;
	} catch {
		return false;
	}
}

/** Refuses a change of one's own password without the right current one (counted as a login attempt). */
async function checkCurrentPassword(user: string, current: string | undefined, address: string): Promise<Response | undefined> {
	if (!current) return json({ error: 'currentPassword: changing your own password needs your current password' }, { status: 400 });
	const ctx = getContext();
	const gate = await ctx.loginLimits.attempt(user, address);
	if (!gate.allowed) {
		const secs = Math.ceil(gate.retryAfterMs / 1000);
		return json({ error: `too many attempts: try again in ${secs} s` }, { status: 429, headers: { 'retry-after': String(secs) } });
	}
	await loginDelay(gate);
	if (!(await ctx.users.verify(user, current))) {
		ctx.log.info({ user, ip: address }, 'password change refused: wrong current password');
		return json({ error: 'currentPassword: that is not your current password' }, { status: 403 });
	}
	await ctx.loginLimits.succeeded(gate.ticket);
	return undefined;
}

export const PATCH: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'users:admin');
	if (!auth.ok) return auth.response;
	const parsed = await readJson(event.request, body);
	if (!parsed.ok) return parsed.response;
	const { users } = getContext();
	const by = { actor: actorOf(auth.principal), ip: event.getClientAddress() };
	if (parsed.value.password !== undefined && auth.principal.user !== undefined && sameUser(event.params.name, auth.principal.user)) {
		const refusal = await checkCurrentPassword(auth.principal.user, parsed.value.currentPassword, event.getClientAddress());
		if (refusal) return refusal;
	}
	try {
		if (parsed.value.password !== undefined) await users.setPassword(event.params.name, parsed.value.password, by);
		if (parsed.value.role !== undefined) await users.setRole(event.params.name, parsed.value.role, by);
		const user = await users.get(event.params.name);
		if (!user) return json({ error: `no user named ${JSON.stringify(event.params.name.slice(0, 80))}` }, { status: 404 });
		return json({ user });
	} catch (err) {
		return refused(err);
	}
};

export const DELETE: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'users:admin');
	if (!auth.ok) return auth.response;
	try {
		await getContext().users.delete(event.params.name, { actor: actorOf(auth.principal), ip: event.getClientAddress() });
		return json({ deleted: event.params.name.toLowerCase() });
	} catch (err) {
		return refused(err);
	}
};
