/**
 * The errors that name the query limits (promql/query-limits.ts), in Prometheus' words and
 * types: too many samples is `execution` (422), a timeout `timeout` (503).
 */
import { formatDuration } from '../../shared/duration';
import { TOO_MANY_SAMPLES, type QueryLimits } from '../promql';
import { ApiError } from './envelope';

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
