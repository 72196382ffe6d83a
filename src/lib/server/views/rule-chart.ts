/**
 * The rule page's chart: what a rule compares over a window. For a threshold rule (`LHS > N`) the
 * left-hand side, with the threshold and, with `clear_threshold`, the clear line; otherwise the
 * expression itself. One range query over the window, at most ~360 steps, through the same engine
 * and read plan as /api/v1/query_range.
 */
import { rangeQuery } from '../prom-api/query';
import type { RuleThreshold } from '../rules';
import type { Retention, TimeSeriesStore } from '../tsdb';

/** Most series drawn; the rest are counted. */
export const MAX_CHART_SERIES = 20;

export interface RuleChart {
	from: number;
	to: number;
	step: number;
	/** The expression drawn (the left-hand side of a threshold rule). */
	query: string;
	op: '>' | '>=' | '<' | '<=' | null;
	threshold: number | null;
	clear: number | null;
	series: Array<{ labels: Record<string, string>; points: Array<[number, number | null]> }>;
	/** Series beyond MAX_CHART_SERIES. */
	omitted: number;
	problems: string[];
}

/** A step of 15 s multiples giving at most ~360 points over the window. */
export function chartStep(spanMs: number): number {
	return Math.max(15_000, Math.ceil(spanMs / 360 / 15_000) * 15_000);
}

export interface RuleChartDeps {
	store: TimeSeriesStore;
	/** The store's retention (the query reads the resolution that holds the window). */
	retention: Retention;
}

/** `threshold`: the rule's (readRuleDetail gives it); without one the expression is drawn whole. */
export async function ruleChart(deps: RuleChartDeps, expr: string, threshold: RuleThreshold | null, from: number, to: number, now = Date.now()): Promise<RuleChart> {
	const step = chartStep(to - from);
	const shape = threshold ? { query: threshold.lhs, op: threshold.op, threshold: threshold.threshold, clear: threshold.clear } : { query: expr, op: null, threshold: null, clear: null };
	const chart: RuleChart = { from, to, step, ...shape, series: [], omitted: 0, problems: [] };
	try {
		const { data } = await rangeQuery(
			{ store: deps.store, now, retention: deps.retention },
			{ query: shape.query, start: Math.ceil(from / step) * step, end: Math.min(to, now), step, timeoutMs: 10_000 }
		);
		if (data.resultType === 'matrix') {
			chart.omitted = Math.max(0, data.result.length - MAX_CHART_SERIES);
			chart.series = data.result.slice(0, MAX_CHART_SERIES).map((s) => ({
				labels: s.metric,
				points: s.values.map(([t, v]): [number, number | null] => {
					const n = Number(v);
					return [t * 1000, Number.isFinite(n) ? n : null];
				})
			}));
		}
	} catch (err) {
		chart.problems.push((err as Error).message);
	}
	return chart;
}
