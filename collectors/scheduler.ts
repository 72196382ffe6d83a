/**
 * Runs every target on its interval, on wall-clock marks plus a stable per-target offset (so a
 * thousand targets do not fire in the same millisecond), with at most `concurrency` runs at once
 * and each run bounded by its timeout. A slow or failing target never delays another. A tick that
 * cannot run (the previous run is still going, or it waited for a free slot past its interval) is
 * missed and counted, never dropped silently.
 *
 * Besides the target's own series, every run writes, with the target's labels:
 *   up                              1, or 0 once the target has failed `retries + 1` times in a row
 *   target_status                   1 up, 0 down, 2 pending (failing, still within its retries)
 *   collect_duration_seconds        how long the run took
 *   collector_ticks_missed_total    ticks this target has missed since Vigil started
 *
 * A series a target wrote on its previous run and not on this one (it left the exposition, or the
 * target failed) gets a stale marker at this run's time, as Prometheus writes them; so do all of a
 * target's series when it is removed from the config. Rules then see the series end at once
 * instead of reading its last value for the 5-minute lookback.
 */
import { createHash } from 'node:crypto';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../src/lib/server/log';
import { seriesId, type Labels, type Sample } from '../src/lib/shared/series';
import { systemClock, type Clock } from '../src/lib/server/clock';
import type { Collector, MetricMetadata } from './types';

export interface SchedulerOptions {
	log?: Logger;
	registry?: Registry;
	/** @defaultValue systemClock */
	clock?: Clock;
	/**
	 * Most runs at once.
	 * @defaultValue 64
	 */
	concurrency?: number;
	/** Where each run's samples go (one call per run, all of one target). */
	emit: (samples: Sample[], target: string) => void;
	/** Where metric metadata that sources learn goes. */
	emitMetadata?: (metadata: MetricMetadata[]) => void;
	/** Called with how late each run started against its mark (ms), for the jitter benchmark. */
	onStart?: (lateMs: number) => void;
}

export class TimeoutError extends Error {
	override name = 'TimeoutError';
}

interface Slot {
	collector: Collector;
	/** Config fingerprint: a reload replaces the target when it changes. */
	key: string;
	offset: number;
	timer?: unknown;
	running?: Promise<void>;
	abort?: AbortController;
	queued?: number;
	failures: number;
	missed: number;
	retired: boolean;
	/**
	 * The series (by id) the recent runs wrote, each with the number of the run that last wrote it,
	 * to mark the ones that end. Kept from run to run (not rebuilt), so an ongoing series costs a
	 * lookup per run and keeps no sample alive.
	 */
	series?: Map<string, { name: string; labels: Labels; run: number }>;
	/** Runs finished, numbering them for `series`. */
	runs: number;
}

/** A stable offset within the interval, from the target's name. */
export function offsetFor(name: string, intervalMs: number): number {
	const h = createHash('sha1').update(name).digest().readUInt32BE(0);
	return h % intervalMs;
}

export class Scheduler {
	private readonly slots = new Map<string, Slot>();
	private readonly waiting: Array<{ slot: Slot; due: number }> = [];
	private active = 0;
	private running = false;
	private readonly clock: Clock;
	private readonly concurrency: number;
	private readonly runs?: Counter<'collector' | 'outcome'>;
	private readonly missedTicks?: Counter<'collector'>;
	private readonly duration?: Histogram<'collector'>;

