import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Sample } from '../src/lib/shared/series';
import { ManualClock } from '../src/lib/server/clock';
import { offsetFor, Scheduler } from './scheduler';
import type { Collector, CollectResult } from './types';

function target(name: string, intervalMs: number, collect: Collector['collect'], extra: Partial<Collector> = {}): { collector: Collector; key: string } {
	return {
		collector: { name, kind: 'test', labels: { target: name }, intervalMs, timeoutMs: Math.floor(intervalMs * 0.8), retries: 0, optional: false, collect, ...extra },
		key: `${name}:${intervalMs}:${JSON.stringify(extra)}`
	};
}

const ok = (value = 1): Promise<CollectResult> => Promise.resolve({ samples: [{ name: 'm', labels: {}, ts: 0, value }] });
const never = (): Promise<CollectResult> => new Promise(() => {});

function harness(options: { concurrency?: number } = {}) {
	const clock = new ManualClock(1_000_000);
	const registry = new Registry();
	const emitted: Array<{ target: string; samples: Sample[] }> = [];
	const scheduler = new Scheduler({ clock, registry, concurrency: options.concurrency, emit: (samples, t) => emitted.push({ target: t, samples }) });
	const series = (t: string, name: string) => emitted.filter((e) => e.target === t).flatMap((e) => e.samples.filter((s) => s.name === name));
	const counter = async (metric: string, labels: Record<string, string>) =>
		(await registry.getSingleMetric(metric)!.get()).values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
	return { clock, scheduler, emitted, series, counter };
}

