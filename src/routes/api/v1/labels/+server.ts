/**
 * GET/POST /api/v1/labels: label names, of every series or of those matching `match[]`, as
 * Prometheus' HTTP API answers them (`start` and `end` are checked, not applied). Needs `series:read`.
 */
import { getContext } from '$lib/server/context';
import { readParams, timeParam } from '$lib/server/prom-api/params';
import { promRoute } from '$lib/server/prom-api/route';
import { labelNames, parseMatches } from '$lib/server/prom-api/series';
import type { RequestHandler } from './$types';

const handle: RequestHandler = (event) =>
	promRoute(event, 'series:read', async () => {
		const params = await readParams(event.request, event.url);
		timeParam(params, 'start', 0);
		timeParam(params, 'end', 0);
		return labelNames(getContext().store, parseMatches(params.getAll('match[]')));
	});

export const GET = handle;
export const POST = handle;
