/** Messages between the query pool (main thread) and its worker threads. */
import type { QueryJob, ErrorType, QueryTimeout } from '../prom-api';
import type { QueryLimits } from '../promql';
import type { Retention } from '../tsdb';

/** What a worker needs to read the store as the main process does (`workerData`). */
export interface WorkerSetup {
	redisUrl: string;
	prefix: string;
	retention: Retention;
	maxSeriesPerMetric: number;
	/** Names the worker's Redis connection (`vigil:query-<n>` in CLIENT LIST). */
	name: string;
	/** Nice value of the thread (Linux), above the main thread's: it yields the core to it. */
	nice?: number;
}

/** Flag values in a job's shared stop word. */
export const GO = 0;
export const CANCEL = 1;

export interface QueryRequest {
	type: 'query';
	id: number;
	job: QueryJob;
	limits: QueryLimits;
	timeout: QueryTimeout;
	/** Epoch ms: the query's "now" (for its read plan), and when its time runs out. */
	now: number;
	deadline: number;
	/** An Int32Array's buffer, shared: the main thread stores CANCEL in it when the client went away. */
	stop: SharedArrayBuffer;
}

export type WorkerReply =
	| { type: 'answer'; id: number; chunks: Uint8Array[] }
	| { type: 'error'; id: number; errorType: ErrorType; message: string };
