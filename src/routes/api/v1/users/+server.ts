/**
 * GET /api/v1/users: the users (name, role, times; never hashes). POST {name, role, password}: makes
 * a user. Admins only (`users:admin`).
 */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { actorOf, ROLES, isUserError } from '$lib/server/auth';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import { readJson } from '$lib/server/web/json-body';
import type { RequestHandler } from './$types';

const body = z.strictObject({ name: z.string().max(100), role: z.enum(ROLES), password: z.string().max(1024) });

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'users:admin');
	if (!auth.ok) return auth.response;
	return json({ users: await getContext().users.list() });
};

export const POST: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'users:admin');
	if (!auth.ok) return auth.response;
	const parsed = await readJson(event.request, body);
	if (!parsed.ok) return parsed.response;
	try {
		const user = await getContext().users.add(parsed.value, { actor: actorOf(auth.principal), ip: event.getClientAddress() });
		return json({ user }, { status: 201 });
	} catch (err) {
		if (isUserError(err)) return json({ error: err.message }, { status: /exists/.test(err.message) ? 409 : 400 });
		throw err;
	}
};
