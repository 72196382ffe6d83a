/**
 * GET /api/v1/reports?period&from&to&zone&service&maintenance&nodata: the service-quality report
 * as JSON (needs `reports:read`); with `format=csv&table=<name>` one of its tables as CSV (needs
 * `reports:export`): services, daily, slos, severity, incidents-by-service, longest, weekly.
 */
import { getContext } from '$lib/server/web/context';
import { json } from '@sveltejs/kit';
import { refuseQuery, requirePermission } from '$lib/server/web/http';
import { parseReportRequest, REPORT_TABLES, reportCsv, runReport, type ReportTable, reportSettings } from '$lib/server/views/reports';
import type { RequestHandler } from './$types';

const PARAMS = ['period', 'from', 'to', 'zone', 'service', 'maintenance', 'nodata', 'format', 'table'];

export const GET: RequestHandler = async (event) => {
	const params = event.url.searchParams;
	const csv = params.get('format') === 'csv';
	const auth = await requirePermission(event, csv ? 'reports:export' : 'reports:read');
	if (!auth.ok) return auth.response;
	const refused = refuseQuery(params, PARAMS);
	if (refused) return refused;
	const table = params.get('table') ?? 'services';
	if (csv && !(REPORT_TABLES as readonly string[]).includes(table)) return json({ error: `table: expected one of ${REPORT_TABLES.join(', ')}` }, { status: 400 });
	const req = parseReportRequest(params, Date.now(), reportSettings(getContext()).settings);
	if (!req.ok) return json({ error: req.error }, { status: 400 });
	const report = await runReport(getContext(), req.value);
	if (!csv) return json(report, { headers: { 'cache-control': 'no-store' } });
	const name = `report-${report.period.label}${report.scope ? `-${report.scope.replace(/[^\w.-]/g, '_')}` : ''}-${table}.csv`;
	return new Response(reportCsv(report, table as ReportTable), {
		headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'no-store' }
	});
};
