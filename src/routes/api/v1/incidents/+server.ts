/**
 * GET /api/v1/incidents?from&to&service&severity&status&owner&q&cursor&limit&order: incidents
 * opened in a period (newest first by default), filtered by service, severity and status
 * (comma-separated lists), owner, and text in the title or notes; `limit` per page (default 50,
 * at most 500) and `nextCursor` for the next page (null at the end). Needs `incidents:read`.
 */
import { json } from '@sveltejs/kit';
import { parseListQuery } from '$lib/server/web/http';
import { IncidentStore } from '$lib/server/alerting/incidents';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'incidents:read');
	if (!auth.ok) return auth.response;
	const query = parseListQuery(event.url.searchParams);
	if (!query.ok) return json({ error: query.error }, { status: 400 });
	const ctx = getContext();
	const page = await new IncidentStore(ctx.redis, ctx.keys).list(query.value);
	return json(page, { headers: { 'cache-control': 'no-store' } });
};
