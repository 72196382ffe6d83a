/**
 * /reports/quality?quarter=2026-Q4: the quarterly service-quality report (the plan's targets with
 * the quarter's figures, uptime and incidents, complaints by category, teams, merchants below
 * standard, the declared policy), its CSV and JSON, and whether and by whom it is published.
 * The last ended quarter by default. Needs `reports:read`; the publish button `reports:publish`,
 * the withdraw button `reports:withdraw`.
 */
import { error } from '@sveltejs/kit';
import { can } from '$lib/server/auth';
import { getContext } from '$lib/server/web/context';
import { reportSettings } from '$lib/server/views/reports';
import { lastEndedQuarter, PublishedQualityReports, qualityQuarter, recentQuarters, runQualityReport } from '$lib/server/views/quality-report';
import { requirePage } from '$lib/server/web/pages';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const me = requirePage(locals, url, 'reports:read');
	const ctx = getContext();
	const now = Date.now();
	const zone = reportSettings(ctx).settings.timeZone;
	const text = url.searchParams.get('quarter');
	let quarter = lastEndedQuarter(zone, now);
	if (text) {
		const q = qualityQuarter(ctx, text);
		if (!q.ok) error(400, q.error);
		quarter = q.value;
	}
	const store = new PublishedQualityReports(ctx.redis, ctx.keys);
	const [report, published, all] = await Promise.all([runQualityReport(ctx, quarter, now), store.entry(quarter.label), store.entries()]);
	const choices = recentQuarters(zone, now, 8);
	if (!choices.includes(quarter.label)) choices.push(quarter.label);
	return {
		me,
		report,
		published,
		publishedQuarters: all.map((e) => ({ quarter: e.report.quarter, version: e.report.version, publishedAt: e.report.publishedAt, publishedBy: e.publishedBy })),
		choices,
		mayPublish: can(me.role, 'reports:publish'),
		mayWithdraw: can(me.role, 'reports:withdraw'),
		mayExport: can(me.role, 'reports:export'),
		// The quarter in progress, offered when the quarter shown recorded nothing (a fresh install's last quarter).
		currentQuarter: choices[0]!,
		csvUrl: `/api/v1/quality-reports/${quarter.label}?format=csv`,
		jsonUrl: `/api/v1/quality-reports/${quarter.label}`
	};
};
