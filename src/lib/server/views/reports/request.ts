/**
 * A report request from URL parameters (the /reports page and GET /api/v1/reports share them):
 * `period` (`2026-07`, `2026-Q3`, or `custom` with `from` and `to`), `zone`, `service` (one, or
 * all when absent), `maintenance` (`exclude` or `up`) and `nodata` (`down` or `exclude`), each
 * defaulting to the config's; the report built from the stores; its tables as CSV.
 */
import { IncidentStore } from '../../alerting/incidents';
import { MaintenanceStore } from '../../alerting/muting';
import { parseTimeArg } from '../../../shared/time-arg';
import { isoTime, toCsv, type Cell } from './csv';
import { buildReport, type Report, type ReportSettings } from './load';
import { checkZone, currentPeriod, MAX_CUSTOM_SPAN, parsePeriodLabel, previousPeriod, type Period } from './period';
import { reportSettings, type ReportDeps } from './settings';

export interface ReportRequest {
	period: Period;
	scope: string | null;
	settings: ReportSettings;
}

export const REPORT_TABLES = ['services', 'daily', 'slos', 'severity', 'incidents-by-service', 'longest', 'weekly'] as const;
export type ReportTable = (typeof REPORT_TABLES)[number];

export function parseReportRequest(params: URLSearchParams, now: number, base: ReportSettings): { ok: true; value: ReportRequest } | { ok: false; error: string } {
	const zoneText = params.get('zone') || base.timeZone;
	const zone = checkZone(zoneText);
	if (!zone) return { ok: false, error: `zone: expected an IANA time zone such as Europe/Berlin or UTC, got ${JSON.stringify(zoneText.slice(0, 60))}` };
	const periodText = params.get('period') || '';
	let period: Period | null;
	if (periodText === 'custom') {
		const from = parseTimeArg(params.get('from') ?? '', now);
		const to = parseTimeArg(params.get('to') ?? '', now);
		if (from === null) return { ok: false, error: 'from: expected a date (2026-07-01), RFC 3339, or a time relative to now like -30d' };
		if (to === null) return { ok: false, error: 'to: expected a date (2026-10-01), RFC 3339, or a time relative to now like -1d' };
		if (from >= to) return { ok: false, error: 'to: must be after from' };
		if (to - from > MAX_CUSTOM_SPAN) return { ok: false, error: 'from: a custom period may be at most 2 years long' };
		period = { kind: 'custom', label: 'custom', zone, from, to };
	} else if (periodText === '') period = previousPeriod(currentPeriod('month', zone, now));
	else {
		period = parsePeriodLabel(periodText, zone);
		if (!period) return { ok: false, error: `period: expected a month (2026-07), a quarter (2026-Q3) or custom, got ${JSON.stringify(periodText.slice(0, 40))}` };
	}
	const maintenance = params.get('maintenance') || base.policy.maintenance;
	if (maintenance !== 'exclude' && maintenance !== 'up') return { ok: false, error: 'maintenance: expected exclude or up' };
	const noData = params.get('nodata') || base.policy.noData;
	if (noData !== 'down' && noData !== 'exclude') return { ok: false, error: 'nodata: expected down or exclude' };
	const service = params.get('service');
	if (service !== null && service.length > 200) return { ok: false, error: 'service: at most 200 characters' };
	return { ok: true, value: { period, scope: service ? service : null, settings: { ...base, timeZone: zone, policy: { maintenance, noData } } } };
}

export async function runReport(deps: ReportDeps, req: ReportRequest, now = Date.now()): Promise<Report> {
	const { retention } = reportSettings(deps);
	const windows = await new MaintenanceStore(deps.redis, deps.keys, deps.audit).all();
	return buildReport({ store: deps.store, incidents: new IncidentStore(deps.redis, deps.keys), windows, now, retention }, req.settings, req.period, req.scope);
}

