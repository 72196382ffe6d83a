/**
 * Builds a service-quality report from the stores: the `up` series as hour rollups (with minute
 * rollups read for the hours that are neither all up nor all down, or hold an edge of the period,
 * of a day or of a maintenance window), the incidents opened in the period, the maintenance
 * windows, and the SLO targets evaluated hour by hour over rollups. The figures themselves are
 * the pure functions of uptime.ts and report.ts.
 */
import type { IncidentStore, IncidentSummary } from '../alerting/incidents';
import { maintenanceIntervals, type MaintenanceWindow } from '../alerting/maintenance';
import type { Interval } from '../alerting/maintenance-schedule';
import { rangeQuery } from '../prom-api/query';
import type { Matcher } from '../tsdb/matchers';
import { HOUR, MINUTE, type Retention, type TimeSeriesStore } from '../tsdb/types';
import { daysOf, previousPeriod, weeksOf, type Period } from './period';
import { incidentFigures, sloResult, trend, type IncidentFigures, type SloResult, type SloTarget, type Trend } from './report';
import { addSeconds, emptySeconds, guessInterval, policyText, POLICY_VERSION, uptimeOf, type UpBucket, type UptimePolicy, type UptimeSeconds } from './uptime';

export interface ReportSettings {
	policy: UptimePolicy;
	/** The default time zone of periods. */
	timeZone: string;
	/** The uptime objective of every service (e.g. 0.999): its error budget is 1 − objective of the period. */
	uptimeObjective: number;
	slos: SloTarget[];
}

export const DEFAULT_REPORT_SETTINGS: ReportSettings = {
	policy: { maintenance: 'exclude', noData: 'down' },
	timeZone: 'UTC',
	uptimeObjective: 0.999,
	slos: []
};

export interface ReportDeps {
	store: Pick<TimeSeriesStore, 'range' | 'raw' | 'series'>;
	incidents: Pick<IncidentStore, 'list'>;
	windows: readonly MaintenanceWindow[];
	now: number;
	retention: Retention;
}

export interface ServiceUptime {
	service: string;
	/** `up` series (targets) of the service. */
	targets: number;
	seconds: UptimeSeconds;
	/** Down seconds allowed by the objective over the counted time, and the share used. */
	budgetSeconds: number;
	budgetUsed: number | null;
	daily: Array<{ day: string; availability: number | null; down: number; noData: number; maintenance: number }>;
	trend: Trend;
}

export interface Report {
	title: string;
	period: Period;
	previous: Period;
	scope: string | null;
	policy: UptimePolicy & { version: number; text: string };
	uptimeObjective: number;
	generatedAt: number;
	overall: UptimeSeconds & { trend: Trend };
	services: ServiceUptime[];
	slos: Array<SloResult & { error?: string; trend: Trend }>;
	incidents: IncidentFigures & { trends: { count: Trend; mtta: Trend; mttr: Trend } };
}

function selectorOf(labels: Record<string, string>): Matcher[] {
	return Object.entries(labels).map(([name, value]) => ({ name, op: '=' as const, value }));
}

interface SeriesData {
	service: string;
	labels: Record<string, string>;
	intervalMs: number;
	buckets: UpBucket[];
}

/** Hours (starts) of a series whose hour bucket cannot be shared out by proportion. */
function hoursToRefine(buckets: readonly UpBucket[], intervalMs: number, edges: readonly number[]): number[] {
	const out = new Set<number>();
	for (const b of buckets) {
		const mixed = b.sum > 0 && b.sum < b.count;
		const partial = b.count * intervalMs < b.width - intervalMs;
		if (mixed || partial) out.add(b.start);
	}
	for (const e of edges) if (e % HOUR !== 0) out.add(Math.floor(e / HOUR) * HOUR);
	return [...out].sort((a, b) => a - b);
}

