/**
 * GET/POST /api/v1/labels: label names, of every series or of those matching `match[]`, as
 * Prometheus' HTTP API answers them; with `match[]`, `start` and `end` narrow it to series with
 * samples in that range (without `match[]`, the index's names for all time). Needs `series:read`.
 */
import { getContext } from '$lib/server/web/context';
import { readParams, labelNames, parseMatches, timeRange } from '$lib/server/prom-api';
import { promRoute } from '$lib/server/web/http';
import type { RequestHandler } from './$types';

const handle: RequestHandler = (event) =>
	promRoute(event, 'series:read', async () => {
		const params = await readParams(event.request, event.url);
		const range = timeRange(params);
		return labelNames(getContext().store, parseMatches(params.getAll('match[]')), range);
	});

export const GET = handle;
export const POST = handle;
