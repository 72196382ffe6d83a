/**
 * POST /api/v1/rules/validate {yaml, group?, rule?, labels?, value?}: checks the YAML of one rule
 * with the validator saves use, without saving. Answers 200 {ok, problems, threshold, rendered?}:
 * each problem names its field and, in an expression or template, its position (line, column and
 * 0-based offsets in the field's text); `rendered` holds the labels and annotations rendered for
 * an instance with the given series labels and value (default none and 0) when the rule compiles.
 * `group` gives the group's interval; `rule` (an id) checks that the alert name stays. Needs
 * `rules:read`.
 */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { validateRuleText } from '$lib/server/web/http';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import { MAX_RULE_TEXT } from '$lib/server/rules';
import { readJson } from '$lib/server/web/json-body';
import { postOnly } from '$lib/server/web/method';
import type { RequestHandler } from './$types';

const body = z.strictObject({
	yaml: z.string().max(MAX_RULE_TEXT),
	group: z.string().max(200).optional(),
	rule: z.string().max(401).optional(),
	labels: z.record(z.string().max(200), z.string().max(4096)).optional(),
	value: z.number().optional()
});

export const POST: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'rules:read');
	if (!auth.ok) return auth.response;
	const b = await readJson(event.request, body, 2 * MAX_RULE_TEXT);
	if (!b.ok) return b.response;
	return json(await validateRuleText(getContext(), b.value), { headers: { 'cache-control': 'no-store' } });
};

export const fallback: RequestHandler = postOnly;