/** The `up` series of the scope over [from, to), as hour buckets refined by minute buckets where needed. */
async function loadUp(deps: ReportDeps, scope: string | null, from: number, to: number, edgesOf: (service: string) => number[]): Promise<SeriesData[]> {
	const selector: Matcher[] = [{ name: '__name__', op: '=', value: 'up' }, scope === null ? { name: 'service', op: '!=', value: '' } : { name: 'service', op: '=', value: scope }];
	const lo = Math.floor(from / HOUR) * HOUR;
	const [hours, infos] = await Promise.all([deps.store.range(selector, lo, to - 1, HOUR), deps.store.series(selector)]);
	const intervals = new Map(infos.map((s) => [JSON.stringify(Object.entries(s.labels).filter(([k]) => k !== '__name__').sort()), s.intervalMs]));
	const out: SeriesData[] = [];
	for (const r of hours) {
		const labels = Object.fromEntries(Object.entries(r.labels).filter(([k]) => k !== '__name__'));
		const buckets: UpBucket[] = r.t.map((t, i) => ({ start: t, width: HOUR, count: r.count[i]!, sum: r.sum[i]! }));
		const intervalMs = intervals.get(JSON.stringify(Object.entries(labels).sort())) ?? guessInterval(buckets);
		out.push({ service: labels.service ?? '', labels, intervalMs, buckets });
	}
	await Promise.all(
		out.map(async (s) => {
			// A sample stands for its interval after it: minute buckets of a series sampled less often than
			// once a minute would read the minutes between samples as without data.
			if (s.intervalMs > MINUTE) return;
			const refine = hoursToRefine(s.buckets, s.intervalMs, edgesOf(s.service));
			if (refine.length === 0) return;
			// Consecutive hours in one read.
			const runs: Array<[number, number]> = [];
			for (const h of refine) {
				const last = runs[runs.length - 1];
				if (last && last[1] === h) last[1] = h + HOUR;
				else runs.push([h, h + HOUR]);
			}
			const minutes = new Map<number, UpBucket[]>();
			const sel = selectorOf({ __name__: 'up', ...s.labels });
			for (const [a, b] of runs) {
				const [m] = await deps.store.range(sel, a, b - 1, MINUTE);
				// Past the minutes' retention the store answers in coarser buckets: those hours stay as they are.
				if (!m || m.resolution !== '1m') continue;
				m.t.forEach((t, i) => {
					const h = Math.floor(t / HOUR) * HOUR;
					const list = minutes.get(h) ?? [];
					list.push({ start: t, width: MINUTE, count: m.count[i]!, sum: m.sum[i]! });
					minutes.set(h, list);
				});
			}
			// Minute rollups are kept 90 days: an hour whose minutes are gone, or only partly there (the
			// oldest hour of a quarter at the edge of their retention), keeps its hour bucket.
			const merged: UpBucket[] = [];
			for (const b of s.buckets) {
				const mins = minutes.get(b.start);
				const complete = mins !== undefined && mins.reduce((n, m) => n + m.count, 0) === b.count;
				merged.push(...(complete ? mins : [b]));
			}
			s.buckets = merged;
		})
	);
	return out;
}

async function incidentsOf(deps: ReportDeps, scope: string | null, from: number, to: number): Promise<IncidentSummary[]> {
	const all: IncidentSummary[] = [];
	let cursor: string | undefined;
	for (let i = 0; i < 10_000; i++) {
		const page = await deps.incidents.list({ from, to, order: 'asc', limit: 500, ...(scope !== null ? { service: scope } : {}), ...(cursor ? { cursor } : {}) });
		all.push(...page.incidents);
		if (!page.nextCursor) break;
		cursor = page.nextCursor;
	}
	return all;
}

function windowsFor(deps: ReportDeps, service: string, from: number, to: number): Interval[] {
	return maintenanceIntervals(deps.windows, { from, to, labels: { service } });
}

async function sloValues(deps: ReportDeps, t: SloTarget, from: number, to: number): Promise<{ values: number[]; error?: string }> {
	const span = to - from;
	const step = Math.max(HOUR, Math.ceil(span / 10_000 / HOUR) * HOUR);
	try {
		const { data } = await rangeQuery({ store: deps.store, now: deps.now, retention: deps.retention }, { query: t.expr, start: from + step, end: Math.min(to, Math.floor(deps.now / step) * step), step, timeoutMs: 30_000 });
		if (data.resultType !== 'matrix' || data.result.length === 0) return { values: [] };
		return { values: data.result[0]!.values.map(([, v]) => Number(v)) };
	} catch (err) {
		return { values: [], error: (err as Error).message };
	}
}

interface UptimePart {
	overall: UptimeSeconds;
	services: Map<string, { targets: number; seconds: UptimeSeconds; daily: ServiceUptime['daily'] }>;
}