	constructor(private readonly options: SchedulerOptions) {
		this.clock = options.clock ?? systemClock;
		this.concurrency = options.concurrency ?? 64;
		if (options.registry) {
			const registers = [options.registry];
			this.runs = new Counter({
				name: 'vigil_collector_runs_total',
				help: 'Collector runs by outcome: ok, down (answered but failed an expectation), error, timeout.',
				labelNames: ['collector', 'outcome'],
				registers
			});
			this.missedTicks = new Counter({
				name: 'vigil_collector_ticks_missed_total',
				help: 'Ticks a collector could not run: the previous run was still going, or no slot came free in time.',
				labelNames: ['collector'],
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

	/** The targets now scheduled, by name. */
	get targets(): string[] {
		return [...this.slots.keys()];
	}

	/**
	 * Schedules exactly these targets: new ones start, missing ones stop, ones whose fingerprint
	 * changed are replaced; unchanged ones keep running untouched. Returns what changed.
	 */
	async set(targets: Array<{ collector: Collector; key: string }>): Promise<{ added: string[]; removed: string[]; replaced: string[] }> {
		const next = new Map(targets.map((t) => [t.collector.name, t]));
		const added: string[] = [];
		const removed: string[] = [];
		const replaced: string[] = [];
		const retiring: Slot[] = [];
		for (const [name, slot] of this.slots) {
			const t = next.get(name);
			if (!t) removed.push(name);
			else if (t.key !== slot.key) replaced.push(name);
			else continue;
			this.slots.delete(name);
			retiring.push(slot);
		}
		for (const t of targets) {
			if (this.slots.has(t.collector.name)) {
				// Unchanged: drop the new instance, keep the running one.
				await t.collector.close?.();
				continue;
			}
			if (!replaced.includes(t.collector.name)) added.push(t.collector.name);
			const slot: Slot = { collector: t.collector, key: t.key, offset: offsetFor(t.collector.name, t.collector.intervalMs), failures: 0, missed: 0, retired: false, runs: 0 };
			this.slots.set(t.collector.name, slot);
			if (this.running) this.schedule(slot);
		}
		await Promise.all(retiring.map((s) => this.retire(s)));
		// Series of removed targets end now.
		for (const slot of retiring) {
			if (!removed.includes(slot.collector.name) || !slot.series?.size) continue;
			const at = this.clock.now();
			this.options.emit(
				[...slot.series.values()].map(({ name, labels }) => ({ name, labels, ts: at, value: Number.NaN, stale: true as const })),
				slot.collector.name
			);
		}
		return { added, removed, replaced };
	}

	start(): void {
		if (this.running) return;
		this.running = true;
		for (const slot of this.slots.values()) this.schedule(slot);
	}

	/** The next mark of a slot strictly after `now`. */
	private nextDue(slot: Slot, now: number): number {
		const interval = slot.collector.intervalMs;
		const base = Math.floor((now - slot.offset) / interval) * interval + slot.offset;
		return base + interval;
	}

	private schedule(slot: Slot, after = this.clock.now()): void {
		if (!this.running || slot.retired) return;
		const due = this.nextDue(slot, after);
		slot.timer = this.clock.setTimeout(() => {
			this.schedule(slot, due);
			this.tick(slot, due);
		}, due - this.clock.now());
	}

	private tick(slot: Slot, due: number): void {
		if (slot.running || slot.queued !== undefined) return this.miss(slot, 'the previous run is still going');
		if (this.active >= this.concurrency) {
			slot.queued = due;
			this.waiting.push({ slot, due });
			return;
		}
		this.run(slot, due);
	}

	private miss(slot: Slot, why: string): void {
		slot.missed++;
		this.missedTicks?.inc({ collector: slot.collector.name });
		this.options.log?.warn({ collector: slot.collector.name, missed: slot.missed }, `missed a tick: ${why}`);
	}

	/** Starts queued runs while slots are free; ticks that waited past their interval are missed. */
	private drain(): void {
		while (this.active < this.concurrency && this.waiting.length) {
			const { slot, due } = this.waiting.shift()!;
			slot.queued = undefined;
			if (slot.retired) continue;
			if (this.clock.now() >= due + slot.collector.intervalMs) {
				this.miss(slot, `no free slot within its interval (concurrency ${this.concurrency})`);
				continue;
			}
			this.run(slot, due);
		}
	}

	private run(slot: Slot, due: number): void {
		const { collector } = slot;
		this.active++;
		const abort = new AbortController();
		slot.abort = abort;
		const started = this.clock.now();
		this.options.onStart?.(started - due);
		const t0 = performance.now();
		const run = { settled: false };
		const deadline = this.startDeadline(collector, abort, t0, run);
		const aborted = new Promise<never>((_, reject) => {
			abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true });
		});
		const collected = collector.collect({ signal: abort.signal, now: due });
		collected.then(
			() => (run.settled = true),
			() => (run.settled = true)
		);
		slot.running = Promise.race([collected, aborted])
			.then(
				(result) => {
					if (result.metadata?.length) this.options.emitMetadata?.(result.metadata);
					return { outcome: result.up === false ? 'down' : 'ok', samples: result.samples, error: result.error, labelled: result.labelled === true };
				},
				(err: unknown) => ({
					outcome: err instanceof TimeoutError ? 'timeout' : 'error',
					samples: [] as Sample[],
					error: (err as Error)?.message ?? String(err),
					labelled: true
				})
			)
			.then(({ outcome, samples, error, labelled }) => {
				const seconds = (performance.now() - t0) / 1000;
				deadline.clear();
				this.finishRun(slot, due, seconds, outcome, labelled ? samples : this.label(slot, samples, due), error);
			})
			.finally(() => {
				slot.running = undefined;
				slot.abort = undefined;
				this.active--;
				this.drain();
			});
	}

	/**
	 * The deadline covers the target's answer, not Vigil's own work: the target is charged the run's
	 * time less the time this process was busy meanwhile (parsing, storing earlier scrapes, a first
	 * scrape's thousands of new series), so the deadline moves on by that busy time, up to one more
	 * timeout in all; a healthy target is never written `up 0` because Vigil was slow. Where the
	 * clock cannot measure busy time, a deadline timer that fires late (the event loop was held)
	 * moves the deadline on by that lateness. A timer that then fires first lets I/O that already
	 * arrived run, and a run that finished meanwhile is not a timeout.
	 */
	private startDeadline(collector: Collector, abort: AbortController, t0: number, run: { settled: boolean }): { clear(): void } {
		let extended = 0;
		const busy = this.clock.busyMeter?.();
		const fire = () => {
			const owed = busy ? Math.min(collector.timeoutMs, busy()) : performance.now() - t0 - collector.timeoutMs;
			const more = owed - extended;
			if (more > 10 && extended + more <= collector.timeoutMs) {
				extended += more;
				timer = this.clock.setTimeout(fire, more);
				return;
			}
			const expire = () => {
				if (!run.settled) abort.abort(new TimeoutError(`timed out after ${collector.timeoutMs} ms`));
			};
			if (this.clock.afterPendingIo) this.clock.afterPendingIo(expire);
			else expire();
		};
		let timer = this.clock.setTimeout(fire, collector.timeoutMs);
		return { clear: () => this.clock.clearTimeout(timer) };
	}

	/** Counts a finished run and writes its samples (labelled) with up, target_status and the run's own series. */
	private finishRun(slot: Slot, due: number, seconds: number, outcome: string, samples: Sample[], error: string | undefined): void {
		const { collector } = slot;
		const ok = outcome === 'ok';
		this.duration?.observe({ collector: collector.name }, seconds);
		this.runs?.inc({ collector: collector.name, outcome });
		if (slot.retired) return;
		slot.failures = ok ? 0 : slot.failures + 1;
		if (!ok && slot.failures === 1) this.options.log?.warn({ collector: collector.name, outcome, err: error }, 'target failed');
		const down = slot.failures > collector.retries;
		const pending = !ok && !down;
		if (!ok && collector.optional) {
			// An optional target that cannot be reached writes nothing (it may simply not exist here).
			const out = this.markEnded(slot, this.withInterval(slot, samples), due);
			if (out.length) this.options.emit(out, collector.name);
			return;
		}
		const meta: Sample[] = [
			{ name: 'up', labels: { kind: collector.kind }, ts: due, value: down ? 0 : 1 },
			{ name: 'target_status', labels: { kind: collector.kind }, ts: due, value: down ? 0 : pending ? 2 : 1 },
			{ name: 'collect_duration_seconds', labels: {}, ts: due, value: Math.round(seconds * 1e6) / 1e6 },
			{ name: 'collector_ticks_missed_total', labels: {}, ts: due, value: slot.missed }
		];
		for (const s of this.label(slot, meta, due)) samples.push(s);
		this.options.emit(this.markEnded(slot, this.withInterval(slot, samples), due), collector.name);
	}

	/**
	 * Adds the target's labels (they win over a sample's own), the run's time where a sample has
	 * none, and the series id (the canonical text, worked out here once and carried to the store
	 * with the sample), in place: a run's samples belong to the scheduler once returned.
	 */
	private label(slot: Slot, samples: Sample[], due: number): Sample[] {
		const { labels } = slot.collector;
		for (const s of samples) {
			s.labels = Object.assign({}, s.labels, labels);
			if (!s.ts) s.ts = due;
			s.id = seriesId(s.name, s.labels);
		}
		return samples;
	}

	private withInterval(slot: Slot, samples: Sample[]): Sample[] {
		const { intervalMs } = slot.collector;
		for (const s of samples) s.intervalMs = intervalMs;
		return samples;
	}

	/** Adds a stale marker for each series an earlier run wrote and this one did not (samples carry their id). */
	private markEnded(slot: Slot, samples: Sample[], due: number): Sample[] {
		const run = ++slot.runs;
		const series = (slot.series ??= new Map());
		const written = samples.length;
		for (let i = 0; i < written; i++) {
			const s = samples[i]!;
			if (s.stale) continue;
			const id = (s.id ??= seriesId(s.name, s.labels));
			const known = series.get(id);
			if (known !== undefined) known.run = run;
			else series.set(id, { name: s.name, labels: s.labels, run });
		}
		// forEach, not for-of: an entries iterator makes a pair per series per run.
		series.forEach((known, id) => {
			if (known.run === run) return;
			samples.push({ name: known.name, labels: known.labels, id, ts: due, value: Number.NaN, stale: true, intervalMs: slot.collector.intervalMs });
			series.delete(id);
		});
		return samples;
	}

	private async retire(slot: Slot): Promise<void> {
		slot.retired = true;
		this.clock.clearTimeout(slot.timer);
		slot.abort?.abort(new Error('target removed'));
		await slot.running?.catch(() => {});
		await slot.collector.close?.().catch(() => {});
	}

	/** Stops scheduling, aborts runs in flight and waits for them to settle. */
	async stop(): Promise<void> {
		this.running = false;
		this.waiting.length = 0;
		await Promise.all([...this.slots.values()].map((s) => this.retire(s)));
		this.slots.clear();
	}
}
