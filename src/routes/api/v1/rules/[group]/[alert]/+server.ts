/**
 * GET /api/v1/rules/<group>/<alert>: one rule with its state, versions (newest first), state
 * changes (its event stream, newest first, at most 500), the notification-log entries that name it
 * (newest first, at most 100), the active silences that match it, and its threshold lines. Needs
 * `rules:read`.
 *
 * PUT {yaml, message?}: saves a new version of the rule from the YAML of one rule (the shape of a
 * rule in a rule file), checked by the same validator as rule files. Answers 200 {rule, changed},
 * 400 {error, problems} (nothing stored), 404. The alert name must stay. The change is announced
 * to the alerts role, which uses it from its next evaluation. Needs `rules:write`.
 */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { readRuleDetail } from '$lib/server/views';
import { notFound, ruleIdOf, saveRuleText } from '$lib/server/web/http';
import { actorOf } from '$lib/server/auth';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import { MAX_RULE_TEXT } from '$lib/server/rules';
import { readJson } from '$lib/server/web/json-body';
import type { RequestHandler } from './$types';

const NO_STORE = { 'cache-control': 'no-store' };

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'rules:read');
	if (!auth.ok) return auth.response;
	const id = ruleIdOf(event.params);
	if (id === null) return json(notFound(`${event.params.group}/${event.params.alert}`).body, { status: 404 });
	const detail = await readRuleDetail(id, getContext());
	if (!detail) return json(notFound(id).body, { status: 404 });
	return json(detail, { headers: NO_STORE });
};

const putBody = z.strictObject({
	yaml: z.string().max(MAX_RULE_TEXT),
	message: z.string().max(500).optional()
});

export const PUT: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'rules:write');
	if (!auth.ok) return auth.response;
	const id = ruleIdOf(event.params);
	if (id === null) return json(notFound(`${event.params.group}/${event.params.alert}`).body, { status: 404 });
	const body = await readJson(event.request, putBody, 2 * MAX_RULE_TEXT);
	if (!body.ok) return body.response;
	const ctx = getContext();
	const r = await saveRuleText(ctx, id, body.value, actorOf(auth.principal));
	return json(r.body, { status: r.status });
};

export const fallback: RequestHandler = ({ request }) =>
	json({ error: `method ${request.method} is not allowed here; use GET or PUT` }, { status: 405, headers: { allow: 'GET, PUT' } });
