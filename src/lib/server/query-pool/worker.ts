/**
 * A query worker thread (bundled to dist/query-worker.js): its own Redis connection and RedisStore
 * (the main process's prefix and options), evaluating the jobs the pool sends and answering each
 * with the whole JSON envelope as transferable chunks, or an error. Several jobs may be in progress
 * at once: while one waits for Redis another evaluates.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { runQueryJob, isApiError, canceled } from '../prom-api';
import { createRedisClient, waitReady } from '../redis';
import { RedisStore } from '../tsdb';
import { CANCEL, type QueryRequest, type WorkerReply, type WorkerSetup } from './protocol';

/**
 * This thread gives way to the main thread (collection, rule evaluation, the wall, /healthz) when
 * they want the same core: on Linux a thread has its own nice value, and /proc/thread-self names
 * it. Elsewhere, or where it is not allowed, the thread keeps the process's priority.
 */
function lowerPriority(nice: number): void {
	try {
		const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
		if (Number.isInteger(tid) && tid > 0) setPriority(tid, nice);
	} catch {
		// not Linux, or not permitted
	}
}

const setup = workerData as WorkerSetup;
if (setup.nice) lowerPriority(setup.nice);
const port = parentPort!;
const redis = createRedisClient(setup.redisUrl, { name: setup.name });
// Reads only: no live stream, no sealing; the retention and limits of the main process's store.
const store = new RedisStore(redis, { prefix: setup.prefix, liveKey: null, retention: setup.retention, maxSeriesPerMetric: setup.maxSeriesPerMetric });
// The first jobs wait for the connection (a fresh worker gets its first job at once); later ones
// fail fast while Redis is away, as the main process's reads do.
const connected = waitReady(redis, 5000).catch(() => {});

function reply(msg: WorkerReply, transfer: ArrayBuffer[] = []): void {
	port.postMessage(msg, transfer);
}

async function run(req: QueryRequest): Promise<void> {
	await connected;
	const stop = new Int32Array(req.stop);
	// The main thread's deadline in this thread's clock.
	const deadline = performance.now() + (req.deadline - Date.now());
	try {
		const chunks = await runQueryJob({ store, now: req.now, retention: store.retention, limits: req.limits }, req.job, {
			deadline,
			timeout: req.timeout,
			interrupt: (phase) => {
				if (Atomics.load(stop, 0) === CANCEL) throw canceled(phase);
			}
		});
		reply({ type: 'answer', id: req.id, chunks }, chunks.map((c) => c.buffer as ArrayBuffer));
	} catch (err) {
		if (isApiError(err)) reply({ type: 'error', id: req.id, errorType: err.type, message: err.message });
		else reply({ type: 'error', id: req.id, errorType: 'internal', message: (err as Error)?.message ?? String(err) });
	}
}

port.on('message', (req: QueryRequest) => {
	if (req.type === 'query') void run(req);
});
