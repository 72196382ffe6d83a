/**
 * `query` and `query_range`: PromQL over the time-series store, answered in the shapes of
 * Prometheus' HTTP API (vector, scalar, matrix). Range queries over long windows read the store's
 * rollups (promql/rollup.ts says what that means for each function); shorter ones read raw samples
 * and give Prometheus' answers.
 */
import type { Labels } from '../../shared/series';
import { DAY } from '../tsdb/types';
import type { Retention, TimeSeriesStore } from '../tsdb/types';
import { dataNeeds, evalInstant, evalRange, loadRollupSource, loadSource, parseExpr, PromQLError, rollupWidth, type Expr, type SampleSource } from '../promql';
import { ApiError, formatScalarValue, formatValue, seconds } from './envelope';

/** Most points per series a range query may give (Prometheus' limit). */
export const MAX_POINTS = 11_000;
/** The longest a query may run, and the default of the `timeout` parameter (Prometheus' default). */
export const MAX_TIMEOUT_MS = 120_000;
/**
 * Range queries of at most this span read raw samples (when raw retention still holds them), so
 * dashboards up to a day agree with Prometheus exactly; longer ones, at a step of a minute or
 * more, read rollups.
 */
export const RAW_SPAN_MS = DAY;

export interface QueryDeps {
	store: Pick<TimeSeriesStore, 'raw' | 'range'>;
	/** Epoch ms now. */
	now: number;
	/** The store's retention: where raw samples end, rollups must be read. */
	retention: Retention;
}

type Point = [number, string];
export type QueryData =
	| { resultType: 'vector'; result: Array<{ metric: Labels; value: Point }> }
	| { resultType: 'scalar'; result: Point }
	| { resultType: 'matrix'; result: Array<{ metric: Labels; values: Point[] }> };

/** How a range query read its data: raw samples, or rollups of this many ms. */
export type ReadPlan = { kind: 'raw' } | { kind: 'rollup'; widthMs: number };

function parseQuery(text: string | null): Expr {
	if (text === null || text === '') throw new ApiError('bad_data', 'invalid parameter "query": unknown position: parse error: no expression found in input');
	try {
		return parseExpr(text);
	} catch (err) {
		if (err instanceof PromQLError) throw new ApiError('bad_data', `invalid parameter "query": ${err.message}`);
		throw err;
	}
}

function evalError(err: unknown): never {
	if (err instanceof PromQLError) {
		if (err.kind === 'timeout') throw new ApiError('timeout', `query timed out in query execution: ${err.problem}`);
		if (err.kind === 'execution') throw new ApiError('execution', err.message);
		throw new ApiError('bad_data', err.message);
	}
	throw err;
}

function checkDeadline(deadline: number): void {
	if (performance.now() > deadline) throw new ApiError('timeout', 'query timed out in query execution: the data did not load in time');
}

function point(t: number, v: number): Point {
	return [seconds(t), formatValue(v)];
}

/** The raw samples of a range selector at time t (an instant query of `x[5m]`). */
function rawMatrix(expr: Expr, t: number, source: SampleSource): QueryData {
	const root = expr.root;
	if (root.kind !== 'matrix') throw new ApiError('execution', `expression of type range vector cannot be evaluated here at 1:1`);
	const to = t - root.selector.offset;
	const from = to - root.range;
	const result: Array<{ metric: Labels; values: Point[] }> = [];
	for (const s of source.select(root.selector.matchers, from, to, root.selector)) {
		const stale = new Set(s.stale ?? []);
		const values: Point[] = [];
		s.ts.forEach((ts, i) => {
			if (ts >= from && ts <= to && !stale.has(i)) values.push(point(ts, s.values[i]!));
		});
		if (values.length) result.push({ metric: { ...s.labels }, values });
	}
	return { resultType: 'matrix', result };
}

/** GET/POST /api/v1/query. */
export async function instantQuery(deps: QueryDeps, q: { query: string | null; time: number; timeoutMs: number }): Promise<QueryData> {
	const expr = parseQuery(q.query);
	const deadline = performance.now() + Math.min(q.timeoutMs, MAX_TIMEOUT_MS);
	const source = await loadSource(deps.store, expr, q.time, q.time);
	checkDeadline(deadline);
	if (expr.type === 'matrix') return rawMatrix(expr, q.time, source);
	let r;
	try {
		r = evalInstant(expr, q.time, source, { deadline });
	} catch (err) {
		evalError(err);
	}
	if (r.type === 'scalar') return { resultType: 'scalar', result: [seconds(q.time), formatScalarValue(r.value)] };
	return { resultType: 'vector', result: r.samples.map((s) => ({ metric: s.labels, value: point(q.time, s.value) })) };
}

/** Raw samples or rollups: rollups for spans over RAW_SPAN_MS, or data older than raw retention. */
export function readPlan(expr: Expr, start: number, end: number, step: number, now: number, retention: Retention): ReadPlan {
	const width = rollupWidth(step);
	if (width === undefined) return { kind: 'raw' };
	const from = Math.min(start, ...dataNeeds(expr, start, end).map((n) => n.from));
	if (end - start <= RAW_SPAN_MS && from >= now - retention.raw) return { kind: 'raw' };
	return { kind: 'rollup', widthMs: width };
}

/** GET/POST /api/v1/query_range (parameters checked by the caller: end >= start, step > 0, points). */
export async function rangeQuery(
	deps: QueryDeps,
	q: { query: string | null; start: number; end: number; step: number; timeoutMs: number }
): Promise<{ data: QueryData; plan: ReadPlan }> {
	let expr = parseQuery(q.query);
	if (expr.type === 'matrix') throw new ApiError('bad_data', `invalid expression type "range vector" for range query, must be Scalar or instant Vector`);
	const deadline = performance.now() + Math.min(q.timeoutMs, MAX_TIMEOUT_MS);
	const plan = readPlan(expr, q.start, q.end, q.step, deps.now, deps.retention);
	let source: SampleSource;
	let lookbackMs: number | undefined;
	if (plan.kind === 'rollup') ({ expr, source, lookbackMs } = await loadRollupSource(deps.store, expr, q.start, q.end, plan.widthMs));
	else source = await loadSource(deps.store, expr, q.start, q.end);
	checkDeadline(deadline);
	let r;
	try {
		r = evalRange(expr, q.start, q.end, q.step, source, { deadline, lookbackMs });
	} catch (err) {
		evalError(err);
	}
	if (r.type === 'scalar') {
		return { data: { resultType: 'matrix', result: [{ metric: {}, values: r.ts.map((t, i) => point(t, r.values[i]!)) }] }, plan };
	}
	return { data: { resultType: 'matrix', result: r.series.map((s) => ({ metric: s.labels, values: s.ts.map((t, i) => point(t, s.values[i]!)) })) }, plan };
}

/** query_range's checks, in Prometheus' order and words. */
export function checkRange(start: number, end: number, step: number): void {
	if (end < start) throw new ApiError('bad_data', 'end timestamp must not be before start time');
	if (step <= 0) throw new ApiError('bad_data', 'zero or negative query resolution step widths are not accepted. Try a positive integer');
	if ((end - start) / step > MAX_POINTS) {
		throw new ApiError('bad_data', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
	}
}
