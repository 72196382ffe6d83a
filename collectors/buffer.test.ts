import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { SampleSink } from '../src/lib/server/samples';
import type { Sample } from '../src/lib/shared/series';
import { SampleBuffer } from './buffer';

/** A sink that stores in memory and can be switched off, as Redis going away would. */
class SwitchableSink implements SampleSink {
	stored: Sample[] = [];
	up = true;
	attempts = 0;
	async write(samples: Sample[]): Promise<void> {
		this.attempts++;
		if (!this.up) throw new Error('connection refused');
		this.stored.push(...samples);
	}
}

const sample = (ts: number): Sample => ({ name: 'm', labels: {}, ts, value: ts });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SampleBuffer', () => {
	it('writes at once when storage is up', async () => {
		const sink = new SwitchableSink();
		const buffer = new SampleBuffer(sink);
		buffer.push([sample(1), sample(2)]);
		await buffer.flush();
		expect(sink.stored.map((s) => s.ts)).toEqual([1, 2]);
		expect(buffer.size).toBe(0);
	});

	it('holds samples while storage is down and writes them in order when it is back', async () => {
		const sink = new SwitchableSink();
		const buffer = new SampleBuffer(sink);
		sink.up = false;
		for (let i = 1; i <= 5; i++) buffer.push([sample(i)]);
		await sleep(20);
		expect(buffer.size).toBe(5);
		sink.up = true;
		await sleep(400); // the retry backoff starts at 200 ms
		expect(sink.stored.map((s) => s.ts)).toEqual([1, 2, 3, 4, 5]);
		expect(buffer.size).toBe(0);
		await buffer.close();
	});

	it('drops the oldest beyond its bound and counts them', async () => {
		const registry = new Registry();
		const sink = new SwitchableSink();
		sink.up = false;
		const buffer = new SampleBuffer(sink, { maxSamples: 3, registry });
		for (let i = 1; i <= 5; i++) buffer.push([sample(i)]);
		expect(buffer.size).toBe(3);
		const dropped = await registry.getSingleMetric('vigil_samples_dropped_total')!.get();
		expect(dropped.values).toEqual([expect.objectContaining({ value: 2, labels: { reason: 'buffer_full' } })]);
		sink.up = true;
		expect(await buffer.close(1000)).toBe(0);
		expect(sink.stored.map((s) => s.ts)).toEqual([3, 4, 5]);
	});

	it('on close, writes what it holds if storage comes back in time, else reports the loss', async () => {
		const sink = new SwitchableSink();
		sink.up = false;
		const buffer = new SampleBuffer(sink);
		buffer.push([sample(1)]);
		setTimeout(() => (sink.up = true), 150);
		expect(await buffer.close(2000)).toBe(0);
		expect(sink.stored).toHaveLength(1);

		const dead = new SwitchableSink();
		dead.up = false;
		const b2 = new SampleBuffer(dead);
		b2.push([sample(1), sample(2)]);
		expect(await b2.close(300)).toBe(2);
	});

	it('writes in batches of at most batchSize', async () => {
		const sink = new SwitchableSink();
		const sizes: number[] = [];
		const write = sink.write.bind(sink);
		sink.write = async (s) => {
			sizes.push(s.length);
			return write(s);
		};
		sink.up = false;
		const buffer = new SampleBuffer(sink, { batchSize: 4 });
		buffer.push(Array.from({ length: 10 }, (_, i) => sample(i)));
		sink.up = true;
		await buffer.close(1000);
		expect(sink.stored).toHaveLength(10);
		expect(Math.max(...sizes.slice(1))).toBeLessThanOrEqual(4);
	});
});
