/**
 * GET /api/v1/rules/overview: every rule of the set with its saved state, counts of its active
 * alerts, last evaluation and the active silences that hold it: `{revision, rows: RuleRow[]}`
 * (src/lib/shared/rule-rows.ts), as the /rules list shows it. Needs `rules:read`.
 */
import { json } from '@sveltejs/kit';
import { requirePermission } from '$lib/server/web/http';
import { readRuleOverview } from '$lib/server/views';
import { getContext } from '$lib/server/web/context';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'rules:read');
	if (!auth.ok) return auth.response;
	const ctx = getContext();
	const overview = await readRuleOverview(ctx.redis, ctx.keys, { onBad: (what, id, problem) => ctx.log.warn({ what, id, problem }, 'left out of the rules overview: it does not parse') });
	return json(overview, { headers: { 'cache-control': 'no-store' } });
};

export const fallback: RequestHandler = ({ request }) => json({ error: `method ${request.method} is not allowed here; use GET` }, { status: 405, headers: { allow: 'GET' } });
