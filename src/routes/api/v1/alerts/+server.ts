/** GET /api/v1/alerts: the pending and firing alerts, in Prometheus' shape. Needs `rules:read`. */
import { getContext } from '$lib/server/web/context';
import { methodNotAllowed, promRoute } from '$lib/server/web/http';
import { promAlerts } from '$lib/server/prom-api';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = (event) =>
	promRoute(event, 'rules:read', async () => {
		const ctx = getContext();
		return promAlerts(ctx.redis, ctx.keys);
	});

export const fallback: RequestHandler = methodNotAllowed('GET');
