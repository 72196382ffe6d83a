/**
 * Builds a service-quality report from the stores: the `up` series as hour rollups (with minute
 * rollups read for the hours that are neither all up nor all down, or hold an edge of the period,
 * of a day, of a maintenance window, of the series' first sample or of now), the incidents opened
 * in the period, the maintenance windows, and the SLO targets evaluated hour by hour over rollups.
 * The figures themselves are the pure functions of uptime.ts and report.ts.
 *
 * What is judged: each `up` series over [max(period start, its first sample), min(period end,
 * now)]. Before its first sample Vigil was not watching it, and after now nothing has happened
 * yet: neither is downtime, whatever the policy (the policy text says so). A period in progress
 * is therefore judged over its elapsed part, and its error budget is the objective's share of the
 * time judged; the previous period follows the same rule.
 */
import type { IncidentStore, IncidentSummary } from '../../alerting/incidents';
import { maintenanceIntervals, type MaintenanceWindow, type Interval } from '../../alerting/muting';
import { processQueryLimits, rangeSeries, type QueryLimits } from '../../promql';
import { type Matcher, HOUR, MINUTE, type Retention, type TimeSeriesStore } from '../../tsdb';
import { formatDuration, formatTime } from '../../../shared/report-format';
import { fromLocal } from '../../alerting/muting';
import { parseDay, type Stage } from '../../../shared/slo-stage';
import { daysOf, previousPeriod, weeksOf, type Period } from './period';
import { incidentFigures, sloResult, trend, type IncidentFigures, type SloResult, type SloTarget, type Trend } from './report';
import { addSeconds, clipBuckets, emptySeconds, guessInterval, policyText, POLICY_VERSION, uptimeOf, type UpBucket, type UptimePolicy, type UptimeSeconds } from './uptime';

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
	/**
	 * The SLO queries' limits; their time limit is 30 s or `query.timeout`, whichever is shorter.
	 * @defaultValue the process's (the config's `query:`, processQueryLimits())
	 */
	limits?: QueryLimits;
}

/** What uptime alone reads: the series, the maintenance windows, the time. */
export type UptimeDeps = Pick<ReportDeps, 'store' | 'windows' | 'now'>;

/**
 * How a day of a service is drawn: `whole` judged all day; `partial` judged part of it (Vigil
 * started watching that day, or it is today); `unwatched` before Vigil's first sample (no figure);
 * `future` not begun yet (no figure).
 */
export type DayState = 'whole' | 'partial' | 'unwatched' | 'future';

export interface DayUptime {
	day: string;
	state: DayState;
	/** null when nothing of the day counted (unwatched, future, or all of it excluded by the policy). */
	availability: number | null;
	/** Seconds of the day judged (summed over the service's series). */
	judged: number;
	down: number;
	noData: number;
	maintenance: number;
}

export interface ServiceUptime {
	service: string;
	/** `up` series (targets) of the service. */
	targets: number;
	/** The first sample Vigil holds of the service (any of its series), when it is inside the period. */
	watchedFrom: number | null;
	seconds: UptimeSeconds;
	/** Down seconds allowed by the objective over the counted time, and the share used. */
	budgetSeconds: number;
	budgetUsed: number | null;
	daily: DayUptime[];
	trend: Trend;
}

/** The part of the period the report judges, and how to say it. */
export interface Coverage {
	/** [from, to): from the period's start (or Vigil's first sample of the scope, when later) to its end (or now). */
	from: number;
	to: number;
	/** The period has not ended yet: the report covers its elapsed part. */
	inProgress: boolean;
	/** Vigil's first sample of the scope, when it is inside the period (earlier time is not judged). */
	watchedFrom: number | null;
	/** "month in progress: 6 d 8 h of 31 d so far; Vigil has watched since 2026-12-07 08:24 (19 min)". */
	text: string;
}