describe('Scheduler', () => {
	it('runs each target on its interval at a stable offset, stamping samples with the mark', async () => {
		const { clock, scheduler, series } = harness();
		await scheduler.set([target('a', 1000, () => ok()), target('b', 1000, () => ok())]);
		scheduler.start();
		await clock.advance(5000);
		for (const t of ['a', 'b']) {
			const times = series(t, 'm').map((s) => s.ts);
			expect(times.length).toBe(5);
			for (const ts of times) expect(ts % 1000).toBe(offsetFor(t, 1000));
		}
		expect(offsetFor('a', 1000)).not.toBe(offsetFor('b', 1000));
		expect(offsetFor('a', 1000)).toBe(offsetFor('a', 1000));
	});

	it('writes up, target_status, collect_duration_seconds and the missed-tick count with the target labels', async () => {
		const { clock, scheduler, series } = harness();
		await scheduler.set([target('a', 1000, () => ok(), { labels: { target: 'a', service: 'shop' } })]);
		scheduler.start();
		await clock.advance(1000);
		const up = series('a', 'up')[0]!;
		expect(up).toMatchObject({ value: 1, labels: { target: 'a', service: 'shop', kind: 'test' }, intervalMs: 1000 });
		expect(series('a', 'target_status')[0]!.value).toBe(1);
		expect(series('a', 'collect_duration_seconds')[0]!.value).toBeGreaterThanOrEqual(0);
		expect(series('a', 'collector_ticks_missed_total')[0]!.value).toBe(0);
		expect(series('a', 'm')[0]!.labels).toEqual({ target: 'a', service: 'shop' });
	});

	it('marks a series stale when it leaves a target\'s output or the target fails, and every series when the target is removed', async () => {
		const { clock, scheduler, series } = harness();
		let run = 0;
		await scheduler.set([
			target('a', 1000, () => {
				run++;
				if (run === 3) return Promise.reject(new Error('refused'));
				const samples = [{ name: 'kept', labels: {}, ts: 0, value: run }];
				if (run === 1) samples.push({ name: 'gone', labels: { x: '1' }, ts: 0, value: 5 });
				return Promise.resolve({ samples });
			})
		]);
		scheduler.start();
		await clock.advance(3000);
		const gone = series('a', 'gone');
		expect(gone.map((s) => [s.stale ?? false, Number.isNaN(s.value)])).toEqual([
			[false, false],
			[true, true]
		]);
		expect(gone[1]!.labels).toEqual({ x: '1', target: 'a' });
		expect(gone[1]!.ts).toBe(series('a', 'kept')[1]!.ts);
		// Run 3 failed: its own series end, while up (0) keeps being written.
		const kept = series('a', 'kept');
		expect(kept.map((s) => s.stale ?? false)).toEqual([false, false, true]);
		expect(series('a', 'up').map((s) => s.value)).toEqual([1, 1, 0]);
		// Removed from the config: everything it wrote ends, once.
		await scheduler.set([]);
		const ups = series('a', 'up');
		expect(ups.at(-1)!.stale).toBe(true);
		expect(series('a', 'kept').filter((s) => s.stale)).toHaveLength(1);
		await clock.advance(3000);
		expect(series('a', 'up')).toHaveLength(ups.length);
	});

	it('takes labelled samples as they are (their labels object and id), and marks the ones that leave with that id', async () => {
		const { clock, scheduler, series } = harness();
		const labels = Object.freeze({ x: '1', target: 'a' });
		const other = Object.freeze({ x: '2', target: 'a' });
		let run = 0;
		await scheduler.set([
			target('a', 1000, ({ now }) => {
				run++;
				const samples: Sample[] = [{ name: 'm', labels, ts: now, value: run, id: 'm-1' }];
				if (run === 1) samples.push({ name: 'm', labels: other, ts: now, value: 9, id: 'm-2' });
				return Promise.resolve({ samples, labelled: true });
			})
		]);
		scheduler.start();
		await clock.advance(3000);
		const m = series('a', 'm');
		expect(m.filter((s) => s.id === 'm-1').map((s) => [s.value, s.labels === labels, s.intervalMs, s.stale ?? false])).toEqual([
			[1, true, 1000, false],
			[2, true, 1000, false],
			[3, true, 1000, false]
		]);
		// m-2 left after run 1: one marker, at run 2's time, then nothing.
		expect(m.filter((s) => s.id === 'm-2').map((s) => [s.stale ?? false, s.labels === other, s.ts])).toEqual([
			[false, true, m[0]!.ts],
			[true, true, m[2]!.ts]
		]);
		// The scheduler's own series are labelled by it, with their ids.
		expect(series('a', 'up')[0]!).toMatchObject({ labels: { kind: 'test', target: 'a' }, id: 'up{kind="test",target="a"}' });
	});

	it('counts a target as down only after its retries, pending in between (Uptime Kuma semantics)', async () => {
		const { clock, scheduler, series } = harness();
		let fail = false;
		await scheduler.set([target('a', 1000, () => (fail ? Promise.reject(new Error('refused')) : ok()), { retries: 2 })]);
		scheduler.start();
		await clock.advance(1000);
		fail = true;
		await clock.advance(4000);
		expect(series('a', 'up').map((s) => s.value)).toEqual([1, 1, 1, 0, 0]);
		expect(series('a', 'target_status').map((s) => s.value)).toEqual([1, 2, 2, 0, 0]);
		fail = false;
		await clock.advance(1000);
		expect(series('a', 'up').at(-1)!.value).toBe(1);
	});

	it('treats an answer that fails its expectations as a failure, keeping its samples', async () => {
		const { clock, scheduler, series, counter } = harness();
		await scheduler.set([target('a', 1000, async () => ({ samples: [{ name: 'code', labels: {}, ts: 0, value: 500 }], up: false, error: 'status 500' }))]);
		scheduler.start();
		await clock.advance(1000);
		expect(series('a', 'up')[0]!.value).toBe(0);
		expect(series('a', 'code')[0]!.value).toBe(500);
		expect(await counter('vigil_collector_runs_total', { collector: 'a', outcome: 'down' })).toBe(1);
	});

	it('abandons a run at its timeout, and a hanging target stalls no other', async () => {
		const { clock, scheduler, series, counter } = harness();
		await scheduler.set([target('hangs', 1000, never), target('fine', 100, () => ok())]);
		scheduler.start();
		await clock.advance(4000);
		const timeouts = await counter('vigil_collector_runs_total', { collector: 'hangs', outcome: 'timeout' });
		expect(timeouts).toBeGreaterThanOrEqual(3);
		expect(series('hangs', 'up').map((s) => s.value)).toEqual(Array(timeouts).fill(0));
		expect(series('fine', 'up').length).toBe(40);
	});

	it('misses and counts a tick while the previous run is still going', async () => {
		const { clock, scheduler, series, counter } = harness();
		await scheduler.set([target('slow', 1000, () => new Promise((r) => clock.setTimeout(() => r({ samples: [] }), 1500)), { timeoutMs: 5000 })]);
		scheduler.start();
		await clock.advance(6000);
		const missed = await counter('vigil_collector_ticks_missed_total', { collector: 'slow' });
		expect(missed).toBeGreaterThanOrEqual(2);
		expect(series('slow', 'collector_ticks_missed_total').at(-1)!.value).toBe(missed);
	});

	it('runs at most `concurrency` at once; a tick that waits past its interval is missed, not lost silently', async () => {
		const { clock, scheduler, counter } = harness({ concurrency: 1 });
		let running = 0;
		let peak = 0;
		const slow = () =>
			new Promise<CollectResult>((r) => {
				peak = Math.max(peak, ++running);
				clock.setTimeout(() => {
					running--;
					r({ samples: [] });
				}, 700);
			});
		await scheduler.set([target('x', 1000, slow), target('y', 1000, slow), target('z', 1000, slow)]);
		scheduler.start();
		await clock.advance(10_000);
		expect(peak).toBe(1);
		const missed = (await counter('vigil_collector_ticks_missed_total', { collector: 'x' })) + (await counter('vigil_collector_ticks_missed_total', { collector: 'y' })) + (await counter('vigil_collector_ticks_missed_total', { collector: 'z' }));
		expect(missed).toBeGreaterThan(0);
	});

	it('writes nothing for an optional target that cannot be reached', async () => {
		const { clock, scheduler, series } = harness();
		await scheduler.set([target('maybe', 1000, () => Promise.reject(new Error('ECONNREFUSED')), { optional: true })]);
		scheduler.start();
		await clock.advance(3000);
		expect(series('maybe', 'up')).toEqual([]);
	});

	it('applies a new target list: adds, removes and replaces, leaving unchanged targets running', async () => {
		const { clock, scheduler } = harness();
		let closed: string[] = [];
		const mk = (name: string, interval: number) => target(name, interval, () => ok(), { close: async () => void closed.push(name) });
		await scheduler.set([mk('keep', 1000), mk('drop', 1000), mk('change', 1000)]);
		scheduler.start();
		await clock.advance(1000);
		closed = [];
		const changes = await scheduler.set([mk('keep', 1000), mk('change', 2000), mk('new', 1000)]);
		expect(changes).toEqual({ added: ['new'], removed: ['drop'], replaced: ['change'] });
		expect(closed.sort()).toEqual(['change', 'drop', 'keep']); // the old 'change', 'drop', and the unused duplicate of 'keep'
		expect(scheduler.targets.sort()).toEqual(['change', 'keep', 'new']);
	});

	it('aborts runs in flight on stop', async () => {
		const { clock, scheduler } = harness();
		let aborted = false;
		await scheduler.set([
			target('long', 1000, ({ signal }) => {
				signal.addEventListener('abort', () => (aborted = true));
				return never();
			})
		]);
		scheduler.start();
		await clock.advance(1100);
		await scheduler.stop();
		expect(aborted).toBe(true);
	});

	it('counts a run whose answer arrived by its deadline as done, when the deadline fires late (the process was busy)', async () => {
		// The system clock runs a deadline's expiry after the I/O already waiting (setImmediate); here
		// that order is driven by hand.
		class IoClock extends ManualClock {
			deferred: Array<() => void> = [];
			afterPendingIo(fn: () => void): void {
				this.deferred.push(fn);
			}
		}
		const clock = new IoClock(1_000_000);
		const registry = new Registry();
		const emitted: Sample[] = [];
		const scheduler = new Scheduler({ clock, registry, emit: (samples) => emitted.push(...samples) });
		const answers: Array<(r: CollectResult) => void> = [];
		await scheduler.set([target('busy', 1000, () => new Promise((r) => answers.push(r)))]);
		scheduler.start();
		const outcome = async (o: string) =>
			(await registry.getSingleMetric('vigil_collector_runs_total')!.get()).values.find((v) => v.labels.outcome === o)?.value ?? 0;

		// First run: its deadline fires, and the answer that was waiting is handled before the expiry.
		await clock.advance(1000 + 800);
		expect(answers).toHaveLength(1);
		expect(clock.deferred).toHaveLength(1);
		answers[0]!({ samples: [{ name: 'm', labels: {}, ts: 0, value: 7 }] });
		for (let i = 0; i < 20; i++) await Promise.resolve();
		clock.deferred.shift()!();
		for (let i = 0; i < 20; i++) await Promise.resolve();
		expect(await outcome('ok')).toBe(1);
		expect(await outcome('timeout')).toBe(0);
		expect(emitted.filter((x) => x.name === 'm').map((x) => x.value)).toEqual([7]);

		// Second run: nothing has arrived when the expiry runs: a timeout, up 0.
		await clock.advance(1000);
		expect(clock.deferred).toHaveLength(1);
		clock.deferred.shift()!();
		for (let i = 0; i < 20; i++) await Promise.resolve();
		expect(await outcome('timeout')).toBe(1);
		expect(emitted.filter((x) => x.name === 'up').map((x) => x.value)).toEqual([1, 0]);
		await scheduler.stop();
	});

	it('does not charge the target for time the process itself was busy: a deadline that fires late waits that much longer', async () => {
		// Real time: the event loop is held (synchronous work, as a big store write) past the deadline
		// while the answer is on its way; it completes over the next turns of the loop.
		const registry = new Registry();
		const emitted: Sample[] = [];
		const scheduler = new Scheduler({ registry, emit: (samples) => emitted.push(...samples) });
		let runs = 0;
		const collect = (): Promise<CollectResult> =>
			new Promise((resolve) => {
				runs++;
				setTimeout(() => {
					const end = performance.now() + 250;
					while (performance.now() < end) {
						// busy: the deadline (100 ms) passes meanwhile
					}
					setImmediate(() => setImmediate(() => resolve({ samples: [{ name: 'm', labels: {}, ts: 0, value: 1 }] })));
				}, 20);
			});
		await scheduler.set([target('held', 2000, collect, { timeoutMs: 100 })]);
		scheduler.start();
		while (!emitted.some((x) => x.name === 'up')) await new Promise((r) => setTimeout(r, 50));
		await scheduler.stop();
		expect(runs).toBe(1);
		expect(emitted.find((x) => x.name === 'up')!.value).toBe(1);
		expect(emitted.filter((x) => x.name === 'm')).toHaveLength(1);
		const outcomes = (await registry.getSingleMetric('vigil_collector_runs_total')!.get()).values.filter((v) => v.value > 0).map((v) => v.labels.outcome);
		expect(outcomes).toEqual(['ok']);
	});
	it("charges a target only for its own time: the time the process was busy before the deadline moves the deadline on, up to one more timeout", async () => {
		// Real time. The process is busy (its own work: a first scrape's new series, a big write) for
		// 300 ms early in the run, and the deadline timer then fires on time; the target answers
		// 500 ms into the run, 200 ms of its own. A target that never answers still times out.
		const registry = new Registry();
		const emitted: Sample[] = [];
		const scheduler = new Scheduler({ registry, emit: (samples) => emitted.push(...samples) });
		const slowVigil = (): Promise<CollectResult> =>
			new Promise((resolve) => {
				setTimeout(() => {
					const end = performance.now() + 300;
					while (performance.now() < end) {
						// busy: this process' own work
					}
					setTimeout(() => resolve({ samples: [{ name: 'm', labels: {}, ts: 0, value: 1 }] }), 180);
				}, 20);
			});
		const hangs = (): Promise<CollectResult> => new Promise(() => {});
		await scheduler.set([target('healthy', 5000, slowVigil, { timeoutMs: 400 }), target('hung', 5000, hangs, { timeoutMs: 400 })]);
		scheduler.start();
		const ups = () => emitted.filter((x) => x.name === 'up');
		while (ups().length < 2) await new Promise((r) => setTimeout(r, 50));
		await scheduler.stop();
		const up = Object.fromEntries(ups().map((x) => [x.labels.target, x.value]));
		expect(up).toEqual({ healthy: 1, hung: 0 });
		const outcomes = (await registry.getSingleMetric('vigil_collector_runs_total')!.get()).values.filter((v) => v.value > 0).map((v) => `${v.labels.collector} ${v.labels.outcome}`);
		expect(outcomes.sort()).toEqual(['healthy ok', 'hung timeout']);
	});
});
