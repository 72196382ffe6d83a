/**
 * GET /api/v1/label/<name>/values: the values of one label, of every series or of those matching
 * `match[]`, as Prometheus' HTTP API answers them; with `match[]`, `start` and `end` narrow it to
 * series with samples in that range (without `match[]`, the index's values for all time). Needs
 * `series:read`.
 */
import { getContext } from '$lib/server/web/context';
import { readParams, labelValues, parseMatches, timeRange } from '$lib/server/prom-api';
import { methodNotAllowed, promRoute } from '$lib/server/web/http';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = (event) =>
	promRoute(event, 'series:read', async () => {
		const params = await readParams(event.request, event.url);
		const range = timeRange(params);
		return labelValues(getContext().store, event.params.name, parseMatches(params.getAll('match[]')), range);
	});

export const fallback: RequestHandler = methodNotAllowed('GET');
