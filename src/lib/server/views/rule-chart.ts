/**
 * The rule page's chart: what a rule compares over a window. For a threshold rule (`LHS > N`) the
 * left-hand side, with the threshold and, with `clear_threshold`, the clear line; otherwise the
 * expression itself. One range query over the window, at most ~360 steps, through the same engine
 * and read plan as /api/v1/query_range (the numeric query core, promql/query.ts).
 */
import { processQueryLimits, rangeSeries, type QueryLimits } from '../promql';
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
	/**
	 * The query's limits; its time limit is 10 s or `query.timeout`, whichever is shorter.
	 * @defaultValue the process's (the config's `query:`, processQueryLimits())
	 */
	limits?: QueryLimits;
}

/** `threshold`: the rule's (readRuleDetail gives it); without one the expression is drawn whole. */
export async function ruleChart(deps: RuleChartDeps, expr: string, threshold: RuleThreshold | null, from: number, to: number, now = Date.now()): Promise<RuleChart> {
	const step = chartStep(to - from);
	const shape = threshold ? { query: threshold.lhs, op: threshold.op, threshold: threshold.threshold, clear: threshold.clear } : { query: expr, op: null, threshold: null, clear: null };
	const chart: RuleChart = { from, to, step, ...shape, series: [], omitted: 0, problems: [] };
	try {
		const series = await rangeSeries(
			{ store: deps.store, now, retention: deps.retention, limits: deps.limits ?? processQueryLimits() },
			shape.query,
			Math.ceil(from / step) * step,
			Math.min(to, now),
			step,
			10_000
		);
		chart.omitted = Math.max(0, series.length - MAX_CHART_SERIES);
		chart.series = series.slice(0, MAX_CHART_SERIES).map((s) => ({
			labels: s.labels,
			points: s.ts.map((t, i): [number, number | null] => {
				const n = s.values[i]!;
				return [t, Number.isFinite(n) ? n : null];
			})
		}));
	} catch (err) {
		chart.problems.push((err as Error).message);
	}
	return chart;
}
