/**
 * GET/POST /api/v1/query_range: a PromQL range query, as Prometheus' HTTP API answers it.
 * Parameters: `query`, `start`, `end` (RFC 3339 or unix seconds), `step` (`1m` or seconds),
 * `timeout` (it can only shorten `query.timeout`); at most 11,000 points per series. Spans over a
 * day at a step of a minute or more read rollups (see src/lib/server/promql/rollup.ts). Evaluated
 * by the query pool, off the event loop, under the `query:` limits. Needs `series:read`.
 */
import { parseDuration, parseTime, readParams, timeoutParam, checkRange } from '$lib/server/prom-api';
import { promRoute, queryRunner } from '$lib/server/web/http';
import type { RequestHandler } from './$types';

const handle: RequestHandler = (event) =>
	promRoute(event, 'series:read', async () => {
		const params = await readParams(event.request, event.url);
		const start = parseTime('start', params.get('start') ?? '');
		const end = parseTime('end', params.get('end') ?? '');
		const step = parseDuration('step', params.get('step') ?? '');
		checkRange(start, end, step);
		const timeoutMs = timeoutParam(params);
		return queryRunner().run({ kind: 'range', query: params.get('query'), start, end, step, timeoutMs }, event.request.signal);
	});

export const GET = handle;
export const POST = handle;
