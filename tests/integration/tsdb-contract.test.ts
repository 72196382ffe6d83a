/**
 * The time-series store's contract: one suite, run against the Redis store (on a private
 * redis-server), the Redis store on a local Redis Cluster (3 masters with a replica each, through
 * Vigil's own cluster client; skipped without redis-cli) and the in-memory store. Sealing is part of the Redis store's life, so every
 * query-shaped test runs again after sealing and must give the same answer.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/lib/server/tsdb/memory-store';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { DAY, HOUR, MINUTE, SampleBudget, SampleLimitError, type RangeResult, type StoreOptions, type TimeSeriesStore } from '../../src/lib/server/tsdb/types';
import { closeClient, createRedisClient, waitReady } from '../../src/lib/server/redis/client';
import { clusterUrl } from '../../src/lib/server/redis/cluster';
import { clusterAvailable, startTestRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { expectAggregates, expectSameValues as same, naiveRange as naive } from '../helpers/tsdb-model';

let server: TestRedis;
let client: Redis;
let cluster: TestRedisCluster | undefined;
let clusterClient: Redis;
let n = 0;
const onCluster = await clusterAvailable();
if (!onCluster) console.warn('tsdb contract on a cluster skipped: redis-server and redis-cli are needed on PATH');

beforeAll(async () => {
	server = await startTestRedis();
	client = new Redis(server.url);
	if (onCluster) {
		cluster = await startTestRedisCluster();
		clusterClient = createRedisClient(clusterUrl(cluster.nodes), { name: 'tsdb-contract' });
		await waitReady(clusterClient, 15_000);
	}
}, 60_000);
afterAll(async () => {
	client.disconnect();
	await server.stop();
	if (cluster) {
		await closeClient(clusterClient);
		await cluster.stop();
	}
});

/** A clock the test moves; data sits a few hours before the real present. */
function makeClock() {
	const base = Math.floor(Date.now() / HOUR) * HOUR - 6 * HOUR;
	const clock = { base, now: base + 7 * HOUR };
	return clock;
}

interface Impl {
	name: string;
	make(options?: StoreOptions): TimeSeriesStore;
	/** Seals everything due (the Redis store's background work); nothing for the memory store. */
	seal(store: TimeSeriesStore): Promise<void>;
}

const impls: Impl[] = [
	{
		name: 'memory',
		make: (options) => new MemoryStore(options),
		seal: async () => {}
	},
	{
		name: 'redis',
		make: (options) => new RedisStore(client, { prefix: `c${++n}:`, ...options }),
		seal: async (store) => {
			while ((await (store as RedisStore).sealDue(1000)) > 0) {
				// drain
			}
		}
	},
	...(onCluster
		? [
				{
					name: 'redis cluster',
					make: (options?: StoreOptions) => new RedisStore(clusterClient, { prefix: `c${++n}:`, ...options }),
					seal: async (store: TimeSeriesStore) => {
						while ((await (store as RedisStore).sealDue(1000)) > 0) {
							// drain
						}
					}
				}
			]
		: [])
];

