/**
 * The parts of a service-quality report that are pure functions of their inputs: incidents by
 * severity and service, MTTA and MTTR (mean, median, p90; unacknowledged incidents left out of the
 * MTTA and counted), the longest incidents, incidents per week, SLO compliance and error budget
 * from evaluated steps, and trends against the previous period.
 */
import { measure, type Measures, type IncidentSummary } from '../../alerting/incidents';
import { meets, levelAt, shortfall, type Stage } from '../../../shared/slo-stage';
import type { Span } from './period';

export { meets };

export interface SloTarget {
	name: string;
	/** A PromQL expression giving one number per step (aggregate it to one series). */
	expr: string;
	op: '<' | '<=' | '>' | '>=';
	threshold: number;
	/** Share of the evaluated hours that must meet the threshold (e.g. 0.99). */
	objective: number;
	/** How to show values: `ratio` (as %), `seconds`, or a plain number. */
	unit: 'ratio' | 'seconds' | 'number';
	/** The next stage: a stricter threshold in force from a day on (in the reports' time zone). */
	next?: { threshold: number; from: string };
}

/**
 * The next stage of a target over a period: its level and day, whether it is in force yet, and how
 * the period's hours fare against it. `compliance` is the share of the judged hours whose value
 * meets the next level (whichever level was in force then); `gap` is compliance − objective (the
 * difference in percentage points / 100: below 0 short, 0 or more meets); `meanShortfall` how far
 * the period's mean value is from the next level, in the target's unit (> 0 short).
 */
export interface SloStage {
	threshold: number;
	from: string;
	/** Epoch ms: the `from` day's midnight in the reports' time zone. */
	fromMs: number;
	/** The stage is in force before the period's end (or now, for a period in progress). */
	reached: boolean;
	/** Hours of the period judged by the next level (from `fromMs` on). */
	stepsUnderNext: number;
	/** Hours meeting the next level, of all judged hours. */
	good: number;
	compliance: number | null;
	gap: number | null;
	meets: boolean | null;
	meanShortfall: number | null;
}

export interface SloResult {
	name: string;
	expr: string;
	op: SloTarget['op'];
	threshold: number;
	objective: number;
	unit: SloTarget['unit'];
	/** Steps evaluated (those with a value). */
	steps: number;
	/** Steps meeting the threshold. */
	good: number;
	/** good / steps; null without data. */
	compliance: number | null;
	/** Mean of the step values; null without data. */
	mean: number | null;
	/** Allowed bad steps: (1 − objective) × steps. */
	budget: number;
	/** Share of the error budget used (1 = all of it); null without data. */
	budgetUsed: number | null;
	met: boolean | null;
	/** The level in force at the period's end (or now): the next stage's once it is reached. */
	levelInForce: number;
	/** The next stage, when the target has one (null: none). */
	next: SloStage | null;
}

/**
 * Compliance of one target from its values per step (NaN and missing steps are not counted). A
 * value at `ts[i]` judges the step ending there ([ts − step, ts)); it is judged by the level in
 * force when that step began (the next stage's from its day on). Without `ts`, every step is judged
 * by the current level. `end`: the period's end or now, whichever is earlier (is the stage reached).
 */
