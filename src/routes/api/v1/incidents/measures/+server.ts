/**
 * GET /api/v1/incidents/measures?from&to&service: for the incidents opened in [from, to) (default
 * the last 30 days), overall and per service: count, unacknowledged, unresolved, and time to
 * acknowledge and to resolve (mean = MTTA/MTTR, median, p90, in ms). Needs `incidents:read`.
 */
import { json } from '@sveltejs/kit';
import { parseMeasuresQuery } from '$lib/server/web/http';
import { IncidentStore } from '$lib/server/alerting/incidents';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'incidents:read');
	if (!auth.ok) return auth.response;
	const query = parseMeasuresQuery(event.url.searchParams);
	if (!query.ok) return json({ error: query.error }, { status: 400 });
	const ctx = getContext();
	const measures = await new IncidentStore(ctx.redis, ctx.keys).measures(query.value);
	return json(measures, { headers: { 'cache-control': 'no-store' } });
};
