/**
 * The prometheus source with its scrape cache, against a local exposition, through the scheduler:
 * samples come labelled with the target's labels and their series id, worked out once per series;
 * a series that leaves the exposition gets its stale marker as before; duplicates are counted.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriesId, type Sample } from '../../src/lib/shared/series';
import { createLogger } from '../../src/lib/server/log';
import { createAddressPolicy } from '../net/address-policy';
import { collectorConfig, createCollector } from '../registry';
import { Scheduler } from '../scheduler';
import type { Collector } from '../types';

let body = '';
let server: Server;
let url = '';

beforeAll(async () => {
	server = createServer((_req, res) => {
		res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
		res.end(body);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function collector(extra: Record<string, unknown> = {}): Collector {
	const config = collectorConfig.parse({ kind: 'prometheus', name: 'shop', url, labels: { env: 'prod' }, ...extra });
	return createCollector(config, { log: createLogger({ level: 'silent' }), addressPolicy: createAddressPolicy(['127.0.0.1']) });
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
	samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

describe('prometheus source with its scrape cache', () => {
	it('returns labelled samples with their ids; a repeated series reuses its labels and id', async () => {
		const c = collector();
		body = '# TYPE orders_total counter\norders_total{shop="a",instance="x"} 1\nup_like 1\n';
		const first = await c.collect({ signal: new AbortController().signal, now: 1000 });
		body = '# TYPE orders_total counter\norders_total{shop="a",instance="x"} 2\nup_like 1\n';
		const second = await c.collect({ signal: new AbortController().signal, now: 2000 });
		expect(second.labelled).toBe(true);
		const [a1] = find(first.samples, 'orders_total');
		const [a2] = find(second.samples, 'orders_total');
		// The exposition's `instance` clashes with the target's: kept as exported_instance.
		expect(a2!.labels).toEqual({ shop: 'a', exported_instance: 'x', env: 'prod', target: 'shop', instance: new URL(url).host });
		expect(a2!.id).toBe(seriesId('orders_total', a2!.labels));
		expect(a2!.value).toBe(2);
		expect(a2!.labels).toBe(a1!.labels);
		expect(a2!.id).toBe(a1!.id);
		for (const s of second.samples) expect(s.id).toBe(seriesId(s.name, s.labels));
	});

	it('applies keep and drop once per series, and again when a TYPE line moves a sample to another family', async () => {
		const c = collector({ keep: ['h'] });
		body = 'h_bucket{le="1"} 1\n';
		const untyped = await c.collect({ signal: new AbortController().signal, now: 1000 });
		expect(find(untyped.samples, 'h_bucket')).toHaveLength(0);
		body = '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n';
		const typed = await c.collect({ signal: new AbortController().signal, now: 2000 });
		expect(find(typed.samples, 'h_bucket')).toHaveLength(2);
	});

	it('through the scheduler: a series that leaves the exposition gets a stale marker; duplicates are counted', async () => {
		const emitted: Sample[][] = [];
		const scheduler = new Scheduler({ emit: (samples) => emitted.push(samples) });
		const c = collector({ interval: '100ms' });
		body = 'a{k="1"} 1\nb{k="\\"q\\""} 2\nb{k="\\"q\\""} 3\n';
		await scheduler.set([{ collector: c, key: 'shop' }]);
		scheduler.start();
		const wait = async (runs: number) => {
			for (let i = 0; i < 100 && emitted.length < runs; i++) await new Promise((r) => setTimeout(r, 20));
		};
		await wait(2);
		body = 'a{k="1"} 4\n';
		const before = emitted.length;
		await wait(before + 2);
		await scheduler.stop();
		const first = emitted[0]!;
		expect(find(first, 'b')).toHaveLength(1);
		expect(find(first, 'b')[0]!.labels.k).toBe('"q"');
		expect(find(first, 'scrape_duplicate_series')[0]!.value).toBe(1);
		const after = emitted.slice(before);
		const ended = after.flatMap((run) => find(run, 'b')).filter((s) => s.stale);
		expect(ended).toHaveLength(1);
		expect(ended[0]!.id).toBe(find(first, 'b')[0]!.id);
		expect(Number.isNaN(ended[0]!.value)).toBe(true);
		// a goes on with no marker, and every sample carries the target's labels and the interval.
		expect(after.flatMap((run) => find(run, 'a')).every((s) => !s.stale && s.labels.target === 'shop' && s.intervalMs === 100)).toBe(true);
		expect(after.flatMap((run) => find(run, 'up')).every((s) => s.labels.target === 'shop' && s.id === seriesId('up', s.labels))).toBe(true);
	});
});
