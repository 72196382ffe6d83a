/**
 * POST /api/v1/rules/<group>/<alert>/rollback {version, message?}: makes an earlier version of
 * the rule current again, as a new version (its message: `roll back to version N[: message]`);
 * answers {rule}. 400 when the version does not exist or deleted
 * the rule, 404 without the rule. Needs `rules:write`; audited; announced to the alerts role.
 */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { notFound, rollbackRule, ruleIdOf } from '$lib/server/web/http';
import { actorOf } from '$lib/server/auth';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import { readJson } from '$lib/server/web/json-body';
import { postOnly } from '$lib/server/web/method';
import type { RequestHandler } from './$types';

const body = z.strictObject({ version: z.number().int().min(1), message: z.string().max(500).optional() });

export const POST: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'rules:write');
	if (!auth.ok) return auth.response;
	const id = ruleIdOf(event.params);
	if (id === null) return json(notFound(`${event.params.group}/${event.params.alert}`).body, { status: 404 });
	const b = await readJson(event.request, body);
	if (!b.ok) return b.response;
	const r = await rollbackRule(getContext(), id, b.value, actorOf(auth.principal));
	return json(r.body, { status: r.status });
};

export const fallback: RequestHandler = postOnly;