export interface Report {
	title: string;
	period: Period;
	previous: Period;
	coverage: Coverage;
	previousCoverage: Coverage;
	scope: string | null;
	policy: UptimePolicy & { version: number; text: string };
	uptimeObjective: number;
	generatedAt: number;
	overall: UptimeSeconds & { trend: Trend };
	services: ServiceUptime[];
	slos: Array<SloResult & { error?: string; trend: Trend }>;
	/**
	 * Incidents opened in the period. While it is in progress, the count's trend compares with the
	 * previous period's first `previousCountSpan` ms (as long as this one has run), not all of it.
	 */
	incidents: IncidentFigures & { trends: { count: Trend; mtta: Trend; mttr: Trend }; previousCountTo: number };
}

function selectorOf(labels: Record<string, string>): Matcher[] {
	return Object.entries(labels).map(([name, value]) => ({ name, op: '=' as const, value }));
}

interface SeriesData {
	service: string;
	labels: Record<string, string>;
	intervalMs: number;
	buckets: UpBucket[];
	/** The first sample the store holds of the series (ever, not only in the range read); null if unknown. */
	firstTs: number | null;
	/** Its latest sample; null if unknown. */
	lastTs: number | null;
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

/** The `up` series of a scope: every service's, or one service's. */
function upSelector(scope: string | null): Matcher[] {
	return [{ name: '__name__', op: '=', value: 'up' }, scope === null ? { name: 'service', op: '!=', value: '' } : { name: 'service', op: '=', value: scope }];
}

/** The series of a selector over [from, to), as hour buckets refined by minute buckets where needed. */
async function loadUp(deps: UptimeDeps, selector: Matcher[], from: number, to: number, edgesOf: (s: SeriesData) => number[]): Promise<SeriesData[]> {
	const lo = Math.floor(from / HOUR) * HOUR;
	const [hours, infos] = await Promise.all([deps.store.range(selector, lo, to - 1, HOUR), deps.store.series(selector)]);
	const infoOf = new Map(infos.map((s) => [JSON.stringify(Object.entries(s.labels).filter(([k]) => k !== '__name__').sort()), s]));
	const out: SeriesData[] = [];
	for (const r of hours) {
		const labels = Object.fromEntries(Object.entries(r.labels).filter(([k]) => k !== '__name__'));
		const buckets: UpBucket[] = r.t.map((t, i) => ({ start: t, width: HOUR, count: r.count[i]!, sum: r.sum[i]! }));
		const info = infoOf.get(JSON.stringify(Object.entries(labels).sort()));
		const intervalMs = info?.intervalMs ?? guessInterval(buckets);
		out.push({ service: labels.service ?? '', labels, intervalMs, buckets, firstTs: info?.firstTs ?? null, lastTs: info?.lastTs ?? null });
	}
	await Promise.all(
		out.map(async (s) => {
			// A sample stands for its interval after it: minute buckets of a series sampled less often than
			// once a minute would read the minutes between samples as without data.
			if (s.intervalMs > MINUTE) return;
			const refine = hoursToRefine(s.buckets, s.intervalMs, edgesOf(s));
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
			// oldest hour of a quarter at the edge of their retention), keeps its hour bucket. The minutes
			// are read after the hours: in the hour now being written they may hold a few samples more,
			// which is no reason to fall back on the hour's proportions (that made a figure of the current
			// hour move from one reading to the next).
			const merged: UpBucket[] = [];
			for (const b of s.buckets) {
				const mins = minutes.get(b.start);
				const complete = mins !== undefined && mins.reduce((n, m) => n + m.count, 0) >= b.count;
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

function windowsFor(deps: UptimeDeps, service: string, from: number, to: number): Interval[] {
	return maintenanceIntervals(deps.windows, { from, to, labels: { service } });
}

/** A target's next stage with its day resolved to that day's midnight in the reports' zone. */
export function stageOf(t: SloTarget, zone: string): Stage | undefined {
	if (!t.next) return undefined;
	const day = parseDay(t.next.from);
	if (!day) return undefined;
	return { level: t.next.threshold, from: t.next.from, fromMs: fromLocal(zone, Date.UTC(day.y, day.m0, day.d)) };
}

async function sloValues(deps: ReportDeps, t: SloTarget, from: number, to: number): Promise<{ values: number[]; ts: number[]; stepMs: number; error?: string }> {
	const span = to - from;
	const step = Math.max(HOUR, Math.ceil(span / 10_000 / HOUR) * HOUR);
	try {
		const limits = deps.limits ?? processQueryLimits();
		const series = await rangeSeries({ store: deps.store, now: deps.now, retention: deps.retention, limits }, t.expr, from + step, Math.min(to, Math.floor(deps.now / step) * step), step, 30_000);
		return { values: series[0]?.values ?? [], ts: series[0]?.ts ?? [], stepMs: step };
	} catch (err) {
		return { values: [], ts: [], stepMs: step, error: (err as Error).message };
	}
}

/**
 * The span of [from, to) a series is judged over: from its first sample (when later than `from`)
 * to now (when earlier than `to`); `clip` names the edges that are the series' own (see clipBuckets).
 * "Now" for a live series (its latest sample at most two sampling intervals old, so its next one
 * may still be on its way) is where its last bucket's samples reach: a bucket credits its samples'
 * intervals from its start (count × interval), not from the first one's place in it, so time past
 * that point but before now is the moment being collected, not yet elapsed for the series (never
 * before its latest sample, never after now). Judging to now instead read that part as "no data",
 * so a service up all along lost up to an interval at every reading (99.7 % two minutes after a
 * start, a "degraded" day on the status page). A series silent for longer is judged to now, its
 * silence counted as no data.
 */
function judgedSpan(s: SeriesData, from: number, to: number, now: number): { lo: number; hi: number; clipLo: number | null; clipHi: number | null } {
	const first = s.firstTs ?? from;
	const live = s.lastTs !== null && s.lastTs <= now && now - s.lastTs <= 2 * s.intervalMs;
	const last = s.buckets.at(-1);
	const reached = last && last.count > 0 ? last.start + last.count * s.intervalMs : -Infinity;
	const end = live ? Math.min(now, Math.max(s.lastTs!, reached)) : now;
	return { lo: Math.max(from, first), hi: Math.min(to, end), clipLo: first > from ? first : null, clipHi: end < to ? end : null };
}

interface UptimePart {
	overall: UptimeSeconds;
	services: Map<string, { targets: number; watchedFrom: number | null; seconds: UptimeSeconds; daily: DayUptime[] }>;
	/** The earliest time judged (period start, or the scope's first sample when later), and the end judged. */
	judgedFrom: number;
	judgedTo: number;
	/** The scope's first sample, when inside the period. */
	watchedFrom: number | null;
}

/**
 * The uptime of the series of `selector` over a period, by group (`groupOf`: a report groups by the
 * `service` label). Maintenance counts per series by its own `service` label, as in a report.
 */
async function uptimePart(deps: UptimeDeps, settings: ReportSettings, period: Period, selector: Matcher[], withDaily: boolean, groupOf: (s: SeriesData) => string = (s) => s.service): Promise<UptimePart> {
	const end = Math.min(period.to, deps.now);
	const days = withDaily ? daysOf(period) : [];
	const services = new Map<string, { targets: number; first: number; seconds: UptimeSeconds; dailySeconds: UptimeSeconds[] }>();
	let overall = emptySeconds();
	if (end > period.from) {
		const edges = [period.from, period.to, end, ...days.map((d) => d.from)];
		const maint = new Map<string, Interval[]>();
		const maintOf = (service: string) => {
			let m = maint.get(service);
			if (!m) maint.set(service, (m = windowsFor(deps, service, period.from, end)));
			return m;
		};
		const series = await loadUp(deps, selector, period.from, end, (s) => [...edges, ...(s.firstTs !== null ? [s.firstTs] : []), ...maintOf(s.service).flatMap((i) => [i.start, i.end])]);
		for (const s of series) {
			const span = judgedSpan(s, period.from, period.to, deps.now);
			const group = groupOf(s);
			const entry = services.get(group) ?? { targets: 0, first: Infinity, seconds: emptySeconds(), dailySeconds: days.map(() => emptySeconds()) };
			services.set(group, entry);
			entry.targets++;
			entry.first = Math.min(entry.first, s.firstTs ?? period.from);
			if (span.hi <= span.lo) continue;
			const m = maintOf(s.service);
			const buckets = clipBuckets(s.buckets, span.clipLo, span.clipHi);
			const sec = uptimeOf(buckets, s.intervalMs, m, span.lo, span.hi, settings.policy);
			entry.seconds = addSeconds(entry.seconds, sec);
			days.forEach((d, i) => {
				const lo = Math.max(d.from, span.lo);
				const hi = Math.min(d.to, span.hi);
				if (hi > lo) entry.dailySeconds[i] = addSeconds(entry.dailySeconds[i]!, uptimeOf(buckets, s.intervalMs, m, lo, hi, settings.policy));
			});
			overall = addSeconds(overall, sec);
		}
	}
	const out: UptimePart['services'] = new Map();
	for (const [service, e] of services) {
		const daily = days.map((d, i): DayUptime => {
			const sec = e.dailySeconds[i]!;
			const whole = ((Math.min(d.to, end) - d.from) / 1000) * e.targets;
			const state: DayState = d.from >= end ? 'future' : sec.period === 0 ? 'unwatched' : sec.period < whole || d.to > end ? 'partial' : 'whole';
			return { day: d.label, state, availability: sec.availability, judged: sec.period, down: sec.down, noData: sec.noData, maintenance: sec.maintenance };
		});
		out.set(service, { targets: e.targets, watchedFrom: e.first > period.from && e.first < period.to ? e.first : null, seconds: e.seconds, daily });
	}
	const first = Math.min(...[...services.values()].map((e) => e.first));
	const watchedFrom = Number.isFinite(first) && first > period.from && first < period.to ? first : null;
	return { overall, services: out, judgedFrom: watchedFrom ?? period.from, judgedTo: Math.max(period.from, end), watchedFrom };
}

/** The uptime of the series of one selector over a period, with its days: see selectorUptime. */
export interface SelectorUptime {
	/** Series the selector matched. */
	targets: number;
	/** The first sample Vigil holds of them, when it is inside the period. */
	watchedFrom: number | null;
	seconds: UptimeSeconds;
	daily: DayUptime[];
}

/**
 * The uptime of every series a selector matches (0/1 availability series, such as `up`) taken
 * together, over a period and day by day, computed exactly as a report computes a service's (same
 * buckets, policy, maintenance, and time judged): for `up{service="x"}` it is the report's figure
 * of service x. Null when the selector matches no series.
 */
export async function selectorUptime(deps: UptimeDeps, settings: ReportSettings, period: Period, selector: Matcher[]): Promise<SelectorUptime | null> {
	const part = await uptimePart(deps, settings, period, selector, true, () => '');
	const e = part.services.get('');
	return e ? { targets: e.targets, watchedFrom: e.watchedFrom, seconds: e.seconds, daily: e.daily } : null;
}

const KIND_WORD: Record<Period['kind'], string> = { month: 'month', quarter: 'quarter', custom: 'period' };

/** The coverage of a period, said in words in its zone. */
export function coverageOf(period: Period, part: Pick<UptimePart, 'judgedFrom' | 'judgedTo' | 'watchedFrom'>, now: number): Coverage {
	const kind = KIND_WORD[period.kind];
	const at = (t: number) => `${formatTime(t, period.zone).slice(0, 16)} ${period.zone}`;
	const inProgress = now < period.to;
	const parts: string[] = [];
	if (now <= period.from) parts.push(`the ${kind} has not begun: nothing is judged yet`);
	else if (inProgress) parts.push(`${kind} in progress: ${formatDuration(now - period.from)} of ${formatDuration(period.to - period.from)} so far (to ${at(now)}); the rest is not judged yet`);
	else parts.push(`the whole ${kind}`);
	if (part.watchedFrom !== null) parts.push(`Vigil has watched since ${at(part.watchedFrom)}, ${formatDuration(part.judgedTo - part.watchedFrom)} of it; the time before is not judged`);
	return { from: part.judgedFrom, to: part.judgedTo, inProgress, watchedFrom: part.watchedFrom, text: parts.join('; ') };
}

export async function buildReport(deps: ReportDeps, settings: ReportSettings, period: Period, scope: string | null): Promise<Report> {
	const previous = previousPeriod(period);
	const weeks = weeksOf(period);
	const end = Math.min(period.to, deps.now);
	const [now, before, incidents, prevIncidents, slos, prevSlos] = await Promise.all([
		uptimePart(deps, settings, period, upSelector(scope), true),
		uptimePart(deps, settings, previous, upSelector(scope), false),
		incidentsOf(deps, scope, period.from, period.to),
		incidentsOf(deps, scope, previous.from, previous.to),
		Promise.all(settings.slos.map((t) => sloValues(deps, t, period.from, period.to))),
		Promise.all(settings.slos.map((t) => sloValues(deps, t, previous.from, previous.to)))
	]);
	const figures = incidentFigures(incidents, weeks, end);
	const prevFigures = incidentFigures(prevIncidents, [], Math.min(previous.to, deps.now));
	// A period in progress has fewer incidents than a whole one: count the previous period's over as
	// long as this one has run.
	const previousCountTo = end < period.to ? Math.min(previous.to, previous.from + Math.max(0, end - period.from)) : previous.to;
	const prevCount = prevIncidents.filter((i) => i.openedAt < previousCountTo).length;
	const services: ServiceUptime[] = [...now.services]
		.map(([service, e]) => {
			const budgetSeconds = (1 - settings.uptimeObjective) * e.seconds.counted;
			const usedDown = e.seconds.counted - e.seconds.countedUp;
			return {
				service,
				targets: e.targets,
				watchedFrom: e.watchedFrom,
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
		coverage: coverageOf(period, now, deps.now),
		previousCoverage: coverageOf(previous, before, deps.now),
		scope,
		policy: { ...settings.policy, version: POLICY_VERSION, text: policyText(settings.policy) },
		uptimeObjective: settings.uptimeObjective,
		generatedAt: deps.now,
		overall: { ...now.overall, trend: trend(now.overall.availability, before.overall.availability, true) },
		services,
		slos: settings.slos.map((t, i) => {
			const stage = stageOf(t, settings.timeZone);
			const r = sloResult(t, slos[i]!.values, slos[i]!.ts, { stepMs: slos[i]!.stepMs, ...(stage ? { stage } : {}), end });
			const p = sloResult(t, prevSlos[i]!.values, prevSlos[i]!.ts, { stepMs: prevSlos[i]!.stepMs, ...(stage ? { stage } : {}), end: Math.min(previous.to, deps.now) });
			return { ...r, ...(slos[i]!.error ? { error: slos[i]!.error } : {}), trend: trend(r.compliance, p.compliance, true) };
		}),
		incidents: {
			...figures,
			previousCountTo,
			trends: {
				count: trend(figures.measures.count, prevCount, false),
				mtta: trend(figures.measures.tta?.mean, prevFigures.measures.tta?.mean, false),
				mttr: trend(figures.measures.ttr?.mean, prevFigures.measures.ttr?.mean, false)
			}
		}
	};
}

/**
 * The down seconds of a service over [from, to) by the policy, for an incident's impact, judged as
 * the report judges (from each series' first sample, up to `deps.now`).
 */
export async function serviceDowntime(deps: ReportDeps, settings: ReportSettings, service: string, from: number, to: number): Promise<UptimeSeconds & { targets: number }> {
	let total = emptySeconds();
	let targets = 0;
	const end = Math.min(to, deps.now);
	if (end <= from) return { ...total, targets };
	const maint = windowsFor(deps, service, from, end);
	const series = await loadUp(deps, upSelector(service), from, end, (s) => [from, end, ...(s.firstTs !== null ? [s.firstTs] : []), ...maint.flatMap((i) => [i.start, i.end])]);
	for (const s of series) {
		targets++;
		const span = judgedSpan(s, from, to, deps.now);
		if (span.hi <= span.lo) continue;
		total = addSeconds(total, uptimeOf(clipBuckets(s.buckets, span.clipLo, span.clipHi), s.intervalMs, maint, span.lo, span.hi, settings.policy));
	}
	return { ...total, targets };
}

/** How far before an incident's opening its outage is looked for: longer than any rule's `for:`. */
const OUTAGE_LOOKBACK = HOUR;

/**
 * The outage of a service behind an incident, from its `up` series: `start` is the first failed
 * sample of the run of failures the incident opened on (a rule fires only after its `for:`, so the
 * service was down before the incident opened), `end` the first good sample after the last failure
 * before `to` (null: still down at `to`). Null when no series of the service was down when the
 * incident opened (a latency or error-ratio incident with the probes up). Raw samples where the
 * store still has them, else minute rollups (to the minute).
 */
export async function outageOf(deps: ReportDeps, service: string, openedAt: number, to: number): Promise<{ start: number; end: number | null } | null> {
	const sel = (labels: Record<string, string>): Matcher[] => selectorOf({ __name__: 'up', ...labels });
	const all: Matcher[] = [{ name: '__name__', op: '=', value: 'up' }, { name: 'service', op: '=', value: service }];
	const lo = openedAt - OUTAGE_LOOKBACK;
	const raw = await deps.store.raw(all, lo, openedAt);
	let start = Infinity;
	const down: Array<Record<string, string>> = [];
	if (raw.some((r) => r.ts.length > 0)) {
		for (const r of raw) {
			let k = r.values.length - 1;
			if (k < 0 || r.values[k] !== 0) continue;
			while (k > 0 && r.values[k - 1] === 0) k--;
			start = Math.min(start, r.ts[k]!);
			down.push(r.labels);
		}
	} else {
		for (const r of await deps.store.range(all, lo, openedAt, MINUTE)) {
			let k = r.t.length - 1;
			if (k < 0 || r.sum[k]! >= r.count[k]!) continue;
			while (k > 0 && r.sum[k - 1]! < r.count[k - 1]! && r.t[k - 1] === r.t[k]! - MINUTE) k--;
			start = Math.min(start, r.t[k]!);
			down.push(r.labels);
		}
	}
	if (!Number.isFinite(start)) return null;
	// The recovery: after the last minute with a failure, the first good sample.
	let end: number | null = 0;
	for (const labels of down) {
		const name = Object.fromEntries(Object.entries(labels).filter(([k]) => k !== '__name__'));
		const [m] = await deps.store.range(sel(name), start, to, MINUTE);
		const bad = m ? m.t.filter((_, i) => m.sum[i]! < m.count[i]!) : [];
		const last = bad.length ? bad[bad.length - 1]! : start;
		const [r] = await deps.store.raw(sel(name), last, Math.min(to, last + 2 * MINUTE));
		let recovered: number | null = null;
		if (r && r.ts.length) {
			let lastBad = -1;
			r.values.forEach((v, i) => v === 0 && (lastBad = i));
			const next = r.values.findIndex((v, i) => i > lastBad && v === 1);
			recovered = next >= 0 ? r.ts[next]! : null;
		} else if (m) {
			// Raw samples gone: the end of the last minute with a failure, if a good minute follows.
			const after = m.t.findIndex((t, i) => t > last && m.sum[i] === m.count[i]);
			recovered = after >= 0 ? last + MINUTE : null;
		}
		if (recovered === null || recovered > to) end = null;
		else if (end !== null) end = Math.max(end, recovered);
	}
	return { start, end };
}
