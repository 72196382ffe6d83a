/**
 * GET /api/v1/tokens: the API tokens (id, name, owner, role, scopes, times, state; never secrets or
 * hashes). POST {name, user, role?, scopes?, expires?}: makes one for a user and answers the token,
 * the only time it is shown. Admins only (`tokens:admin`); changes are in the audit log.
 */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { actorOf, ROLES, SCOPES, tokenState } from '$lib/server/auth';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import { readJson } from '$lib/server/web/json-body';
import { parseDuration } from '$lib/shared/duration';
import type { RequestHandler } from './$types';

const body = z.strictObject({
	name: z.string().max(100),
	user: z.string().max(100),
	role: z.enum(ROLES).optional(),
	scopes: z.array(z.enum(SCOPES)).max(SCOPES.length).optional(),
	expires: z.string().max(32).optional()
});

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'tokens:admin');
	if (!auth.ok) return auth.response;
	const now = Date.now();
	const tokens = (await getContext().tokens.list()).map((t) => ({ ...t, state: tokenState(t, now) }));
	return json({ tokens }, { headers: { 'cache-control': 'no-store' } });
};

export const POST: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'tokens:admin');
	if (!auth.ok) return auth.response;
	const parsed = await readJson(event.request, body);
	if (!parsed.ok) return parsed.response;
	const { name, user, role, scopes, expires } = parsed.value;
	const ctx = getContext();
	const owner = await ctx.users.get(user);
	if (!owner) return json({ error: `user: no user named ${JSON.stringify(user.slice(0, 80))}` }, { status: 400 });
	let ttlMs: number | undefined;
	if (expires !== undefined) {
		const ms = parseDuration(expires);
		if (ms === null || ms <= 0) return json({ error: 'expires: expected a duration like "90d"' }, { status: 400 });
		ttlMs = ms;
	}
	try {
		const { token, info } = await ctx.tokens.create({ name, user: owner, role, scopes, ttlMs }, actorOf(auth.principal));
		return json({ token: info, secret: token }, { status: 201, headers: { 'cache-control': 'no-store' } });
	} catch (err) {
		return json({ error: (err as Error).message }, { status: 400 });
	}
};