export function sloResult(t: SloTarget, values: readonly number[], ts?: readonly number[], opts: { stepMs?: number; stage?: Stage; end?: number } = {}): SloResult {
	const stepMs = opts.stepMs ?? 3_600_000;
	const stage = opts.stage;
	const judged: Array<{ v: number; start: number }> = [];
	values.forEach((v, i) => {
		if (Number.isFinite(v)) judged.push({ v, start: ts ? ts[i]! - stepMs : -Infinity });
	});
	const good = judged.filter((x) => meets(x.v, t.op, levelAt(t.threshold, stage, x.start))).length;
	const steps = judged.length;
	const budget = (1 - t.objective) * steps;
	const bad = steps - good;
	const mean = steps ? judged.reduce((a, x) => a + x.v, 0) / steps : null;
	const end = opts.end ?? Infinity;
	let next: SloStage | null = null;
	if (stage) {
		const nextGood = judged.filter((x) => meets(x.v, t.op, stage.level)).length;
		const compliance = steps ? nextGood / steps : null;
		next = {
			threshold: stage.level,
			from: stage.from,
			fromMs: stage.fromMs,
			reached: end > stage.fromMs,
			stepsUnderNext: judged.filter((x) => x.start >= stage.fromMs).length,
			good: nextGood,
			compliance,
			gap: compliance === null ? null : compliance - t.objective,
			meets: compliance === null ? null : compliance >= t.objective,
			meanShortfall: mean === null ? null : shortfall(t.op, mean, stage.level)
		};
	}
	return {
		name: t.name,
		expr: t.expr,
		op: t.op,
		threshold: t.threshold,
		objective: t.objective,
		unit: t.unit,
		steps,
		good,
		compliance: steps ? good / steps : null,
		mean,
		budget,
		budgetUsed: steps ? (budget > 0 ? bad / budget : bad > 0 ? Infinity : 0) : null,
		met: steps ? good / steps >= t.objective : null,
		levelInForce: levelAt(t.threshold, stage, end === Infinity ? -Infinity : end - 1),
		next
	};
}

export interface IncidentFigures {
	measures: Measures;
	bySeverity: Record<string, number>;
	byService: Array<{ service: string } & Measures>;
	/** The five longest (resolved: to their resolution; unresolved: to the period's end or now). */
	longest: Array<{ id: string; ref: string; title: string; service: string; severity: string; openedAt: number; duration: number; resolved: boolean }>;
	perWeek: Array<{ week: string; count: number }>;
}

/** Figures of the incidents opened in a period (those given), `end` the time unresolved ones are measured to. */
export function incidentFigures(incidents: readonly IncidentSummary[], weeks: readonly Span[], end: number): IncidentFigures {
	const times = incidents.map((i) => ({ service: i.service, status: i.status, openedAt: i.openedAt, acknowledgedAt: i.acknowledgedAt, resolvedAt: i.status === 'resolved' ? i.resolvedAt : undefined }));
	const bySeverity: Record<string, number> = { critical: 0, warning: 0, info: 0 };
	for (const i of incidents) bySeverity[i.severity] = (bySeverity[i.severity] ?? 0) + 1;
	const services = new Map<string, typeof times>();
	for (const t of times) {
		const list = services.get(t.service) ?? [];
		list.push(t);
		services.set(t.service, list);
	}
	const byService = [...services].map(([service, list]) => ({ service, ...measure(list) })).sort((a, b) => b.count - a.count || a.service.localeCompare(b.service));
	const longest = incidents
		.map((i) => {
			const resolved = i.status === 'resolved' && i.resolvedAt !== undefined;
			return { id: i.id, ref: i.ref, title: i.title, service: i.service, severity: i.severity, openedAt: i.openedAt, duration: Math.max(0, (resolved ? i.resolvedAt! : end) - i.openedAt), resolved };
		})
		.sort((a, b) => b.duration - a.duration || a.openedAt - b.openedAt)
		.slice(0, 5);
	const perWeek = weeks.map((w) => ({ week: w.label, count: 0 }));
	for (const i of incidents) {
		const k = weeks.findIndex((w) => i.openedAt >= w.from && i.openedAt < w.to);
		if (k >= 0) perWeek[k]!.count++;
	}
	return { measures: measure(times), bySeverity, byService, longest, perWeek };
}

export interface Trend {
	now: number | null;
	before: number | null;
	/** now − before; null when either is missing. */
	delta: number | null;
	/** Whether the change is for the better, given which way is good. */
	direction: 'up' | 'down' | 'same' | null;
	better: boolean | null;
}

export function trend(now: number | null | undefined, before: number | null | undefined, higherIsBetter: boolean): Trend {
	const n = now ?? null;
	const b = before ?? null;
	if (n === null || b === null) return { now: n, before: b, delta: null, direction: null, better: null };
	const delta = n - b;
	const direction = Math.abs(delta) < 1e-12 ? 'same' : delta > 0 ? 'up' : 'down';
	return { now: n, before: b, delta, direction, better: direction === 'same' ? null : (delta > 0) === higherIsBetter };
}
