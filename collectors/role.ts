/**
 * The collect role: builds a collector per config block, runs them on the scheduler, and writes
 * their samples through a buffer that survives Redis outages. `reload` applies a new list of
 * collectors without a restart: added ones start, removed ones stop, changed ones are replaced.
 */
import type { Registry } from 'prom-client';
import type { Logger } from '../src/lib/server/log';
import type { SampleSink } from '../src/lib/server/samples';
import { SampleBuffer } from './buffer';
import type { Clock } from '../src/lib/server/clock';
import { createCollector, type CollectorConfig } from './registry';
import { Scheduler } from './scheduler';
import type { MetricMetadata, SourceDeps } from './types';

export interface CollectRoleOptions {
	collectors: CollectorConfig[];
	sink: SampleSink;
	/** Where metric metadata learned from scrapes goes. */
	metadata?: (m: MetricMetadata[]) => void;
	deps: SourceDeps;
	log: Logger;
	registry?: Registry;
	clock?: Clock;
	/**
	 * Most collector runs at once.
	 * @defaultValue 64
	 */
	concurrency?: number;
	/**
	 * While Redis is unreachable, hold this many seconds of samples of all targets.
	 * @defaultValue 300
	 */
	bufferSeconds?: number;
	/**
	 * Targets shared with other collect processes (./shard): only those this process owns run. Call
	 * the role's rebalance() when the assignment changes.
	 */
	sharing?: { setTargets(names: string[]): void; owns(name: string): boolean };
}

export interface CollectRole {
	reload(collectors: CollectorConfig[]): Promise<{ added: string[]; removed: string[]; replaced: string[] }>;
	/** Stops collecting, then writes what is buffered (within the time left). Returns samples lost. */
	stop(flushTimeoutMs?: number): Promise<number>;
	buffered(): number;
	/** The most samples the buffer holds now. */
	bufferLimit(): number;
	targets(): string[];
	/** Applies a new assignment of the shared targets (adds the gained, stops the lost). */
	rebalance(): Promise<void>;
}

/** Samples per run assumed for a target until its first run says. */
const ASSUMED_SAMPLES_PER_RUN = 50;

export function startCollectRole(options: CollectRoleOptions): CollectRole {
	const log = options.log.child({ role: 'collect' });
	const bufferSeconds = options.bufferSeconds ?? 300;
	const buffer = new SampleBuffer(options.sink, { log, registry: options.registry, maxSamples: 10_000 });
	let configs = new Map<string, CollectorConfig>();
	const perRun = new Map<string, number>();

	/** The buffer holds `bufferSeconds` of every target, from what each run produced. */
	const resize = () => {
		let total = 0;
		for (const [name, c] of configs) total += ((perRun.get(name) ?? ASSUMED_SAMPLES_PER_RUN) * bufferSeconds * 1000) / c.interval;
		buffer.maxSamples = Math.max(10_000, Math.ceil(total));
	};

	const scheduler = new Scheduler({
		log,
		registry: options.registry,
		clock: options.clock,
		concurrency: options.concurrency,
		emit: (samples, target) => {
			if (perRun.get(target) !== samples.length) {
				perRun.set(target, samples.length);
				resize();
			}
			buffer.push(samples);
		},
		emitMetadata: options.metadata
	});

	const build = (list: CollectorConfig[]) =>
		list.map((c) => ({ collector: createCollector(c, { ...options.deps, log }), key: JSON.stringify(c) }));

	let all = options.collectors;
	const apply = async (full: CollectorConfig[]) => {
		all = full;
		const sharing = options.sharing;
		sharing?.setTargets(full.map((c) => c.name));
		const list = sharing ? full.filter((c) => sharing.owns(c.name)) : full;
		configs = new Map(list.map((c) => [c.name, c]));
		for (const name of [...perRun.keys()]) if (!configs.has(name)) perRun.delete(name);
		resize();
		return scheduler.set(build(list));
	};

	let stopped = false;
	const starting = apply(options.collectors).then(() => {
		// A stop that came while the targets were being set up wins: nothing starts.
		if (stopped) return;
		scheduler.start();
		log.info({ collectors: [...configs.values()].map((c) => `${c.kind}:${c.name}`), shared: Boolean(options.sharing) }, 'collect role started');
	});

	return {
		async reload(list) {
			const changes = await apply(list);
			log.info(changes, 'collectors reloaded');
			return changes;
		},
		async stop(flushTimeoutMs = 3000) {
			stopped = true;
			await starting.catch(() => {});
			await scheduler.stop();
			return buffer.close(flushTimeoutMs);
		},
		async rebalance() {
			if (stopped) return;
			await starting.catch(() => {});
			const changes = await apply(all);
			if (changes.added.length || changes.removed.length) log.info(changes, 'collect targets re-assigned among the collect processes');
		},
		buffered: () => buffer.size,
		bufferLimit: () => buffer.maxSamples,
		targets: () => scheduler.targets
	};
}
