/**
 * `query` and `query_range`: PromQL over the time-series store, answered in the shapes of
 * Prometheus' HTTP API (vector, scalar, matrix). Range queries over long windows read the store's
 * rollups (promql/rollup.ts says what that means for each function); shorter ones read raw samples
 * and give Prometheus' answers.
 */
import type { Labels } from '../../shared/series';
import { DAY, SampleBudget, SampleLimitError, type Retention, type TimeSeriesStore } from '../tsdb';
import { dataNeeds, evalInstant, evalRange, loadRollupSource, loadSource, parseExpr, PromQLError, rollupWidth, TOO_MANY_SAMPLES, type Expr, type SampleSource } from '../promql';
import { ApiError, formatScalarValue, formatValue, seconds } from './envelope';
import { processQueryLimits, queryTimeout, timedOut, tooManySamples, type QueryLimits, type QueryPhase, type QueryTimeout } from './limits';

/** Most points per series a range query may give (Prometheus' limit). */
export const MAX_POINTS = 11_000;
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
	/** The limits to keep; the process's (the config's `query:`) when absent. */
	limits?: QueryLimits;
}

/** What stops a running query: its deadline (a performance.now() value), and an interrupt (its client went away). */
export interface QueryControl {
	deadline: number;
	timeout: QueryTimeout;
	/** Throws to stop the query (its client went away); called between read batches, evaluation steps and written chunks. */
	interrupt?: (phase: QueryPhase) => void;
}

export interface InstantParams {
	query: string | null;
	time: number;
	/** The request's `timeout`; it can only shorten `query.timeout`. */
	timeoutMs?: number;
}

export interface RangeParams {
	query: string | null;
	start: number;
	end: number;
	step: number;
	timeoutMs?: number;
}

type Point = [number, string];
export type QueryData =
	| { resultType: 'vector'; result: Array<{ metric: Labels; value: Point }> }
	| { resultType: 'scalar'; result: Point }
	| { resultType: 'matrix'; result: Array<{ metric: Labels; values: Point[] }> };

/** A query's result as numbers, before it is shaped into QueryData or written as JSON. */
export type Evaluated =
	| { resultType: 'vector'; t: number; samples: Array<{ labels: Labels; value: number }> }
	| { resultType: 'scalar'; t: number; value: number }
	| { resultType: 'matrix'; series: Array<{ labels: Labels; ts: number[]; values: number[] }> };

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

/** The engine's and the store's errors in the API's terms. */
function apiError(err: unknown, limits: QueryLimits, ctl: QueryControl): never {
	if (err instanceof SampleLimitError) throw tooManySamples(limits);
	if (err instanceof PromQLError) {
		if (err.kind === 'timeout') throw timedOut('expression evaluation', ctl.timeout);
		if (err.kind === 'execution' && err.problem === TOO_MANY_SAMPLES) throw tooManySamples(limits);
		if (err.kind === 'execution') throw new ApiError('execution', err.message);
		throw new ApiError('bad_data', err.message);
	}
	throw err;
}

function checkDeadline(ctl: QueryControl): void {
	ctl.interrupt?.('expression evaluation');
	if (performance.now() > ctl.deadline) throw timedOut('expression evaluation', ctl.timeout);
}

/** The store reads' share of the sample limit; they also stop at the deadline or an interrupt. */
function budgetOf(limits: QueryLimits, ctl: QueryControl): SampleBudget {
	return new SampleBudget(limits.maxSamples, () => checkDeadline(ctl));
}

/** The engine's interrupt: the control's, in the evaluation phase. */
function evalInterrupt(ctl: QueryControl): (() => void) | undefined {
	const interrupt = ctl.interrupt;
	return interrupt && (() => interrupt('expression evaluation'));
}

function point(t: number, v: number): Point {
	return [seconds(t), formatValue(v)];
}

/** A deadline from now, for callers that evaluate in-process. */
export function controlFrom(limits: QueryLimits, timeoutMs?: number): QueryControl {
	const timeout = queryTimeout(limits, timeoutMs);
	return { deadline: performance.now() + timeout.ms, timeout };
}

