/**
 * GET /api/v1/incidents/ID (`42` or `INC-42`): the incident with its alerts, its timeline (oldest
 * first) and its own measures (time to acknowledge and to resolve, ms, from the timeline; null
 * while not acknowledged or not resolved). Needs `incidents:read`.
 */
import { json } from '@sveltejs/kit';
import { timesFromTimeline, timeToAcknowledge, timeToResolve, IncidentStore, parseIncidentId } from '$lib/server/alerting/incidents';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'incidents:read');
	if (!auth.ok) return auth.response;
	const ctx = getContext();
	const store = new IncidentStore(ctx.redis, ctx.keys);
	const id = parseIncidentId(event.params.id);
	const incident = id ? await store.get(id) : null;
	if (!id || !incident) return json({ error: `no incident ${JSON.stringify(event.params.id.slice(0, 80))}` }, { status: 404 });
	const timeline = await store.timeline(id);
	const times = timesFromTimeline(timeline, incident.service);
	const measures = { tta: times ? timeToAcknowledge(times) : null, ttr: times ? timeToResolve(times) : null };
	return json({ incident, timeline, measures }, { headers: { 'cache-control': 'no-store' } });
};
