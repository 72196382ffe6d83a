/**
 * GET /api/v1/complaints?range=last-7d|last-30d|this-quarter: the complaint analysis as JSON; with
 * `format=csv` the per-category table as CSV (a row per category, a column per bucket). Needs
 * `scorecards:read`.
 */
import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/web/context';
import { refuseQuery, requirePermission } from '$lib/server/web/http';
import { complaintCsv, complaintRequest, runComplaints } from '$lib/server/views/complaints';
import type { RequestHandler } from './$types';

const PARAMS = ['range', 'format'];

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'scorecards:read');
	if (!auth.ok) return auth.response;
	const params = event.url.searchParams;
	const refused = refuseQuery(params, PARAMS);
	if (refused) return refused;
	const format = params.get('format') ?? 'json';
	const req = complaintRequest(params);
	if (!req.ok) return json({ error: req.error }, { status: 400 });
	const a = await runComplaints(getContext(), req.value);
	if (format === 'json') return json(a, { headers: { 'cache-control': 'no-store' } });
	const day = new Date(a.generatedAt).toISOString().slice(0, 10);
	return new Response(complaintCsv(a), {
		headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="complaints-${a.range}-${day}.csv"`, 'cache-control': 'no-store' }
	});
};
