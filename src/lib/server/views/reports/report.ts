/**
 * The parts of a service-quality report that are pure functions of their inputs: incidents by
 * severity and service, MTTA and MTTR (mean, median, p90; unacknowledged incidents left out of the
 * MTTA and counted), the longest incidents, incidents per week, SLO compliance and error budget
 * from evaluated steps, and trends against the previous period.
 */
import { measure, type Measures, type IncidentSummary } from '../../alerting/incidents';
import type { Span } from './period';

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
}

export function meets(value: number, op: SloTarget['op'], threshold: number): boolean {
	switch (op) {
		case '<':
			return value < threshold;
		case '<=':
			return value <= threshold;
		case '>':
			return value > threshold;
		case '>=':
			return value >= threshold;
	}
}

/** Compliance of one target from its values per step (NaN and missing steps are not counted). */
export function sloResult(t: SloTarget, values: readonly number[]): SloResult {
	const finite = values.filter((v) => Number.isFinite(v));
	const good = finite.filter((v) => meets(v, t.op, t.threshold)).length;
	const steps = finite.length;
	const budget = (1 - t.objective) * steps;
	const bad = steps - good;
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
		mean: steps ? finite.reduce((a, b) => a + b, 0) / steps : null,
		budget,
		budgetUsed: steps ? (budget > 0 ? bad / budget : bad > 0 ? Infinity : 0) : null,
		met: steps ? good / steps >= t.objective : null
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
