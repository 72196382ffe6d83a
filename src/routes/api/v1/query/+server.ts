/**
 * GET/POST /api/v1/query: a PromQL instant query, as Prometheus' HTTP API answers it.
 * Parameters: `query`, `time` (RFC 3339 or unix seconds; default now), `timeout` (`30s` or
 * seconds; it can only shorten `query.timeout`). Evaluated by the query pool, off the event loop,
 * under the `query:` limits. Needs `series:read`.
 */
import { readParams, timeoutParam, timeParam } from '$lib/server/prom-api';
import { promRoute, queryRunner } from '$lib/server/web/http';
import type { RequestHandler } from './$types';

const handle: RequestHandler = (event) =>
	promRoute(event, 'series:read', async () => {
		const params = await readParams(event.request, event.url);
		const time = timeParam(params, 'time', Date.now());
		const timeoutMs = timeoutParam(params);
		return queryRunner().run({ kind: 'instant', query: params.get('query'), time, timeoutMs }, event.request.signal);
	});

export const GET = handle;
export const POST = handle;
