/**
 * GET /api/v1/incidents/export?from&to&service&severity&status&owner&q: every incident of the
 * list filter as CSV (newest first; at most 100,000 rows): the /incidents page's export. Cells a
 * spreadsheet would read as formulas are prefixed with a quote. tta_seconds is empty for an
 * incident acknowledged only after its resolution (as in the measures). Needs `incidents:read`.
 */
import { json } from '@sveltejs/kit';
import { parseListQuery } from '$lib/server/web/http';
import { timeToAcknowledge, timeToResolve, IncidentStore, type IncidentSummary } from '$lib/server/alerting/incidents';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import { isoTime, toCsv } from '$lib/server/views/reports';
import type { RequestHandler } from './$types';

const MAX_ROWS = 100_000;
const secondsOf = (ms: number | null) => (ms === null ? null : ms / 1000);
const HEADER = ['id', 'opened', 'title', 'service', 'severity', 'status', 'owner', 'acknowledged', 'acknowledged_by', 'resolved', 'tta_seconds', 'ttr_seconds', 'alerts'];

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'incidents:read');
	if (!auth.ok) return auth.response;
	const params = new URLSearchParams(event.url.searchParams);
	for (const k of ['cursor', 'limit', 'order']) params.delete(k);
	const query = parseListQuery(params);
	if (!query.ok) return json({ error: query.error }, { status: 400 });
	const ctx = getContext();
	const store = new IncidentStore(ctx.redis, ctx.keys);
	const rows: IncidentSummary[] = [];
	let cursor: string | undefined;
	do {
		const page = await store.list({ ...query.value, limit: 500, ...(cursor ? { cursor } : {}) });
		rows.push(...page.incidents);
		cursor = page.nextCursor ?? undefined;
	} while (cursor && rows.length < MAX_ROWS);
	const csv = toCsv(
		HEADER,
		rows.slice(0, MAX_ROWS).map((i) => [
			i.ref,
			isoTime(i.openedAt),
			i.title,
			i.service,
			i.severity,
			i.status,
			i.owner ?? '',
			isoTime(i.acknowledgedAt),
			i.acknowledgedBy ?? '',
			i.status === 'resolved' ? isoTime(i.resolvedAt) : '',
			secondsOf(timeToAcknowledge(i)),
			secondsOf(timeToResolve(i)),
			i.alertCount
		])
	);
	return new Response(csv, { headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="incidents.csv"', 'cache-control': 'no-store' } });
};
