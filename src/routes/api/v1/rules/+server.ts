/**
 * GET /api/v1/rules: Vigil's alerting rules with their health, last evaluation and alerts, in
 * Prometheus' shape. Parameters: `type` (alert|record), `rule_name[]`, `rule_group[]`. Needs
 * `rules:read`. (POST /api/v1/rules/backtest is its own route.)
 */
import { getContext } from '$lib/server/web/context';
import { ApiError, promRules } from '$lib/server/prom-api';
import { methodNotAllowed, promRoute } from '$lib/server/web/http';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = (event) =>
	promRoute(event, 'rules:read', async () => {
		const q = event.url.searchParams;
		const type = q.get('type') ?? '';
		if (type !== '' && type !== 'alert' && type !== 'record') throw new ApiError('bad_data', `invalid parameter "type": expected alert or record, got ${JSON.stringify(type)}`);
		const ctx = getContext();
		return promRules(ctx.redis, ctx.keys, { type: type || undefined, names: q.getAll('rule_name[]'), groups: q.getAll('rule_group[]') }, ctx.defaultGroupIntervalMs);
	});

export const fallback: RequestHandler = methodNotAllowed('GET');