describe.each(impls)('$name store', (impl) => {
	it('round-trips every kind of value exactly', async () => {
		const clock = makeClock();
		const store = impl.make({ now: () => clock.now });
		const values = [0, 1, -7, 2 ** 40, 12.34, -0.07, 1.234567, 0.000001, 1e300, -1e-300, 5e-324, Math.PI, Number.NaN, Infinity, -Infinity, -0];
		const ts = values.map((_, i) => clock.base + i * 1000);
		const r = await store.write([{ name: 'kinds', labels: {}, ts, values }]);
		expect(r).toEqual({ accepted: values.length, rejected: { out_of_order: 0, duplicate: 0, too_old: 0, invalid: 0, cardinality: 0, series_limit: 0, label_limit: 0 }, problems: [] });
		for (const when of ['before sealing', 'after sealing']) {
			const [got] = await store.raw('kinds', clock.base, clock.base + HOUR);
			expect(got!.ts, when).toEqual(ts);
			same(got!.values, values);
			if (when === 'before sealing') await impl.seal(store);
		}
		const [latest] = await store.latest('kinds');
		expect(latest!.ts).toBe(ts.at(-1));
		expect(Object.is(latest!.value, -0)).toBe(true);
	});

	it('keeps stale markers apart from NaN values, through live writes, sealing and sub-range reads', async () => {
		const clock = makeClock();
		const store = impl.make({ now: () => clock.now });
		const t = (i: number) => clock.base + i * 10_000;
		// A NaN sample, then a stale marker; the series comes back, ends again with a live write.
		await store.write([{ name: 'ends', labels: { job: 'a' }, ts: [t(0), t(1), t(2), t(3)], values: [1.5, Number.NaN, 7, 2], stale: [2] }]);
		await store.write([{ name: 'ends', labels: { job: 'a' }, ts: [t(4)], values: [Number.NaN], stale: [0] }]);
		// A stale index beyond the samples is refused as invalid, naming the field.
		const bad = await store.write([{ name: 'ends', labels: { job: 'b' }, ts: [t(0)], values: [1], stale: [3] }]);
		expect(bad.rejected.invalid).toBe(1);
		expect(bad.problems[0]).toMatch(/stale must hold ascending sample indexes below 1, got 3/);
		for (const when of ['before sealing', 'after sealing']) {
			const [all] = await store.raw('ends', 0, clock.now);
			expect(all!.ts, when).toEqual([0, 1, 2, 3, 4].map(t));
			same(all!.values, [1.5, Number.NaN, Number.NaN, 2, Number.NaN]);
			expect(all!.stale, when).toEqual([2, 4]);
			const [part] = await store.raw('ends', t(2), t(3));
			expect(part!.stale, when).toEqual([0]);
			expect((await store.raw('ends', t(3), t(3)))[0]!.stale, when).toBeUndefined();
			expect((await store.latest('ends'))[0]!.stale, when).toBe(true);
			await impl.seal(store);
		}
		// Rollups skip stale markers as they skip NaN.
		const [m] = await store.range('ends', clock.base, clock.base + HOUR, MINUTE);
		expect(m!.count).toEqual([2]);
		await store.write([{ name: 'ends', labels: { job: 'a' }, ts: [t(5)], values: [3] }]);
		expect((await store.latest('ends'))[0]!.stale).toBeUndefined();
	});

	it('answers a last-only read with the same last sample a whole read ends in, stale markers and -0 included', async () => {
		const clock = makeClock();
		const store = impl.make({ now: () => clock.now });
		const t = (i: number) => clock.base + i * 10_000;
		await store.write([
			{ name: 'lastonly', labels: { job: 'a' }, ts: [t(0), t(1), t(2)], values: [1.5, 2.25, -0] },
			{ name: 'lastonly', labels: { job: 'b' }, ts: [t(0), t(1)], values: [4, Number.NaN], stale: [1] },
			{ name: 'lastonly', labels: { job: 'c' }, ts: [t(0)], values: [9] }
		]);
		// Windows ending after every last sample, at one, before some (the store reads those), and before all.
		for (const [from, to] of [
			[t(0), clock.now],
			[t(1), t(2)],
			[t(0), t(1)],
			[t(0) - 60_000, t(0) - 1]
		] as const) {
			const whole = await store.raw('lastonly', from, to);
			const last = await store.raw('lastonly', from, to, { lastOnly: true });
			expect(last.map((r) => r.labels.job), `[${from}, ${to}]`).toEqual(whole.map((r) => r.labels.job));
			last.forEach((r, i) => {
				const w = whole[i]!;
				expect(r.ts.at(-1), `${r.labels.job} [${from}, ${to}]`).toBe(w.ts.at(-1));
				same([r.values.at(-1)!], [w.values.at(-1)!]);
				expect((r.stale ?? []).includes(r.ts.length - 1)).toBe((w.stale ?? []).includes(w.ts.length - 1));
			});
		}
	});

	it('reads across chunk boundaries, and writes that span several chunks', async () => {
		const clock = makeClock();
		const store = impl.make({ now: () => clock.now });
		const edge = clock.base + 2 * HOUR;
		const ts = [edge - 2000, edge - 1000, edge - 1, edge, edge + 1, edge + 1000, edge + HOUR, edge + HOUR + 500];
		const values = ts.map((_, i) => i * 1.5);
		await store.write([{ name: 'edges', labels: { a: '1' }, ts, values }]);
		for (const when of ['before', 'after']) {
			expect((await store.raw('edges', edge - 1, edge))[0]!.ts, when).toEqual([edge - 1, edge]);
			const all = (await store.raw('edges', 0, edge + 2 * HOUR))[0]!;
			expect(all.ts).toEqual(ts);
			expect(all.values).toEqual(values);
			await impl.seal(store);
		}
	});

	it('keeps the same answers after live-style writes are sealed', async () => {
		const clock = makeClock();
		const store = impl.make({ now: () => clock.now });
		const ts: number[] = [];
		const vs: number[] = [];
		for (let i = 0; i < 2 * 3600; i += 7) {
			const t = clock.base + HOUR - 1800_000 + i * 1000;
			const v = Math.round((50 + 30 * Math.sin(i / 300) + (i % 11)) * 100) / 100;
			ts.push(t);
			vs.push(v);
			await store.write([{ name: 'live', labels: {}, ts: [t], values: [v], intervalMs: 7000 }]);
		}
		const queries = async () => ({
			raw: await store.raw('live', 0, clock.now),
			minute: await store.range('live', clock.base, clock.now, MINUTE),
			hour: await store.range('live', clock.base, clock.now, HOUR),
			latest: await store.latest('live')
		});
		const before = await queries();
		expect(before.raw[0]!.ts).toEqual(ts);
		await impl.seal(store);
		const after = await queries();
		// Sealing stores sums as exact decimals, so they may differ from float sums in the last bits.
		const close = (r: RangeResult[]) => r.map(({ sum, avg, ...rest }) => ({ ...rest, sum: sum.map((x) => x.toFixed(6)), avg: avg.map((x) => x.toFixed(9)) }));
		expect(after.raw).toEqual(before.raw);
		expect(after.latest).toEqual(before.latest);
		expect(close(after.minute)).toEqual(close(before.minute));
		expect(close(after.hour)).toEqual(close(before.hour));
		expect(before.latest[0]).toMatchObject({ ts: ts.at(-1), value: vs.at(-1), intervalMs: 7000 });
	});

	it('computes rollups that match a naive computation, at every resolution', async () => {
		const clock = makeClock();
		const store = impl.make({ now: () => clock.now });
		let seed = 7;
		const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
		const ts: number[] = [];
		const vs: number[] = [];
		for (let t = clock.base; t < clock.base + 3 * HOUR; t += 1000) {
			ts.push(t);
			const v = Math.round(60 * (1 + 0.08 * (rnd() - 0.5)) * 100) / 100;
			vs.push(rnd() < 0.01 ? Number.NaN : v);
		}
		// In batches of uneven size, as collectors and backfills write.
		for (let i = 0, k = 1; i < ts.length; i += k, k = (k * 7) % 997 || 1) {
			await store.write([{ name: 'lat', labels: { svc: 'a' }, ts: ts.slice(i, i + k), values: vs.slice(i, i + k) }]);
		}
		const from = clock.base + 17 * 60_000 + 5000;
		const to = clock.base + 3 * HOUR - 1;
		for (const when of ['open', 'sealed']) {
			for (const [step, res, resolution] of [
				[10_000, 0, 'raw'],
				[MINUTE, MINUTE, '1m'],
				[5 * MINUTE, MINUTE, '1m'],
				[HOUR, HOUR, '1h']
			] as const) {
				const [r] = await store.range('lat', from, to, step);
				expect(r!.resolution, `${when} step ${step}`).toBe(resolution);
				expectAggregates(r!, naive(ts, vs, from, to, step, res));
			}
			await impl.seal(store);
		}
	});

	it('refuses out-of-order, duplicate and too-old samples, counted by reason, keeping what was stored', async () => {
		const clock = makeClock();
		const store = impl.make({ now: () => clock.now, retention: { raw: 2 * DAY } });
		const t = clock.base;
		expect((await store.write([{ name: 'm', labels: {}, ts: [t, t + 1000, t + 2000], values: [1, 2, 3] }])).accepted).toBe(3);
		const r = await store.write([
			{
				name: 'm',
				labels: {},
				ts: [t + 2000, t + 500, t + 3000, t + 3000, t + 2500, clock.now - 3 * DAY, t + 4000],
				values: [9, 9, 4, 9, 9, 9, 5]
			}
		]);
		expect(r.accepted).toBe(2);
		expect(r.rejected).toEqual({ out_of_order: 2, duplicate: 2, too_old: 1, invalid: 0, cardinality: 0, series_limit: 0, label_limit: 0 });
		const [got] = await store.raw('m', 0, clock.now);
		expect(got!.ts).toEqual([t, t + 1000, t + 2000, t + 3000, t + 4000]);
		expect(got!.values).toEqual([1, 2, 3, 4, 5]);
	});

	it('takes a retried batch as stored once, without counting it as refused', async () => {
		const clock = makeClock();
		const store = impl.make({ now: () => clock.now });
		const batch = [{ name: 'r', labels: {}, ts: [clock.base, clock.base + 1000], values: [1, 2] }];
		await store.write(batch);
		const again = await store.write([{ ...batch[0]!, ts: [clock.base, clock.base + 1000, clock.base + 2000], values: [1, 2, 3] }], { retry: true });
		expect(again.accepted).toBe(1);
		expect(Object.values(again.rejected).every((x) => x === 0)).toBe(true);
		expect((await store.raw('r', 0, clock.now))[0]!.ts).toEqual([clock.base, clock.base + 1000, clock.base + 2000]);
		const plain = await store.write(batch);
		expect(plain.rejected.duplicate + plain.rejected.out_of_order).toBe(2);
	});

	it('refuses invalid names and labels with a message naming them', async () => {
		const clock = makeClock();
		const store = impl.make({ now: () => clock.now });
		const r = await store.write([
			{ name: '9lives', labels: {}, ts: [clock.base], values: [1] },
			{ name: 'ok', labels: { 'bad-label': 'x' }, ts: [clock.base], values: [1] },
			{ name: 'ok', labels: {}, ts: [clock.base + 0.5], values: [1] }
		]);
		expect(r.accepted).toBe(0);
		expect(r.rejected.invalid).toBe(3);
		expect(r.problems).toEqual([
			'9lives: metric name "9lives" must match ^[a-zA-Z_:][a-zA-Z0-9_:]*$',
			'ok: label name "bad-label" must match ^[a-zA-Z_][a-zA-Z0-9_]*$',
			'ok: sample time ' + (clock.base + 0.5) + ' is not a whole number of ms since the epoch'
		]);
	});

	it('guards the number of series per metric', async () => {
		const clock = makeClock();
		const store = impl.make({ now: () => clock.now, maxSeriesPerMetric: 2 });
		const write = (id: string) => store.write([{ name: 'card', labels: { id }, ts: [clock.base], values: [1] }]);
		expect((await write('a')).accepted).toBe(1);
		expect((await write('b')).accepted).toBe(1);
		const third = await write('c');
		expect(third.rejected.cardinality).toBe(1);
		expect(third.problems[0]).toMatch(/card: has 2 series, the most allowed per metric/);
		// Known series still take samples; other metrics are not affected.
		expect((await store.write([{ name: 'card', labels: { id: 'a' }, ts: [clock.base + 1] , values: [2] }])).accepted).toBe(1);
		expect((await store.write([{ name: 'other', labels: { id: 'c' }, ts: [clock.base], values: [1] }])).accepted).toBe(1);
		expect((await store.series('card')).map((s) => s.labels.id)).toEqual(expect.arrayContaining(['a', 'b']));
		expect(await store.series('card')).toHaveLength(2);
	});

	it('guards the number of series in all: new series are refused by name, stored ones keep their samples', async () => {
		const clock = makeClock();
		const store = impl.make({ now: () => clock.now, maxSeries: 3 });
		const write = (name: string, id: string, t = clock.base) => store.write([{ name, labels: { id }, ts: [t], values: [1] }]);
		expect((await write('a', '1')).accepted).toBe(1);
		expect((await write('b', '1')).accepted).toBe(1);
		expect((await write('c', '1')).accepted).toBe(1);
		const fourth = await write('d', '1');
		expect(fourth.accepted).toBe(0);
		expect(fourth.rejected.series_limit).toBe(1);
		expect(fourth.problems).toEqual(['d: the store holds 3 series, the most allowed (tsdb.maxSeries); new series are refused, stored ones are kept']);
		// Stored series still take samples, and keep what they had.
		expect((await write('a', '1', clock.base + 1000)).accepted).toBe(1);
		expect((await store.raw('a', clock.base - 1, clock.base + 2000))[0]!.values).toEqual([1, 1]);
		expect(await store.series('d')).toEqual([]);
	});

	it('guards the labels of a new series: their number and their length', async () => {
		const clock = makeClock();
		const store = impl.make({ now: () => clock.now, maxLabelsPerSeries: 4, maxLabelLength: 32 });
		const labels = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, 'v']));
		expect((await store.write([{ name: 'ok', labels: labels(3), ts: [clock.base], values: [1] }])).accepted).toBe(1);
		const many = await store.write([{ name: 'wide', labels: labels(5000), ts: [clock.base, clock.base + 1], values: [1, 2] }]);
		expect(many.accepted).toBe(0);
		expect(many.rejected.label_limit).toBe(2);
		expect(many.problems).toEqual(['wide: has 5001 labels (the metric name included), more than the 4 allowed (tsdb.maxLabelsPerSeries)']);
		const long = await store.write([{ name: 'long', labels: { path: 'x'.repeat(33) }, ts: [clock.base], values: [1] }]);
		expect(long.rejected.label_limit).toBe(1);
		expect(long.problems[0]).toMatch(/long: label "path" is longer than the 32 characters allowed \(tsdb.maxLabelLength\)/);
		expect(await store.series('wide')).toEqual([]);
		expect(await store.series('ok')).toHaveLength(1);
	});

	describe('selectors', () => {
		let store: TimeSeriesStore;
		beforeAll(async () => {
			const clock = makeClock();
			store = impl.make({ now: () => clock.now });
			const series: Array<Record<string, string>> = [
				{ service: 'checkout', env: 'prod', code: '200' },
				{ service: 'checkout', env: 'prod', code: '500' },
				{ service: 'search', env: 'prod', code: '200' },
				{ service: 'search', env: 'staging' },
				{ service: 'cart', env: 'dev', code: '503' }
			];
			await store.write(series.map((labels, i) => ({ name: 'http_requests', labels, ts: [clock.base], values: [i] })));
			await store.write([{ name: 'up', labels: { service: 'checkout' }, ts: [clock.base], values: [1] }]);
		});

		const ids = async (selector: string) => (await store.series(selector)).map((s) => s.labels.service + (s.labels.code ? `:${s.labels.code}` : '')).sort();

		it('match by =, !=, =~ and !~, with absent labels as empty', async () => {
			expect(await ids('http_requests{service="checkout"}')).toEqual(['checkout:200', 'checkout:500']);
			expect(await ids('http_requests{env!="prod"}')).toEqual(['cart:503', 'search']);
			expect(await ids('http_requests{code=~"5.."}')).toEqual(['cart:503', 'checkout:500']);
			expect(await ids('http_requests{code!~"5..",env="prod"}')).toEqual(['checkout:200', 'search:200']);
			expect(await ids('http_requests{code=""}')).toEqual(['search']);
			expect(await ids('http_requests{code!=""}')).toEqual(['cart:503', 'checkout:200', 'checkout:500', 'search:200']);
			expect(await ids('{service="checkout"}')).toEqual(['checkout', 'checkout:200', 'checkout:500']);
			expect(await ids('{__name__=~"http_.*", service=~"c.*"}')).toEqual(['cart:503', 'checkout:200', 'checkout:500']);
			expect(await ids('http_requests{service="nope"}')).toEqual([]);
		});

		it('refuse selectors that would match everything', async () => {
			await expect(store.series('{env!="prod"}')).rejects.toThrow(/at least one matcher/);
		});

		it('list label names and values, optionally under a selector', async () => {
			expect(await store.labelNames()).toEqual(['__name__', 'code', 'env', 'service']);
			expect(await store.labelNames('up')).toEqual(['__name__', 'service']);
			expect(await store.labelValues('service')).toEqual(['cart', 'checkout', 'search']);
			expect(await store.labelValues('code', 'http_requests{env="prod"}')).toEqual(['200', '500']);
			expect(await store.labelValues('__name__')).toEqual(['http_requests', 'up']);
		});

		it('find series by id', async () => {
			const [one] = await store.series('up');
			expect(await store.seriesById([one!.id, 'nonexistent'])).toEqual([one]);
		});

		it('tell the times of the first and the latest sample of each series', async () => {
			const [before] = await store.series('up');
			const first = before!.firstTs!;
			expect(before!.lastTs).toBe(first);
			await store.write([{ name: 'up', labels: { service: 'checkout' }, ts: [first + 15_000, first + 30_000], values: [1, 0] }]);
			const [after] = await store.series('up');
			expect([after!.firstTs, after!.lastTs]).toEqual([first, first + 30_000]);
			expect((await store.seriesById([after!.id]))[0]!.lastTs).toBe(first + 30_000);
		});
	});

	it('picks a coarser resolution when the finer one no longer reaches back', async () => {
		const clock = makeClock();
		const store = impl.make({ now: () => clock.now, retention: { raw: 2 * HOUR } });
		const ts = Array.from({ length: 600 }, (_, i) => clock.now - 90 * 60_000 + i * 1000);
		await store.write([{ name: 'old', labels: {}, ts, values: ts.map((_, i) => i) }]);
		expect((await store.range('old', clock.now - 100 * 60_000, clock.now, 10_000))[0]!.resolution).toBe('raw');
		expect((await store.range('old', clock.now - 3 * HOUR, clock.now, 10_000))[0]!.resolution).toBe('1m');
	});

	it('expires each resolution after its retention (raw first, rollups later)', async () => {
		const store = impl.make({ chunkMs: 1000, retention: { raw: 1500 } });
		const now = Date.now();
		const ts = [now - 100, now];
		await store.write([{ name: 'exp', labels: {}, ts, values: [1, 2] }]);
		expect((await store.raw('exp', now - 1000, now))[0]!.ts).toEqual(ts);
		await new Promise((r) => setTimeout(r, 3100));
		expect(await store.raw('exp', now - 1000, now)).toEqual([]);
		// The minute rollups (kept 90 days) still answer.
		const [r] = await store.range('exp', now - MINUTE, now, MINUTE);
		expect(r!.count.reduce((a, b) => a + b, 0)).toBe(2);
	});

	it('validates query arguments', async () => {
		const store = impl.make();
		await expect(store.range('x', 10, 5, 1)).rejects.toThrow(/before from/);
		await expect(store.range('x', 0, 10, 0)).rejects.toThrow(/step must be a positive/);
		await expect(store.range('x', 0, 1e9, 1)).rejects.toThrow(/at most 100,000/);
		await expect(store.series('x{')).rejects.toThrow(/expected a label name/);
	});

	it("stops a read once its query's sample budget is spent (shared by its reads), and reads the same under one that suffices", async () => {
		const clock = makeClock();
		const store = impl.make({ now: () => clock.now, maxSeriesPerMetric: 10_000 });
		// More series than one read batch of the Redis store, 4 samples each.
		const ts = [0, 15_000, 30_000, 45_000].map((d) => clock.base + d);
		const w = await store.write(Array.from({ length: 2500 }, (_, i) => ({ name: 'budget_x', labels: { i: String(i) }, ts, values: [i, i + 1, i + 2, i + 3] })));
		expect(w.accepted).toBe(10_000);
		const from = clock.base;
		const to = clock.base + HOUR;
		const all = await store.raw('budget_x', from, to);
		expect(all).toHaveLength(2500);
		const enough = new SampleBudget(10_000);
		expect(await store.raw('budget_x', from, to, { budget: enough })).toEqual(all);
		expect(enough.used).toBe(10_000);

		// Stopped early: not every series was read first.
		const small = new SampleBudget(3000);
		await expect(store.raw('budget_x', from, to, { budget: small })).rejects.toBeInstanceOf(SampleLimitError);
		expect(small.used).toBeGreaterThan(3000);
		expect(small.used).toBeLessThan(10_000);

		// One budget across two reads of one query.
		const shared = new SampleBudget(15_000);
		await store.raw('budget_x', from, to, { budget: shared });
		await expect(store.raw('budget_x', from, to, { budget: shared })).rejects.toBeInstanceOf(SampleLimitError);

		// Chart reads count their buckets, raw and rollup alike.
		await expect(store.range('budget_x', from, to, 15_000, { budget: new SampleBudget(100) })).rejects.toBeInstanceOf(SampleLimitError);
		await impl.seal(store);
		const rollup = new SampleBudget(2400);
		await expect(store.range('budget_x', from, to, 60_000, { budget: rollup })).rejects.toBeInstanceOf(SampleLimitError);
		expect(await store.range('budget_x', from, to, 60_000, { budget: new SampleBudget(2500) })).toHaveLength(2500);

		// The budget's check stops a read (a deadline, a client gone).
		const stopped = new SampleBudget(1e9, () => {
			throw new Error('client went away');
		});
		await expect(store.raw('budget_x', from, to, { budget: stopped })).rejects.toThrow('client went away');
	});
});
