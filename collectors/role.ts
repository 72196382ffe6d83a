/**
 * The collect role: builds a collector per config block, runs them on the scheduler, and writes
 * their samples through a buffer that survives Redis outages.
 */
import type { Registry } from 'prom-client';
import type { Logger } from '../src/lib/server/log';
import type { SampleSink } from '../src/lib/server/samples';
import { SampleBuffer } from './buffer';
import { createCollector, type CollectorConfig } from './registry';
import { Scheduler } from './scheduler';

export interface CollectRoleOptions {
	collectors: CollectorConfig[];
	sink: SampleSink;
	log: Logger;
	registry?: Registry;
	/** Most samples held while Redis is unreachable. */
	maxBufferedSamples?: number;
}

export interface CollectRole {
	/** Stops collecting, then writes what is buffered (within the time left). Returns samples lost. */
	stop(flushTimeoutMs?: number): Promise<number>;
	buffered(): number;
}

export function startCollectRole(options: CollectRoleOptions): CollectRole {
	const log = options.log.child({ role: 'collect' });
	const buffer = new SampleBuffer(options.sink, { log, registry: options.registry, maxSamples: options.maxBufferedSamples });
	const collectors = options.collectors.map((c) => createCollector(c, { log }));
	const scheduler = new Scheduler(collectors, { log, registry: options.registry, emit: (s) => buffer.push(s) });
	scheduler.start();
	log.info({ collectors: collectors.map((c) => `${c.kind}:${c.name}`) }, 'collect role started');
	return {
		async stop(flushTimeoutMs = 3000) {
			await scheduler.stop();
			return buffer.close(flushTimeoutMs);
		},
		buffered: () => buffer.size
	};
}
