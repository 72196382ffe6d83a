/**
 * POST /api/v1/rules/<group>/<alert>/enabled {enabled, message?}: turns the rule on or off (a
 * version of its own when it changes); answers {rule, changed}. A disabled rule is not evaluated
 * and its firing alerts resolve for the receivers. Needs `rules:write`; audited; announced to the
 * alerts role.
 */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { notFound, ruleIdOf, setRuleEnabled } from '$lib/server/web/http';
import { actorOf } from '$lib/server/auth';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import { readJson } from '$lib/server/web/json-body';
import { postOnly } from '$lib/server/web/method';
import type { RequestHandler } from './$types';

const body = z.strictObject({ enabled: z.boolean(), message: z.string().max(500).optional() });

export const POST: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'rules:write');
	if (!auth.ok) return auth.response;
	const id = ruleIdOf(event.params);
	if (id === null) return json(notFound(`${event.params.group}/${event.params.alert}`).body, { status: 404 });
	const b = await readJson(event.request, body);
	if (!b.ok) return b.response;
	const r = await setRuleEnabled(getContext(), id, b.value, actorOf(auth.principal));
	return json(r.body, { status: r.status });
};

export const fallback: RequestHandler = postOnly;
