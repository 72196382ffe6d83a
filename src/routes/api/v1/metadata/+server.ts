/**
 * GET /api/v1/metadata: type, help and unit of the metrics collectors have scraped, as
 * Prometheus' HTTP API answers them. Parameters: `metric`, `limit`. Needs `series:read`.
 */
import { getContext } from '$lib/server/web/context';
import { ApiError, readParams, metadata } from '$lib/server/prom-api';
import { methodNotAllowed, promRoute } from '$lib/server/web/http';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = (event) =>
	promRoute(event, 'series:read', async () => {
		const params = await readParams(event.request, event.url);
		const limitText = params.get('limit') ?? '';
		const limit = limitText === '' ? -1 : Number(limitText);
		if (!Number.isInteger(limit)) throw new ApiError('bad_data', `invalid parameter "limit": expected a whole number, got ${JSON.stringify(limitText)}`);
		return metadata(getContext().store, params.get('metric'), limit);
	});

export const fallback: RequestHandler = methodNotAllowed('GET');