async function uptimePart(deps: ReportDeps, settings: ReportSettings, period: Period, scope: string | null, withDaily: boolean): Promise<UptimePart> {
	const days = withDaily ? daysOf(period) : [];
	const edges = [period.from, period.to, ...days.map((d) => d.from)];
	const maint = new Map<string, Interval[]>();
	const maintOf = (service: string) => {
		let m = maint.get(service);
		if (!m) maint.set(service, (m = windowsFor(deps, service, period.from, period.to)));
		return m;
	};
	const series = await loadUp(deps, scope, period.from, period.to, (service) => [...edges, ...maintOf(service).flatMap((i) => [i.start, i.end])]);
	const services = new Map<string, { targets: number; seconds: UptimeSeconds; daily: ServiceUptime['daily']; dailySeconds: UptimeSeconds[] }>();
	let overall = emptySeconds();
	for (const s of series) {
		const m = maintOf(s.service);
		const sec = uptimeOf(s.buckets, s.intervalMs, m, period.from, period.to, settings.policy);
		const entry = services.get(s.service) ?? { targets: 0, seconds: emptySeconds(), daily: [], dailySeconds: days.map(() => emptySeconds()) };
		entry.targets++;
		entry.seconds = addSeconds(entry.seconds, sec);
		days.forEach((d, i) => (entry.dailySeconds[i] = addSeconds(entry.dailySeconds[i]!, uptimeOf(s.buckets, s.intervalMs, m, d.from, d.to, settings.policy))));
		services.set(s.service, entry);
		overall = addSeconds(overall, sec);
	}
	for (const e of services.values()) e.daily = days.map((d, i) => ({ day: d.label, availability: e.dailySeconds[i]!.availability, down: e.dailySeconds[i]!.down, noData: e.dailySeconds[i]!.noData, maintenance: e.dailySeconds[i]!.maintenance }));
	return { overall, services };
}

export async function buildReport(deps: ReportDeps, settings: ReportSettings, period: Period, scope: string | null): Promise<Report> {
	const previous = previousPeriod(period);
	const weeks = weeksOf(period);
	const end = Math.min(period.to, deps.now);
	const [now, before, incidents, prevIncidents, slos, prevSlos] = await Promise.all([
		uptimePart(deps, settings, period, scope, true),
		uptimePart(deps, settings, previous, scope, false),
		incidentsOf(deps, scope, period.from, period.to),
		incidentsOf(deps, scope, previous.from, previous.to),
		Promise.all(settings.slos.map((t) => sloValues(deps, t, period.from, period.to))),
		Promise.all(settings.slos.map((t) => sloValues(deps, t, previous.from, previous.to)))
	]);
	const figures = incidentFigures(incidents, weeks, end);
	const prevFigures = incidentFigures(prevIncidents, [], Math.min(previous.to, deps.now));
	const services: ServiceUptime[] = [...now.services]
		.map(([service, e]) => {
			const budgetSeconds = (1 - settings.uptimeObjective) * e.seconds.counted;
			const usedDown = e.seconds.counted - e.seconds.countedUp;
			return {
				service,
				targets: e.targets,
				seconds: e.seconds,
				budgetSeconds,
				budgetUsed: budgetSeconds > 0 ? usedDown / budgetSeconds : null,
				daily: e.daily,
				trend: trend(e.seconds.availability, before.services.get(service)?.seconds.availability, true)
			};
		})
		.sort((a, b) => a.service.localeCompare(b.service));
	return {
		title: period.kind === 'quarter' ? 'Quarterly service-quality report' : period.kind === 'month' ? 'Monthly service-quality report' : 'Service-quality report',
		period,
		previous,
		scope,
		policy: { ...settings.policy, version: POLICY_VERSION, text: policyText(settings.policy) },
		uptimeObjective: settings.uptimeObjective,
		generatedAt: deps.now,
		overall: { ...now.overall, trend: trend(now.overall.availability, before.overall.availability, true) },
		services,
		slos: settings.slos.map((t, i) => {
			const r = sloResult(t, slos[i]!.values);
			const p = sloResult(t, prevSlos[i]!.values);
			return { ...r, ...(slos[i]!.error ? { error: slos[i]!.error } : {}), trend: trend(r.compliance, p.compliance, true) };
		}),
		incidents: {
			...figures,
			trends: {
				count: trend(figures.measures.count, prevFigures.measures.count, false),
				mtta: trend(figures.measures.tta?.mean, prevFigures.measures.tta?.mean, false),
				mttr: trend(figures.measures.ttr?.mean, prevFigures.measures.ttr?.mean, false)
			}
		}
	};
}

/** The down seconds of a service over [from, to) by the policy, for an incident's impact. */
export async function serviceDowntime(deps: ReportDeps, settings: ReportSettings, service: string, from: number, to: number): Promise<UptimeSeconds> {
	const maint = windowsFor(deps, service, from, to);
	const series = await loadUp(deps, service, from, to, () => [from, to, ...maint.flatMap((i) => [i.start, i.end])]);
	let total = emptySeconds();
	for (const s of series) total = addSeconds(total, uptimeOf(s.buckets, s.intervalMs, maint, from, to, settings.policy));
	return total;
}
