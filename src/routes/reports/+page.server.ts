/**
 * /reports: the service-quality report of a period (a month or quarter in a time zone, or a custom
 * range) for all services or one: uptime by the declared policy, SLO compliance and budget,
 * incidents with MTTA/MTTR, trends, charts, and CSV links of every table. `layout=print` is the
 * printable layout (a page of headline figures, then a page per service). Needs `reports:read`.
 */
import { error } from '@sveltejs/kit';
import { can } from '$lib/server/auth';
import { getContext } from '$lib/server/web/context';
import { currentPeriod, previousPeriod, parseReportRequest, REPORT_TABLES, runReport, reportSettings } from '$lib/server/views/reports';
import { requirePage } from '$lib/server/web/pages';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const me = requirePage(locals, url, 'reports:read');
	const params = new URLSearchParams(url.searchParams);
	const layout = params.get('layout') === 'print' ? 'print' : 'screen';
	params.delete('layout');
	const req = parseReportRequest(params, Date.now(), reportSettings(getContext()).settings);
	if (!req.ok) error(400, req.error);
	const [report, services] = await Promise.all([runReport(getContext(), req.value), getContext().store.labelValues('service').catch(() => [] as string[])]);
	const csvBase = new URLSearchParams(params);
	csvBase.set('format', 'csv');
	const csv = Object.fromEntries(
		REPORT_TABLES.map((t) => {
			const p = new URLSearchParams(csvBase);
			p.set('table', t);
			return [t, `/api/v1/reports?${p}`];
		})
	);
	const choices: string[] = [];
	for (const kind of ['quarter', 'month'] as const) {
		let p = currentPeriod(kind, req.value.period.zone, Date.now());
		for (let i = 0; i < (kind === 'quarter' ? 8 : 13); i++, p = previousPeriod(p)) choices.push(p.label);
	}
	const printParams = new URLSearchParams(params);
	printParams.set('layout', 'print');
	return {
		me,
		layout,
		report,
		services: services.sort(),
		form: { period: params.get('period') ?? '', from: params.get('from') ?? '', to: params.get('to') ?? '', zone: req.value.period.zone, service: req.value.scope ?? '', maintenance: req.value.settings.policy.maintenance, nodata: req.value.settings.policy.noData },
		csv,
		choices,
		mayExport: can(me.role, 'reports:export'),
		printUrl: `/reports?${printParams}`,
		jsonUrl: `/api/v1/reports?${params}`
	};
};
