/**
 * GET/POST /api/v1/series: the label sets of the series matching any `match[]` selector, as
 * Prometheus' HTTP API answers them. `start` and `end` are checked but do not narrow the answer
 * (Vigil's label index is not split by time). Needs `series:read`.
 */
import { getContext } from '$lib/server/context';
import { readParams, timeParam } from '$lib/server/prom-api/params';
import { promRoute } from '$lib/server/prom-api/route';
import { findSeries, parseMatches } from '$lib/server/prom-api/series';
import type { RequestHandler } from './$types';

const handle: RequestHandler = (event) =>
	promRoute(event, 'series:read', async () => {
		const params = await readParams(event.request, event.url);
		timeParam(params, 'start', 0);
		timeParam(params, 'end', 0);
		return findSeries(getContext().store, parseMatches(params.getAll('match[]')));
	});

export const GET = handle;
export const POST = handle;
