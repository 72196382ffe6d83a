/**
 * GET /api/v1/quality-reports/2026-Q4: one quarter's service-quality report as JSON (needs
 * `reports:read`), with its published snapshot when there is one; `format=csv` the report as one
 * CSV, a row per figure (needs `reports:export`). The quarter is named in the reports' time zone.
 */
import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/web/context';
import { refuseQuery, requirePermission } from '$lib/server/web/http';
import { PublishedQualityReports, qualityCsv, qualityQuarter, runQualityReport } from '$lib/server/views/quality-report';
import type { RequestHandler } from './$types';

const PARAMS = ['format'];

export const GET: RequestHandler = async (event) => {
	const params = event.url.searchParams;
	const format = params.get('format') ?? 'json';
	const auth = await requirePermission(event, format === 'csv' ? 'reports:export' : 'reports:read');
	if (!auth.ok) return auth.response;
	const refused = refuseQuery(params, PARAMS);
	if (refused) return refused;
	const ctx = getContext();
	const q = qualityQuarter(ctx, event.params.quarter);
	if (!q.ok) return json({ error: q.error }, { status: 400 });
	const report = await runQualityReport(ctx, q.value);
	if (format === 'csv') {
		return new Response(qualityCsv(report), {
			headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="quality-report-${report.quarter}.csv"`, 'cache-control': 'no-store' }
		});
	}
	const published = await new PublishedQualityReports(ctx.redis, ctx.keys).entry(report.quarter);
	return json({ report, published }, { headers: { 'cache-control': 'no-store' } });
};
