import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Sample } from '../src/lib/shared/series';
import { Scheduler } from './scheduler';
import type { Collector } from './types';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function collector(name: string, intervalMs: number, timeoutMs: number, run: (signal: AbortSignal) => Promise<Sample[]>): Collector {
	return { name, kind: 'test', intervalMs, timeoutMs, collect: ({ signal }) => run(signal) };
}

async function count(registry: Registry, collector: string, outcome: string): Promise<number> {
	const m = await registry.getSingleMetric('vigil_collector_runs_total')!.get();
	return m.values.find((v) => v.labels.collector === collector && v.labels.outcome === outcome)?.value ?? 0;
}

let scheduler: Scheduler | undefined;
afterEach(async () => {
	await scheduler?.stop();
	scheduler = undefined;
});

describe('Scheduler', () => {
	it('runs on the interval, aligned to the clock, and passes samples on', async () => {
		const got: Sample[] = [];
		const times: number[] = [];
		scheduler = new Scheduler(
			[
				{
					name: 'a',
					kind: 'test',
					intervalMs: 50,
					timeoutMs: 50,
					collect: async ({ now }) => {
						times.push(now);
						return [{ name: 'x', labels: {}, ts: now, value: 1 }];
					}
				}
			],
			{ emit: (s) => got.push(...s) }
		);
		scheduler.start();
		await sleep(280);
		expect(times.length).toBeGreaterThanOrEqual(4);
		for (const t of times) expect(t % 50).toBe(0);
		expect(got.map((s) => s.ts)).toEqual(times);
	});

	it('abandons a run at its timeout, and a hanging collector does not stall another', async () => {
		const registry = new Registry();
		let fast = 0;
		scheduler = new Scheduler(
			[
				collector('hangs', 100, 30, () => new Promise(() => {})),
				collector('fast', 20, 20, async () => {
					fast++;
					return [];
				})
			],
			{ registry, emit: () => {} }
		);
		scheduler.start();
		await sleep(350);
		expect(await count(registry, 'hangs', 'timeout')).toBeGreaterThanOrEqual(2);
		expect(await count(registry, 'hangs', 'ok')).toBe(0);
		expect(fast).toBeGreaterThanOrEqual(10);
	});

	it('skips a run while the previous one is still going, and counts it', async () => {
		const registry = new Registry();
		let started = 0;
		scheduler = new Scheduler(
			[
				collector('slow', 30, 1000, async () => {
					started++;
					await sleep(100);
					return [];
				})
			],
			{ registry, emit: () => {} }
		);
		scheduler.start();
		await sleep(320);
		expect(await count(registry, 'slow', 'skipped')).toBeGreaterThanOrEqual(3);
		expect(started).toBeLessThanOrEqual(4);
	});

	it('counts a failing collector and keeps scheduling it', async () => {
		const registry = new Registry();
		scheduler = new Scheduler([collector('broken', 30, 30, async () => Promise.reject(new Error('target down')))], {
			registry,
			emit: () => {}
		});
		scheduler.start();
		await sleep(200);
		expect(await count(registry, 'broken', 'error')).toBeGreaterThanOrEqual(4);
	});

	it('aborts runs in flight on stop', async () => {
		let aborted = false;
		scheduler = new Scheduler(
			[
				collector('long', 20, 5000, (signal) => {
					signal.addEventListener('abort', () => (aborted = true));
					return new Promise(() => {});
				})
			],
			{ emit: () => {} }
		);
		scheduler.start();
		await sleep(60);
		await scheduler.stop();
		expect(aborted).toBe(true);
	});
});
