/**
 * The limits every PromQL query of the process keeps (the config's `query:` section), as
 * Prometheus' --query.max-samples and --query.timeout, and the errors that name them, in
 * Prometheus' words and types: too many samples is `execution` (422), a timeout `timeout` (503).
 */
import { formatDuration } from '../../shared/duration';
import { TOO_MANY_SAMPLES } from '../promql';
import { ApiError } from './envelope';

export interface QueryLimits {
	/** Most samples a query may hold in memory at once: loaded by its selectors plus its result's points. */
	maxSamples: number;
	/** Longest a query may take, queueing included; a request's `timeout` parameter can only shorten it. */
	timeoutMs: number;
}

/** Prometheus' defaults: --query.max-samples=50000000, --query.timeout=2m. */
export const DEFAULT_QUERY_LIMITS: Readonly<QueryLimits> = { maxSamples: 50_000_000, timeoutMs: 120_000 };

/** How long a query may take, and which setting said so (its error names it). */
export interface QueryTimeout {
	ms: number;
	/** `query.timeout`, or the request's `timeout` parameter when that is shorter. */
	source: 'query.timeout' | 'timeout parameter';
}

/** The request's `timeout` parameter can only shorten `query.timeout`. */
export function queryTimeout(limits: QueryLimits, requestedMs?: number): QueryTimeout {
	if (requestedMs !== undefined && requestedMs < limits.timeoutMs) return { ms: requestedMs, source: 'timeout parameter' };
	return { ms: limits.timeoutMs, source: 'query.timeout' };
}

/** Where a query was when its time ran out (Prometheus' phases). */
export type QueryPhase = 'query queue' | 'expression evaluation' | 'query execution';

export function timedOut(phase: QueryPhase, timeout: QueryTimeout): ApiError {
	const limit = timeout.source === 'query.timeout' ? `query.timeout is ${formatDuration(timeout.ms)}` : `the request's timeout parameter is ${formatDuration(timeout.ms)}`;
	return new ApiError('timeout', `query timed out in ${phase} (${limit})`);
}

export function tooManySamples(limits: QueryLimits): ApiError {
	return new ApiError('execution', `${TOO_MANY_SAMPLES} (query.maxSamples is ${limits.maxSamples.toLocaleString('en-US')})`);
}

export function canceled(phase: QueryPhase): ApiError {
	return new ApiError('canceled', `query was canceled in ${phase}`);
}

const SLOT = Symbol.for('vigil.queryLimits');
type WithSlot = typeof globalThis & { [SLOT]?: QueryLimits };

/**
 * The process's limits, for queries evaluated in-process (reports, rule charts): set once at
 * start. On `globalThis` because SvelteKit's bundle and the runtime are two module graphs.
 */
export function setProcessQueryLimits(limits: QueryLimits | undefined): void {
	(globalThis as WithSlot)[SLOT] = limits;
}

export function processQueryLimits(): QueryLimits {
	return (globalThis as WithSlot)[SLOT] ?? DEFAULT_QUERY_LIMITS;
}
