/**
 * GET/POST /api/v1/query: a PromQL instant query, as Prometheus' HTTP API answers it.
 * Parameters: `query`, `time` (RFC 3339 or unix seconds; default now), `timeout` (`30s` or
 * seconds). Needs `series:read`.
 */
import { getContext } from '$lib/server/context';
import { ApiError } from '$lib/server/prom-api/envelope';
import { parseDuration, readParams, timeParam } from '$lib/server/prom-api/params';
import { instantQuery, MAX_TIMEOUT_MS } from '$lib/server/prom-api/query';
import { promRoute } from '$lib/server/prom-api/route';
import { resolveRetention } from '$lib/server/tsdb/types';
import type { RequestHandler } from './$types';

const handle: RequestHandler = (event) =>
	promRoute(event, 'series:read', async () => {
		const params = await readParams(event.request, event.url);
		const now = Date.now();
		const time = timeParam(params, 'time', now);
		const timeout = params.get('timeout') ? parseDuration('timeout', params.get('timeout')!) : MAX_TIMEOUT_MS;
		if (timeout <= 0) throw new ApiError('bad_data', 'invalid parameter "timeout": must be positive');
		const ctx = getContext();
		return instantQuery({ store: ctx.store, now, retention: resolveRetention(undefined) }, { query: params.get('query'), time, timeoutMs: timeout });
	});

export const GET = handle;
export const POST = handle;
