/**
 * GET/POST /api/v1/query_range: a PromQL range query, as Prometheus' HTTP API answers it.
 * Parameters: `query`, `start`, `end` (RFC 3339 or unix seconds), `step` (`1m` or seconds),
 * `timeout`; at most 11,000 points per series. Spans over a day at a step of a minute or more read
 * rollups (see src/lib/server/promql/rollup.ts). Needs `series:read`.
 */
import { getContext } from '$lib/server/context';
import { ApiError } from '$lib/server/prom-api/envelope';
import { parseDuration, parseTime, readParams } from '$lib/server/prom-api/params';
import { checkRange, MAX_TIMEOUT_MS, rangeQuery } from '$lib/server/prom-api/query';
import { promRoute } from '$lib/server/prom-api/route';
import { resolveRetention } from '$lib/server/tsdb/types';
import type { RequestHandler } from './$types';

const handle: RequestHandler = (event) =>
	promRoute(event, 'series:read', async () => {
		const params = await readParams(event.request, event.url);
		const start = parseTime('start', params.get('start') ?? '');
		const end = parseTime('end', params.get('end') ?? '');
		const step = parseDuration('step', params.get('step') ?? '');
		checkRange(start, end, step);
		const timeout = params.get('timeout') ? parseDuration('timeout', params.get('timeout')!) : MAX_TIMEOUT_MS;
		if (timeout <= 0) throw new ApiError('bad_data', 'invalid parameter "timeout": must be positive');
		const ctx = getContext();
		const { data } = await rangeQuery({ store: ctx.store, now: Date.now(), retention: resolveRetention(undefined) }, { query: params.get('query'), start, end, step, timeoutMs: timeout });
		return data;
	});

export const GET = handle;
export const POST = handle;
