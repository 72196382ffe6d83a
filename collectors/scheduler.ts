/**
 * Runs each collector on its interval, aligned to the wall clock, each run bounded by its timeout.
 * A slow or failing collector never delays another, and a run still going when the next is due is
 * skipped and counted, never stacked.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../src/lib/server/log';
import type { Sample } from '../src/lib/shared/series';
import type { Collector } from './types';

export interface SchedulerOptions {
	log?: Logger;
	registry?: Registry;
	/** Where each run's samples go. */
	emit: (samples: Sample[]) => void;
}

interface Slot {
	collector: Collector;
	timer?: NodeJS.Timeout;
	inFlight?: Promise<void>;
	abort?: AbortController;
}

export class TimeoutError extends Error {
	override name = 'TimeoutError';
}

export class Scheduler {
	private readonly slots: Slot[];
	private running = false;
	private readonly runs: Counter<'collector' | 'outcome'> | undefined;
	private readonly duration: Histogram<'collector'> | undefined;

	constructor(
		collectors: Collector[],
		private readonly options: SchedulerOptions
	) {
		this.slots = collectors.map((collector) => ({ collector }));
		if (options.registry) {
			const registers = [options.registry];
			this.runs = new Counter({
				name: 'vigil_collector_runs_total',
				help: 'Collector runs by outcome: ok, error, timeout, or skipped (the previous run was still going).',
				labelNames: ['collector', 'outcome'],
				registers
			});
			this.duration = new Histogram({
				name: 'vigil_collector_run_seconds',
				help: 'How long collector runs take.',
				labelNames: ['collector'],
				buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
				registers
			});
		}
	}

	start(): void {
		this.running = true;
		for (const slot of this.slots) this.schedule(slot);
	}

	private schedule(slot: Slot): void {
		if (!this.running) return;
		const interval = slot.collector.intervalMs;
		const now = Date.now();
		const due = Math.floor(now / interval) * interval + interval;
		slot.timer = setTimeout(() => {
			this.schedule(slot);
			this.run(slot, due);
		}, due - now);
	}

	private run(slot: Slot, due: number): void {
		const { collector } = slot;
		if (slot.inFlight) {
			this.runs?.inc({ collector: collector.name, outcome: 'skipped' });
			this.options.log?.warn({ collector: collector.name }, 'collector still running at its next interval; skipped a run');
			return;
		}
		const abort = new AbortController();
		slot.abort = abort;
		const started = performance.now();
		const timer = setTimeout(() => abort.abort(new TimeoutError(`timed out after ${collector.timeoutMs} ms`)), collector.timeoutMs);
		const aborted = new Promise<never>((_, reject) => {
			abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true });
		});
		slot.inFlight = Promise.race([collector.collect({ signal: abort.signal, now: due }), aborted])
			.then((samples) => {
				this.runs?.inc({ collector: collector.name, outcome: 'ok' });
				this.options.emit(samples);
			})
			.catch((err: unknown) => {
				const timedOut = err instanceof TimeoutError;
				this.runs?.inc({ collector: collector.name, outcome: timedOut ? 'timeout' : 'error' });
				if (this.running) this.options.log?.warn({ collector: collector.name, err: (err as Error).message }, 'collector run failed');
			})
			.finally(() => {
				clearTimeout(timer);
				this.duration?.observe({ collector: collector.name }, (performance.now() - started) / 1000);
				slot.inFlight = undefined;
				slot.abort = undefined;
			});
	}

	/** Stops scheduling, aborts runs in flight and waits for them to settle. */
	async stop(): Promise<void> {
		this.running = false;
		for (const slot of this.slots) {
			clearTimeout(slot.timer);
			slot.abort?.abort(new Error('collect role stopping'));
		}
		await Promise.allSettled(this.slots.map((s) => s.inFlight));
		await Promise.allSettled(this.slots.map((s) => s.collector.close?.()));
	}
}