/** The raw samples of a range selector at time t (an instant query of `x[5m]`). */
function rawMatrix(expr: Expr, t: number, source: SampleSource): Evaluated {
	const root = expr.root;
	if (root.kind !== 'matrix') throw new ApiError('execution', `expression of type range vector cannot be evaluated here at 1:1`);
	const to = t - root.selector.offset;
	const from = to - root.range;
	const series: Array<{ labels: Labels; ts: number[]; values: number[] }> = [];
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

/** An instant query's result (GET/POST /api/v1/query), under the limits and the control's deadline. */
export async function evaluateInstant(deps: QueryDeps, q: InstantParams, ctl: QueryControl): Promise<Evaluated> {
	const limits = deps.limits ?? processQueryLimits();
	const expr = parseQuery(q.query);
	let source: SampleSource;
	try {
		source = await loadSource(deps.store, expr, q.time, q.time, { budget: budgetOf(limits, ctl) });
	} catch (err) {
		apiError(err, limits, ctl);
	}
	checkDeadline(ctl);
	if (expr.type === 'matrix') return rawMatrix(expr, q.time, source);
	let r;
	try {
		r = evalInstant(expr, q.time, source, { deadline: ctl.deadline, maxSamples: limits.maxSamples, interrupt: evalInterrupt(ctl) });
	} catch (err) {
		apiError(err, limits, ctl);
	}
	if (r.type === 'scalar') return { resultType: 'scalar', t: q.time, value: r.value };
	return { resultType: 'vector', t: q.time, samples: r.samples };
}

/** An evaluated result in the shapes of Prometheus' API (vector, scalar, matrix). */
export function toQueryData(e: Evaluated): QueryData {
	if (e.resultType === 'scalar') return { resultType: 'scalar', result: [seconds(e.t), formatScalarValue(e.value)] };
	if (e.resultType === 'vector') return { resultType: 'vector', result: e.samples.map((s) => ({ metric: s.labels, value: point(e.t, s.value) })) };
	return { resultType: 'matrix', result: e.series.map((s) => ({ metric: s.labels, values: s.ts.map((t, i) => point(t, s.values[i]!)) })) };
}

/** GET/POST /api/v1/query, in-process: under the process's limits, the timeout shortening `query.timeout`. */
export async function instantQuery(deps: QueryDeps, q: InstantParams): Promise<QueryData> {
	const limits = deps.limits ?? processQueryLimits();
	return toQueryData(await evaluateInstant({ ...deps, limits }, q, controlFrom(limits, q.timeoutMs)));
}

/** Raw samples or rollups: rollups for spans over RAW_SPAN_MS, or data older than raw retention. */
export function readPlan(expr: Expr, start: number, end: number, step: number, now: number, retention: Retention): ReadPlan {
	const width = rollupWidth(step);
	if (width === undefined) return { kind: 'raw' };
	const from = Math.min(start, ...dataNeeds(expr, start, end).map((n) => n.from));
	if (end - start <= RAW_SPAN_MS && from >= now - retention.raw) return { kind: 'raw' };
	return { kind: 'rollup', widthMs: width };
}

/** A range query's result (GET/POST /api/v1/query_range; parameters checked by the caller: end >= start, step > 0, points). */
export async function evaluateRange(deps: QueryDeps, q: RangeParams, ctl: QueryControl): Promise<{ result: Evaluated; plan: ReadPlan }> {
	const limits = deps.limits ?? processQueryLimits();
	let expr = parseQuery(q.query);
	if (expr.type === 'matrix') throw new ApiError('bad_data', `invalid expression type "range vector" for range query, must be Scalar or instant Vector`);
	const plan = readPlan(expr, q.start, q.end, q.step, deps.now, deps.retention);
	let source: SampleSource;
	let lookbackMs: number | undefined;
	try {
		const budget = budgetOf(limits, ctl);
		if (plan.kind === 'rollup') ({ expr, source, lookbackMs } = await loadRollupSource(deps.store, expr, q.start, q.end, plan.widthMs, { budget }));
		else source = await loadSource(deps.store, expr, q.start, q.end, { budget });
	} catch (err) {
		apiError(err, limits, ctl);
	}
	checkDeadline(ctl);
	let r;
	try {
		r = evalRange(expr, q.start, q.end, q.step, source, { deadline: ctl.deadline, lookbackMs, maxSamples: limits.maxSamples, interrupt: evalInterrupt(ctl) });
	} catch (err) {
		apiError(err, limits, ctl);
	}
	if (r.type === 'scalar') return { result: { resultType: 'matrix', series: [{ labels: {}, ts: r.ts, values: r.values }] }, plan };
	return { result: { resultType: 'matrix', series: r.series }, plan };
}

/** GET/POST /api/v1/query_range, in-process: under the process's limits, the timeout shortening `query.timeout`. */
export async function rangeQuery(deps: QueryDeps, q: RangeParams): Promise<{ data: QueryData; plan: ReadPlan }> {
	const limits = deps.limits ?? processQueryLimits();
	const { result, plan } = await evaluateRange({ ...deps, limits }, q, controlFrom(limits, q.timeoutMs));
	return { data: toQueryData(result), plan };
}

/** query_range's checks, in Prometheus' order and words. */
export function checkRange(start: number, end: number, step: number): void {
	if (end < start) throw new ApiError('bad_data', 'end timestamp must not be before start time');
	if (step <= 0) throw new ApiError('bad_data', 'zero or negative query resolution step widths are not accepted. Try a positive integer');
	if ((end - start) / step > MAX_POINTS) {
		throw new ApiError('bad_data', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
	}
}