const r6 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 1e6) / 1e6);
const yesNo = (b: boolean | null) => (b === null ? '' : b ? 'yes' : 'no');
const sec = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : Math.round(ms) / 1000);

export function reportTable(r: Report, table: ReportTable): { header: string[]; rows: Cell[][] } {
	switch (table) {
		case 'services':
			return {
				header: ['service', 'targets', 'availability', 'previous_availability', 'judged_from', 'judged_to', 'judged_seconds', 'up_seconds', 'down_seconds', 'no_data_seconds', 'maintenance_seconds', 'counted_seconds', 'budget_seconds', 'budget_used', 'policy'],
				rows: r.services.map((s) => [s.service, s.targets, r6(s.seconds.availability), r6(s.trend.before), isoTime(s.watchedFrom ?? r.period.from), isoTime(r.coverage.to), s.seconds.period, s.seconds.up, s.seconds.down, s.seconds.noData, s.seconds.maintenance, s.seconds.counted, r6(s.budgetSeconds), r6(s.budgetUsed), r.policy.text])
			};
		case 'daily':
			return {
				header: ['service', 'day', 'state', 'availability', 'judged_seconds', 'down_seconds', 'no_data_seconds', 'maintenance_seconds'],
				rows: r.services.flatMap((s) => s.daily.map((d) => [s.service, d.day, d.state, r6(d.availability), d.judged, d.down, d.noData, d.maintenance]))
			};
		case 'slos':
			return {
				// The next stage's columns come last (empty without one), so the earlier ones keep their place.
				header: [
					...['target', 'expression', 'op', 'threshold', 'objective', 'hours', 'good_hours', 'compliance', 'previous_compliance', 'mean', 'budget_hours', 'budget_used', 'met'],
					...['level_in_force', 'next_threshold', 'next_from', 'next_reached', 'next_good_hours', 'next_compliance', 'next_gap_pp', 'meets_next']
				],
				rows: r.slos.map((s) => [
					...[s.name, s.expr, s.op, s.threshold, s.objective, s.steps, s.good, r6(s.compliance), r6(s.trend.before), r6(s.mean), r6(s.budget), r6(s.budgetUsed), yesNo(s.met)],
					...(s.next
						? [s.levelInForce, s.next.threshold, s.next.from, s.next.reached ? 'yes' : 'no', s.next.good, r6(s.next.compliance), s.next.gap === null ? '' : r6(s.next.gap * 100), yesNo(s.next.meets)]
						: [s.levelInForce, '', '', '', '', '', '', ''])
				])
			};
		case 'severity':
			return { header: ['severity', 'incidents'], rows: Object.entries(r.incidents.bySeverity).map(([k, v]) => [k, v]) };
		case 'incidents-by-service':
			return {
				header: ['service', 'incidents', 'unacknowledged', 'unresolved', 'mtta_seconds', 'tta_median_seconds', 'tta_p90_seconds', 'mttr_seconds', 'ttr_median_seconds', 'ttr_p90_seconds'],
				rows: [{ service: '(all)', ...r.incidents.measures }, ...r.incidents.byService].map((m) => [m.service, m.count, m.unacknowledged, m.unresolved, sec(m.tta?.mean), sec(m.tta?.median), sec(m.tta?.p90), sec(m.ttr?.mean), sec(m.ttr?.median), sec(m.ttr?.p90)])
			};
		case 'longest':
			return { header: ['id', 'opened', 'title', 'service', 'severity', 'duration_seconds', 'resolved'], rows: r.incidents.longest.map((l) => [l.ref, isoTime(l.openedAt), l.title, l.service, l.severity, sec(l.duration), l.resolved ? 'yes' : 'no']) };
		case 'weekly':
			return { header: ['week_from', 'incidents'], rows: r.incidents.perWeek.map((w) => [w.week, w.count]) };
	}
}

export function reportCsv(r: Report, table: ReportTable): string {
	const t = reportTable(r, table);
	return toCsv(t.header, t.rows);
}
