/**
 * GET /api/v1/label/<name>/values: the values of one label, of every series or of those matching
 * `match[]`, as Prometheus' HTTP API answers them (`start` and `end` are checked, not applied).
 * Needs `series:read`.
 */
import { getContext } from '$lib/server/context';
import { readParams, timeParam } from '$lib/server/prom-api/params';
import { methodNotAllowed, promRoute } from '$lib/server/prom-api/route';
import { labelValues, parseMatches } from '$lib/server/prom-api/series';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = (event) =>
	promRoute(event, 'series:read', async () => {
		const params = await readParams(event.request, event.url);
		timeParam(params, 'start', 0);
		timeParam(params, 'end', 0);
		return labelValues(getContext().store, event.params.name, parseMatches(params.getAll('match[]')));
	});

export const fallback: RequestHandler = methodNotAllowed('GET');
