/**
 * PATCH /api/v1/users/NAME {role?, password?}: changes a user's role or password; DELETE removes the
 * user. Either ends the user's sessions at once. Admins only (`users:admin`).
 */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { actorOf, requirePermission } from '$lib/server/auth/access';
import { ROLES } from '$lib/server/auth/permissions';
import { isUserError } from '$lib/server/auth/users';
import { getContext } from '$lib/server/context';
import { readJson } from '$lib/server/web/json-body';
import type { RequestHandler } from './$types';

const body = z.strictObject({ role: z.enum(ROLES).optional(), password: z.string().max(1024).optional() });

function refused(err: unknown): Response {
	if (isUserError(err)) return json({ error: err.message }, { status: /^no user/.test(err.message) ? 404 : 400 });
	throw err;
}

export const PATCH: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'users:admin');
	if (!auth.ok) return auth.response;
	const parsed = await readJson(event.request, body);
	if (!parsed.ok) return parsed.response;
	const { users } = getContext();
	const by = { actor: actorOf(auth.principal), ip: event.getClientAddress() };
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
