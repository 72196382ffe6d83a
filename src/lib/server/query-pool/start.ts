/**
 * Starts the process's query pool from the config's `query:` section: worker threads running the
 * bundled worker script, or in-process evaluation when `workers` is 0 or the script is not there
 * (`npm run dev` runs the sources, which have no bundled worker).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Registry } from 'prom-client';
import type { Logger } from '../log';
import type { Retention, TimeSeriesStore } from '../tsdb';
import { QueryPool } from './pool';

export interface QuerySettings {
	maxSamples: number;
	/** ms */
	timeout: number;
	maxConcurrent: number;
	maxQueued: number;
	/** Unset: 2, or 1 on a 1-core machine. */
	workers?: number;
}

export interface StartQueryPoolOptions {
	settings: QuerySettings;
	/** The bundled worker script (dist/query-worker.js, next to dist/vigil.js). */
	workerFile: URL;
	redisUrl: string;
	prefix: string;
	retention: Retention;
	maxSeriesPerMetric: number;
	/** For in-process evaluation. */
	store: Pick<TimeSeriesStore, 'raw' | 'range'>;
	log: Logger;
	registry: Registry;
}

/** How far below the main thread the query threads run (nice 10 to its 0: it gets the core first). */
const WORKER_NICE = 10;

export function defaultQueryWorkers(): number {
	return Math.min(2, availableParallelism());
}

export function startQueryPool(o: StartQueryPoolOptions): QueryPool {
	let workers = o.settings.workers ?? defaultQueryWorkers();
	if (workers > 0 && !existsSync(fileURLToPath(o.workerFile))) {
		o.log.info({ worker: fileURLToPath(o.workerFile) }, 'no bundled query worker (running from the sources): queries are evaluated in-process; `npm run build` makes the worker');
		workers = 0;
	}
	const { maxSamples, timeout, maxConcurrent, maxQueued } = o.settings;
	return new QueryPool({
		settings: { maxSamples, timeoutMs: timeout, maxConcurrent, maxQueued, workers },
		worker: { file: o.workerFile, setup: { redisUrl: o.redisUrl, prefix: o.prefix, retention: o.retention, maxSeriesPerMetric: o.maxSeriesPerMetric, nice: WORKER_NICE } },
		inline: { store: o.store, retention: o.retention },
		log: o.log,
		registry: o.registry
	});
}
