/**
 * GET /api/v1/scorecards?quarter&sort&teamSort: the merchant and team scorecards as JSON; with
 * `format=csv&table=merchants|teams` one table as CSV (a row per merchant or team and quarter).
 * Needs `scorecards:read`.
 */
import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/web/context';
import { refuseQuery, requirePermission } from '$lib/server/web/http';
import { runScorecards, SCORECARD_TABLES, scorecardCsv, scorecardRequest, type ScorecardTable } from '$lib/server/views/scorecards';
import type { RequestHandler } from './$types';

const PARAMS = ['quarter', 'sort', 'teamSort', 'format', 'table'];

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'scorecards:read');
	if (!auth.ok) return auth.response;
	const params = event.url.searchParams;
	const refused = refuseQuery(params, PARAMS);
	if (refused) return refused;
	const format = params.get('format') ?? 'json';
	const table = params.get('table') ?? 'merchants';
	if (!(SCORECARD_TABLES as readonly string[]).includes(table)) return json({ error: `table: expected one of ${SCORECARD_TABLES.join(', ')}` }, { status: 400 });
	const req = scorecardRequest(params);
	if (!req.ok) return json({ error: req.error }, { status: 400 });
	const s = await runScorecards(getContext(), req.value);
	if (format === 'json') return json(s, { headers: { 'cache-control': 'no-store' } });
	const quarter = s.quarters[s.quarters.length - 1]!.label;
	return new Response(scorecardCsv(s, table as ScorecardTable), {
		headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="scorecards-${table}-${quarter}.csv"`, 'cache-control': 'no-store' }
	});
};
