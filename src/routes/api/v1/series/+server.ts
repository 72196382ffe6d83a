/**
 * GET/POST /api/v1/series: the label sets of the series matching any `match[]` selector, as
 * Prometheus' HTTP API answers them; with `start` or `end`, only series with samples in that range.
 * Needs `series:read`.
 */
import { getContext } from '$lib/server/web/context';
import { readParams, findSeries, parseMatches, timeRange } from '$lib/server/prom-api';
import { promRoute } from '$lib/server/web/http';
import type { RequestHandler } from './$types';

const handle: RequestHandler = (event) =>
	promRoute(event, 'series:read', async () => {
		const params = await readParams(event.request, event.url);
		const range = timeRange(params);
		return findSeries(getContext().store, parseMatches(params.getAll('match[]')), range);
	});

export const GET = handle;
export const POST = handle;
