/**
 * `query` and `query_range` in Prometheus' HTTP API: the parameters and errors in the API's words,
 * the numeric query core's results (promql/query.ts) in the API's shapes (vector, scalar, matrix)
 * with values as text.
 */
import type { Labels } from '../../shared/series';
import { SampleLimitError } from '../tsdb';
import { parseExpr, processQueryLimits, PromQLError, QueryShapeError, queryInstant, queryRange, stringQuery, TOO_MANY_SAMPLES, type Evaluated, type Expr, type QueryLimits, type QueryRun, type QueryStoreDeps, type ReadPlan } from '../promql';
import { ApiError, formatScalarValue, formatValue, seconds } from './envelope';
import { queryTimeout, timedOut, tooManySamples, type QueryPhase, type QueryTimeout } from './limits';

/** Most points per series a range query may give (Prometheus' limit). */
export const MAX_POINTS = 11_000;
export interface QueryDeps extends QueryStoreDeps {
	/**
	 * The limits to keep.
	 * @defaultValue the process's (the config's `query:`, processQueryLimits())
	 */
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
	| { resultType: 'string'; result: Point }
	| { resultType: 'matrix'; result: Array<{ metric: Labels; values: Point[] }> };

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
	if (err instanceof QueryShapeError) throw new ApiError('execution', err.message);
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

/** How the core runs a query under the limits and the control: the deadline and the interrupt in the evaluation phase. */
function runOf(limits: QueryLimits, ctl: QueryControl): QueryRun {
	const interrupt = ctl.interrupt;
	return { maxSamples: limits.maxSamples, deadline: ctl.deadline, check: () => checkDeadline(ctl), interrupt: interrupt && (() => interrupt('expression evaluation')) };
}

function point(t: number, v: number): Point {
	return [seconds(t), formatValue(v)];
}

/** A deadline from now, for callers that evaluate in-process. */
export function controlFrom(limits: QueryLimits, timeoutMs?: number): QueryControl {
	const timeout = queryTimeout(limits, timeoutMs);
	return { deadline: performance.now() + timeout.ms, timeout };
}

/** An instant query's result (GET/POST /api/v1/query), under the limits and the control's deadline. */
export async function evaluateInstant(deps: QueryDeps, q: InstantParams, ctl: QueryControl): Promise<Evaluated> {
	const limits = deps.limits ?? processQueryLimits();
	const expr = parseQuery(q.query);
	try {
		return await queryInstant(deps, expr, q.time, runOf(limits, ctl));
	} catch (err) {
		apiError(err, limits, ctl);
	}
}

/** An evaluated result in the shapes of Prometheus' API (vector, scalar, matrix). */
export function toQueryData(e: Evaluated): QueryData {
	if (e.resultType === 'scalar') return { resultType: 'scalar', result: [seconds(e.t), formatScalarValue(e.value)] };
	if (e.resultType === 'vector') return { resultType: 'vector', result: e.samples.map((s) => ({ metric: s.labels, value: point(e.t, s.value) })) };
	return { resultType: 'matrix', result: e.series.map((s) => ({ metric: s.labels, values: s.ts.map((t, i) => point(t, s.values[i]!)) })) };
}

/**
 * A query that is a string literal (`"text"`): Prometheus answers an instant query with the string
 * at the time asked (resultType `string`) and refuses a range query.
 */
export function stringAnswer(q: InstantParams): { resultType: 'string'; result: Point } | undefined {
	const value = q.query ? stringQuery(q.query) : undefined;
	return value === undefined ? undefined : { resultType: 'string', result: [seconds(q.time), value] };
}

/** GET/POST /api/v1/query, in-process: under the process's limits, the timeout shortening `query.timeout`. */
export async function instantQuery(deps: QueryDeps, q: InstantParams): Promise<QueryData> {
	const text = stringAnswer(q);
	if (text) return text;
	const limits = deps.limits ?? processQueryLimits();
	return toQueryData(await evaluateInstant({ ...deps, limits }, q, controlFrom(limits, q.timeoutMs)));
}

/** A range query's result (GET/POST /api/v1/query_range; parameters checked by the caller: end >= start, step > 0, points). */
export async function evaluateRange(deps: QueryDeps, q: RangeParams, ctl: QueryControl): Promise<{ result: Evaluated; plan: ReadPlan }> {
	const limits = deps.limits ?? processQueryLimits();
	const rangeType = (type: string) => new ApiError('bad_data', `invalid parameter "query": invalid expression type "${type}" for range query, must be Scalar or instant Vector`);
	if (q.query && stringQuery(q.query) !== undefined) throw rangeType('string');
	const expr: Expr = parseQuery(q.query);
	if (expr.type === 'matrix') throw rangeType('range vector');
	try {
		const { series, plan } = await queryRange(deps, expr, q.start, q.end, q.step, runOf(limits, ctl));
		return { result: { resultType: 'matrix', series }, plan };
	} catch (err) {
		apiError(err, limits, ctl);
	}
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
