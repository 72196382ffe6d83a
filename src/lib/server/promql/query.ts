/**
 * The numeric query core: an instant or range query over the time-series store, as numbers. The
 * HTTP API (prom-api/query.ts) writes its results in Prometheus' wire format and its errors in the
 * API's words; the read models (the rule chart, reports) draw and judge the numbers as they are.
 * Range queries over long windows read the store's rollups (rollup.ts says what that means for
 * each function); shorter ones read raw samples and give Prometheus' answers.
 */
import { formatDuration } from '../../shared/duration';
import type { Labels } from '../../shared/series';
import { DAY, SampleBudget, type Retention, type TimeSeriesStore } from '../tsdb';
import { evalInstant, evalRange } from './eval';
import { parseExpr, type Expr } from './parse';
import type { QueryLimits } from './query-limits';
import { loadRollupSource, rollupWidth } from './rollup';
import { dataNeeds, loadSource, type SampleSource } from './source';

/**
 * Range queries of at most this span read raw samples (when raw retention still holds them), so
 * dashboards up to a day agree with Prometheus exactly; longer ones, at a step of a minute or
 * more, read rollups.
 */
export const RAW_SPAN_MS = DAY;

/** What a query reads: the store, the time now, and the store's retention. */
export interface QueryStoreDeps {
	store: Pick<TimeSeriesStore, 'raw' | 'range'>;
	/** Epoch ms now. */
	now: number;
	/** The store's retention: where raw samples end, rollups must be read. */
	retention: Retention;
}

/** How one query runs: its sample limit, its deadline, and what stops it. */
export interface QueryRun {
	/** Most samples the query may hold at once: loaded by its selectors plus its result's points. */
	maxSamples: number;
	/** A performance.now() value: the engine stops evaluating after it. */
	deadline: number;
	/** Called between read batches and before evaluation; throws to stop the query (deadline passed, client gone). */
	check: () => void;
	/** Called between evaluation steps; throws to stop the query. */
	interrupt?: () => void;
}

/** A query's result as numbers. */
export type Evaluated =
	| { resultType: 'vector'; t: number; samples: Array<{ labels: Labels; value: number }> }
	| { resultType: 'scalar'; t: number; value: number }
	| { resultType: 'matrix'; series: NumericSeries[] };

/** One series of a range result: its labels and its points as parallel arrays (ms, value). */
export interface NumericSeries {
	labels: Labels;
	ts: number[];
	values: number[];
}

/** How a range query read its data: raw samples, or rollups of this many ms. */
export type ReadPlan = { kind: 'raw' } | { kind: 'rollup'; widthMs: number };

/** A range-vector expression that is not a plain selector (a subquery, parentheses): an instant query cannot answer it. */
export class QueryShapeError extends Error {
	override name = 'QueryShapeError';
}

/** The raw samples of a range selector at time t (an instant query of `x[5m]`). */
function rawMatrix(expr: Expr, t: number, source: SampleSource): Evaluated {
	const root = expr.root;
	if (root.kind !== 'matrix') throw new QueryShapeError(`expression of type range vector cannot be evaluated here at 1:1`);
	const to = t - root.selector.offset;
	const from = to - root.range;
	const series: NumericSeries[] = [];
	for (const s of source.select(root.selector.matchers, from, to, root.selector)) {
		const stale = new Set(s.stale ?? []);
		const ts: number[] = [];
		const values: number[] = [];
		s.ts.forEach((at, i) => {
			if (at >= from && at <= to && !stale.has(i)) {
				ts.push(at);
				values.push(s.values[i]!);
			}
		});
		if (ts.length) series.push({ labels: { ...s.labels }, ts, values });
	}
	return { resultType: 'matrix', series };
}

/** An instant query at time t: a vector or a scalar, or the raw samples of a range selector. */
export async function queryInstant(deps: Pick<QueryStoreDeps, 'store'>, expr: Expr, t: number, run: QueryRun): Promise<Evaluated> {
	const source = await loadSource(deps.store, expr, t, t, { budget: new SampleBudget(run.maxSamples, run.check) });
	run.check();
	if (expr.type === 'matrix') return rawMatrix(expr, t, source);
	const r = evalInstant(expr, t, source, { deadline: run.deadline, maxSamples: run.maxSamples, interrupt: run.interrupt });
	if (r.type === 'scalar') return { resultType: 'scalar', t, value: r.value };
	return { resultType: 'vector', t, samples: r.samples };
}

/** Raw samples or rollups: rollups for spans over RAW_SPAN_MS, or data older than raw retention. */
export function readPlan(expr: Expr, start: number, end: number, step: number, now: number, retention: Retention): ReadPlan {
	const width = rollupWidth(step);
	if (width === undefined) return { kind: 'raw' };
	const from = Math.min(start, ...dataNeeds(expr, start, end).map((n) => n.from));
	if (end - start <= RAW_SPAN_MS && from >= now - retention.raw) return { kind: 'raw' };
	return { kind: 'rollup', widthMs: width };
}

/** A range query of an instant-vector or scalar expression (end >= start, step > 0): its series and how it read them. */
export async function queryRange(deps: QueryStoreDeps, expr: Expr, start: number, end: number, step: number, run: QueryRun): Promise<{ series: NumericSeries[]; plan: ReadPlan }> {
	const plan = readPlan(expr, start, end, step, deps.now, deps.retention);
	const budget = new SampleBudget(run.maxSamples, run.check);
	let source: SampleSource;
	let lookbackMs: number | undefined;
	if (plan.kind === 'rollup') ({ expr, source, lookbackMs } = await loadRollupSource(deps.store, expr, start, end, plan.widthMs, { budget }));
	else source = await loadSource(deps.store, expr, start, end, { budget });
	run.check();
	const r = evalRange(expr, start, end, step, source, { deadline: run.deadline, lookbackMs, maxSamples: run.maxSamples, interrupt: run.interrupt });
	if (r.type === 'scalar') return { series: [{ labels: {}, ts: r.ts, values: r.values }], plan };
	return { series: r.series, plan };
}

/** A read model's query ran past its time limit. */
export class QueryTimeoutError extends Error {
	override name = 'QueryTimeoutError';
}

/**
 * A range query of PromQL text for a read model (the rule chart, reports): its series as numbers,
 * within the process's sample limit and a time limit of its own (shortened to the process's
 * `query.timeout` when that is shorter). The engine's errors reach the caller as they are.
 */
export async function rangeSeries(deps: QueryStoreDeps & { limits: QueryLimits }, text: string, start: number, end: number, step: number, timeoutMs: number): Promise<NumericSeries[]> {
	const expr = parseExpr(text);
	if (expr.type === 'matrix') throw new QueryShapeError('invalid expression type "range vector" for range query, must be Scalar or instant Vector');
	const ms = Math.min(timeoutMs, deps.limits.timeoutMs);
	const deadline = performance.now() + ms;
	const check = (): void => {
		if (performance.now() > deadline) throw new QueryTimeoutError(`query timed out in expression evaluation (${formatDuration(ms)})`);
	};
	return (await queryRange(deps, expr, start, end, step, { maxSamples: deps.limits.maxSamples, deadline, check })).series;
}
