/**
 * What only the Redis store has, beyond the contract: the key layout (one hash tag per series,
 * expiry per resolution with the default retention), the rejection counter it exports, and one
 * writer at a time per series when two processes write the same series.
 */
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HOUR_SPAN } from '../../src/lib/server/tsdb/query';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { DAY, HOUR, SelectionCache } from '../../src/lib/server/tsdb/types';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

let server: TestRedis;
let client: Redis;
beforeAll(async () => {
	server = await startTestRedis();
	client = new Redis(server.url);
});
afterAll(async () => {
	client.disconnect();
	await server.stop();
});

async function drain(store: RedisStore): Promise<void> {
	while ((await store.sealDue(1000)) > 0) {
		// sealing more
	}
}

describe('the Redis store', () => {
	it('keeps every key of a series under its hash tag, each data key expiring its retention after its span (defaults 15 d, 90 d, 2 y)', async () => {
		const real = Date.now();
		const base = Math.floor(real / HOUR) * HOUR - 3 * HOUR;
		const store = new RedisStore(client, { prefix: 'k1:', liveKey: null });
		const ts = Array.from({ length: 720 }, (_, i) => base + i * 10_000); // two hours at 10 s
		const r = await store.write([{ name: 'keys_demo', labels: { job: 'a' }, ts, values: ts.map((_, i) => i / 4) }]);
		expect(r.accepted).toBe(720);
		const sid = (await store.series('keys_demo'))[0]!.id;

		const expected = (key: string): number | null => {
			const [, , , kind, n] = key.split(':') as [string, string, string, string, string];
			const x = Number(n);
			switch (kind) {
				case 'r':
					return (x + 1) * HOUR + 15 * DAY;
				case 'mo':
					return (Math.floor((x * HOUR) / DAY) + 1) * DAY + 90 * DAY;
				case 'm':
					return (x + 1) * DAY + 90 * DAY;
				case 'ho':
					return (Math.floor((x * DAY) / HOUR_SPAN) + 1) * HOUR_SPAN + 730 * DAY;
				case 'h':
					return (x + 1) * HOUR_SPAN + 730 * DAY;
				default:
					return null; // the series' state, labels and open-bucket set
			}
		};
		/** Checks every key of the series, and returns the kinds of keys there are. */
		const check = async (when: string): Promise<Set<string>> => {
			const keys = await client.keys('k1:ts:*');
			expect(keys.every((k) => k.startsWith(`k1:ts:{${sid}}:`)), when).toBe(true);
			for (const key of keys) {
				const pttl = await client.pttl(key);
				const want = expected(key);
				if (want === null) expect(pttl, `${when}: ${key}`).toBe(-1);
				else expect(Math.abs(Date.now() + pttl - want), `${when}: ${key}`).toBeLessThan(5000);
			}
			return new Set(keys.map((k) => k.split(':')[3]!));
		};
		const has = (kinds: Set<string>, want: string[]) => expect(want.filter((k) => kinds.has(k))).toEqual(want);

		has(await check('open'), ['s', 'l', 'o', 'r', 'mo']);
		// An hour later (for the sealer only): the hours are sealed into the day's minute key.
		await drain(new RedisStore(client, { prefix: 'k1:', liveKey: null, now: () => real + HOUR }));
		const hoursSealed = await check('hours sealed');
		has(hoursSealed, ['s', 'l', 'r', 'm']);
		expect(hoursSealed.has('ho') || hoursSealed.has('h')).toBe(true);
		// Two days later: the day is sealed into the 30-day hour key.
		const later = new RedisStore(client, { prefix: 'k1:', liveKey: null, now: () => real + 2 * DAY });
		await drain(later);
		has(await check('day sealed'), ['s', 'l', 'r', 'm', 'h']);
		// The data is still all there after sealing.
		expect((await store.raw('keys_demo', 0, real))[0]!.ts).toEqual(ts);
		const [hours] = await later.range('keys_demo', base, base + 2 * HOUR - 1, HOUR);
		expect(hours!.resolution).toBe('1h');
		expect(hours!.count).toEqual([360, 360]);
	});

	it('counts refused samples in vigil_tsdb_samples_rejected_total by reason', async () => {
		const registry = new Registry();
		const now = Date.now();
		const store = new RedisStore(client, { prefix: 'k2:', liveKey: null, registry, maxSeriesPerMetric: 1 });
		const t = now - HOUR;
		await store.write([{ name: 'm', labels: { a: '1' }, ts: [t, t + 1000], values: [1, 2] }]);
		await store.write([
			{ name: 'm', labels: { a: '1' }, ts: [t + 1000, t + 500, now - 16 * DAY, t + 2000], values: [9, 9, 9, 3] },
			{ name: 'm', labels: { a: '2' }, ts: [t], values: [1] },
			{ name: 'bad-name', labels: {}, ts: [t, t + 1], values: [1, 1] }
		]);
		const counter = (await registry.getSingleMetric('vigil_tsdb_samples_rejected_total')!.get()).values;
		const byReason = Object.fromEntries(counter.map((v) => [v.labels.reason, v.value]));
		expect(byReason).toEqual({ out_of_order: 1, duplicate: 1, too_old: 1, invalid: 2, cardinality: 1, series_limit: 0, label_limit: 0 });
		const written = (await registry.getSingleMetric('vigil_tsdb_samples_written_total')!.get()).values[0]!.value;
		expect(written).toBe(3);
	});

	it('lets one writer at a time move a series forward: a second process with an old view is refused what is already stored', async () => {
		const now = Date.now();
		const t = now - HOUR;
		const a = new RedisStore(client, { prefix: 'k3:', liveKey: null });
		const b = new RedisStore(client, { prefix: 'k3:', liveKey: null });
		// Both learn the series (b's view of its last time is now t).
		await a.write([{ name: 'w', labels: {}, ts: [t], values: [0] }]);
		await b.write([{ name: 'w', labels: {}, ts: [t + 1000], values: [1] }]);
		await a.write([{ name: 'w', labels: {}, ts: [t + 2000, t + 3000, t + 4000], values: [2, 3, 4] }]);
		// b does not know a went on to t + 4000: the store refuses b's older samples, and keeps the rest.
		const r = await b.write([{ name: 'w', labels: {}, ts: [t + 2500, t + 4000, t + 5000], values: [9, 9, 5] }]);
		expect(r.accepted).toBe(1);
		expect(r.rejected).toMatchObject({ out_of_order: 1, duplicate: 1 });
		const [got] = await a.raw('w', 0, now);
		expect(got!.ts).toEqual([0, 1000, 2000, 3000, 4000, 5000].map((d) => t + d));
		expect(got!.values).toEqual([0, 1, 2, 3, 4, 5]);
	});

	it('drops series whose data has all expired from the index, keeps the rest, and a writer that knew one indexes it again', async () => {
		const registry = new Registry();
		let now = Date.now();
		const clock = () => now;
		const retention = { raw: DAY, minute: 2 * DAY, hour: 3 * DAY };
		const store = new RedisStore(client, { prefix: 'k4:', liveKey: null, now: clock, retention, registry });
		const other = new RedisStore(client, { prefix: 'k4:', liveKey: null, now: clock, retention });
		const t = now - HOUR;
		// gone{pod="a"} stops; kept{pod="a"} shares the label value; kept{pod="b"} and gone{pod="x"}
		// (written by another process) go on.
		await store.write([
			{ name: 'gone', labels: { pod: 'a', only: 'here' }, ts: [t], values: [1] },
			{ name: 'kept', labels: { pod: 'a' }, ts: [t], values: [1] }
		]);
		await other.write([{ name: 'gone', labels: { pod: 'x' }, ts: [t], values: [1] }]);
		expect(store.expiredAfterMs).toBe(3 * DAY + HOUR_SPAN + DAY);

		// Nothing is old enough yet.
		expect(await store.dropExpiredSeries()).toEqual({ scanned: 3, dropped: 0 });
		now += store.expiredAfterMs + HOUR;
		await store.write([{ name: 'kept', labels: { pod: 'a' }, ts: [now - 1000], values: [2] }]);
		await store.write([{ name: 'kept', labels: { pod: 'b' }, ts: [now - 1000], values: [3] }]);

		const sidOf = async (selector: string) => (await store.series(selector))[0]!.id;
		const goneA = await sidOf('gone{pod="a"}');
		expect(await store.dropExpiredSeries(1)).toEqual({ scanned: 4, dropped: 2 });
		expect((await store.series('{__name__=~"gone|kept"}')).map((s) => s.labels.pod).sort()).toEqual(['a', 'b']);
		expect(await store.labelValues('__name__')).toEqual(['kept']);
		expect(await store.labelValues('pod')).toEqual(['a', 'b']);
		expect(await store.labelNames()).toEqual(['__name__', 'pod']);
		expect(await client.exists(`k4:ts:{${goneA}}:s`, `k4:ts:{${goneA}}:l`, `k4:ts:{${goneA}}:o`)).toBe(0);
		expect(await client.scard('k4:ix:p:__name__=gone')).toBe(0);
		expect((await registry.getSingleMetric('vigil_tsdb_series_dropped_total')!.get()).values[0]!.value).toBe(2);
		expect(await store.dropExpiredSeries()).toEqual({ scanned: 2, dropped: 0 });

		// The other process still believes gone{pod="x"} is indexed: its next write finds the state
		// gone and indexes the series again.
		const r = await other.write([{ name: 'gone', labels: { pod: 'x' }, ts: [now], values: [7] }]);
		expect(r.accepted).toBe(1);
		const back = await store.latest('gone');
		expect(back.map((x) => [x.labels.pod, x.value])).toEqual([['x', 7]]);
		expect(await store.labelValues('pod')).toEqual(['a', 'b', 'x']);
		expect(await client.scard('k4:ix:p:__name__=gone')).toBe(1);
	});

	it('bounds the live stream in bytes: large entries (big scrapes) keep fewer of them, small ones keep the entry cap', async () => {
		const t = Date.now() - 60_000;
		const store = new RedisStore(client, { prefix: 'k5:', liveKey: 'k5:live', liveMaxLen: 1000, liveMaxBytes: 2_000_000 });
		// 1,500 series a write: an entry of the last sample of each, over 50 KB, so 2 MB hold fewer than 40.
		const big = (i: number) => Array.from({ length: 1500 }, (_, k) => ({ name: 'big', labels: { k: String(k) }, ts: [t + i * 100], values: [i + k / 7] }));
		for (let i = 0; i < 45; i++) await store.write(big(i));
		const entries = await client.xrange('k5:live', '-', '+');
		const size = entries.at(-1)![1][1]!.length;
		expect(size).toBeGreaterThan(50_000);
		expect(entries).toHaveLength(Math.max(16, Math.floor(2_000_000 / size)));
		// The newest entry is the last write's: the last sample of each of its series.
		const last = JSON.parse(entries.at(-1)![1][1]!) as Array<[string, number, number]>;
		expect(last).toHaveLength(1500);
		expect(last.every(([, ts]) => ts === t + 4400)).toBe(true);

		// Small entries: up to the entry cap (approximate trimming keeps at least it).
		const small = new RedisStore(client, { prefix: 'k6:', liveKey: 'k6:live', liveMaxLen: 200, liveMaxBytes: 100_000 });
		for (let i = 0; i < 300; i++) await small.write([{ name: 'small', labels: {}, ts: [t + i], values: [i] }]);
		const n = await client.xlen('k6:live');
		expect(n).toBeGreaterThanOrEqual(200);
		expect(n).toBeLessThan(300);
	});

	it('copies to the live stream only the series its select admits (the boards\' series), asking once per series', async () => {
		const t = Date.now() - 60_000;
		const asked: string[] = [];
		const store = new RedisStore(client, {
			prefix: 'k8:',
			liveKey: 'k8:live',
			liveSelect: (name, labels) => {
				asked.push(`${name}/${labels.k ?? ''}`);
				return name === 'shown' && labels.k !== 'hidden';
			}
		});
		// A scrape of 1,000 series of which two are on a board.
		const scrape = (i: number) => [
			{ name: 'shown', labels: { k: 'a' }, ts: [t + i * 1000], values: [i] },
			{ name: 'shown', labels: { k: 'hidden' }, ts: [t + i * 1000], values: [i] },
			...Array.from({ length: 998 }, (_, k) => ({ name: 'bulk', labels: { k: String(k) }, ts: [t + i * 1000], values: [k] }))
		];
		for (let i = 0; i < 3; i++) await store.write(scrape(i));
		const entries = await client.xrange('k8:live', '-', '+');
		expect(entries).toHaveLength(3);
		const [sid] = (await store.series('shown{k="a"}')).map((s) => s.id);
		for (const [i, [, fields]] of entries.entries()) expect(JSON.parse(fields[1]!)).toEqual([[sid, t + i * 1000, i]]);
		// Asked once per series, not per write.
		expect(asked).toHaveLength(1000);
		// A write of no shown series adds no entry.
		await store.write([{ name: 'bulk', labels: { k: '0' }, ts: [t + 9000], values: [1] }]);
		expect(await client.xlen('k8:live')).toBe(3);
	});

	it('rewrites an open raw chunk compactly as its point records grow, keeping it queued for sealing when its hour ends', async () => {
		const hour = Math.floor(Date.now() / HOUR) - 1;
		let now = hour * HOUR + 20 * 60_000;
		const store = new RedisStore(client, { prefix: 'k7:', liveKey: null, now: () => now });
		// One sample a write, as scrapes come: a point record each (integers that jump, a few bytes a point).
		const values = Array.from({ length: 1000 }, (_, i) => Math.round(Math.sin(i) * 100));
		for (let i = 0; i < 1000; i++) await store.write([{ name: 'g', labels: {}, ts: [hour * HOUR + i * 1000], values: [values[i]!] }]);
		const [info] = await store.series('g');
		const key = `k7:ts:{${info!.id}}:r:${hour}`;
		const member = `r|${info!.id}|${hour}`;
		const before = await client.strlen(key);
		// Crossing 2 KB of points queued a rewrite for now.
		expect(Number(await client.zscore('k7:ix:seal', member))).toBeLessThanOrEqual(now);
		await drain(store);
		const after = await client.strlen(key);
		expect(after).toBeLessThan(before * 0.6);
		// Still open: queued again for its end, and later writes append to it.
		expect(Number(await client.zscore('k7:ix:seal', member))).toBe((hour + 1) * HOUR + 30_000);
		await store.write([{ name: 'g', labels: {}, ts: [hour * HOUR + 1_000_000], values: [0.125] }]);
		const [got] = await store.raw('g', hour * HOUR, (hour + 1) * HOUR);
		expect(got!.values).toEqual([...values, 0.125]);
		expect(got!.ts).toEqual(Array.from({ length: 1001 }, (_, i) => hour * HOUR + i * 1000));
		// Once the hour is over, sealing takes it out of the queue.
		now = (hour + 1) * HOUR + 31_000;
		await drain(store);
		expect(await client.zscore('k7:ix:seal', member)).toBeNull();
		const [sealed] = await store.raw('g', hour * HOUR, (hour + 1) * HOUR);
		expect(sealed!.values).toEqual([...values, 0.125]);
	});

	it('keeps decoded raw chunks a series has moved past in the process, and reads its open chunk from Redis every time', async () => {
		const hour = Math.floor(Date.now() / HOUR) - 2;
		const store = new RedisStore(client, { prefix: 'k8:', liveKey: null });
		const ts = Array.from({ length: 120 }, (_, i) => hour * HOUR + i * 60_000);
		await store.write([{ name: 'c', labels: {}, ts, values: ts.map((_, i) => i * 1.5) }]);
		const first = await store.raw('c', hour * HOUR, (hour + 2) * HOUR);
		expect(first[0]!.ts).toEqual(ts);
		const [info] = await store.series('c');
		// The first hour is complete (the series has samples after it): the process no longer needs its key.
		await client.del(`k8:ts:{${info!.id}}:r:${hour}`);
		const again = await store.raw('c', hour * HOUR + 30 * 60_000, (hour + 2) * HOUR);
		expect(again[0]!.ts).toEqual(ts.slice(30));
		expect(again[0]!.values).toEqual(ts.slice(30).map((_, i) => (i + 30) * 1.5));
		// Another process reads what Redis holds.
		const other = new RedisStore(client, { prefix: 'k8:', liveKey: null });
		expect((await other.raw('c', hour * HOUR, (hour + 2) * HOUR))[0]!.ts).toEqual(ts.slice(60));
		// The open (last) chunk is read again: a new sample shows.
		await store.write([{ name: 'c', labels: {}, ts: [(hour + 1) * HOUR + 3_590_000], values: [7] }]);
		const later = await store.raw('c', (hour + 1) * HOUR, (hour + 2) * HOUR);
		expect(later[0]!.ts.at(-1)).toBe((hour + 1) * HOUR + 3_590_000);
		expect(later[0]!.values.at(-1)).toBe(7);
	});
});

describe('a selection cache shared by the reads of an evaluation cycle', () => {
	it('lists each posting set once per cycle, and reads what uncached reads read', async () => {
		const store = new RedisStore(client, { prefix: 'k9:', liveKey: null });
		const t = Date.now() - 60_000;
		await store.write(Array.from({ length: 20 }, (_, i) => ({ name: 'cyc', labels: { idx: String(i), kind: i % 2 ? 'odd' : 'even' }, ts: [t], values: [i] })));
		const smembers = async () => {
			const line = String(await client.info('commandstats'))
				.split('\n')
				.find((l) => l.startsWith('cmdstat_smembers:'));
			return Number(/calls=(\d+)/.exec(line ?? '')?.[1] ?? 0);
		};
		const selectors = Array.from({ length: 10 }, (_, i) => `cyc{idx="${i}",kind=~"odd|even"}`);
		const plain = await Promise.all(selectors.map((s) => store.raw(s, t - 1000, t + 1000)));
		const before = await smembers();
		const selection = new SelectionCache();
		const pipelines = vi.spyOn(client, 'pipeline');
		const cached = await Promise.all(selectors.map((s) => store.raw(s, t - 1000, t + 1000, { selection })));
		// The cycle's reads go out together, one pipeline a step (postings, the values' postings,
		// series states, chunks), not one per read.
		expect(pipelines.mock.calls.length).toBeLessThanOrEqual(4);
		pipelines.mockRestore();
		// The name's postings once, 10 idx postings, the kind label's values once and each kind's postings once.
		expect((await smembers()) - before).toBe(1 + 10 + 1 + 2);
		expect(cached).toEqual(plain);
		expect(cached.map((r) => r[0]!.values[0])).toEqual(Array.from({ length: 10 }, (_, i) => i));
		// A new cycle lists again (series may have come).
		await store.raw(selectors[0]!, t - 1000, t + 1000, { selection: new SelectionCache() });
		expect((await smembers()) - before).toBe(14 + 5);
	});
});

describe('a read of its own (no evaluation cycle)', () => {
	const calls = async (command: string) => {
		const line = String(await client.info('commandstats'))
			.split('\n')
			.find((l) => l.startsWith(`cmdstat_${command}:`));
		return Number(/calls=(\d+)/.exec(line ?? '')?.[1] ?? 0);
	};

	it('intersects several equality matchers in Redis: no posting list travels, the answer is a cycle read\'s', async () => {
		const store = new RedisStore(client, { prefix: 'k10:', liveKey: null });
		const t = Date.now() - 60_000;
		await store.write(Array.from({ length: 300 }, (_, i) => ({ name: 'inter', labels: { group: `g${i % 3}`, idx: String(i) }, ts: [t], values: [i] })));
		const [m0, s0] = [await calls('smembers'), await calls('sinter')];
		const own = await store.raw('inter{group="g1"}', t - 1000, t + 1000);
		expect((await calls('smembers')) - m0).toBe(0);
		expect((await calls('sinter')) - s0).toBe(1);
		expect(own.map((r) => r.values[0]!).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => 3 * i + 1));
		const cycle = await store.raw('inter{group="g1"}', t - 1000, t + 1000, { selection: new SelectionCache() });
		expect(own).toEqual(cycle);
		// With a matcher that is not an equality, the equalities are still intersected in Redis.
		const mixed = await store.raw('inter{group="g1",idx=~"1.*"}', t - 1000, t + 1000);
		expect(mixed.map((r) => r.labels.idx).sort()).toEqual(own.map((r) => r.labels.idx!).filter((x) => x.startsWith('1')).sort());
	});

	it('reads a window inside one chunk in one round trip: the chunk goes out with the series\' state', async () => {
		const store = new RedisStore(client, { prefix: 'k11:', liveKey: null });
		const hour = Math.floor(Date.now() / HOUR) - 2;
		const ts = Array.from({ length: 120 }, (_, i) => hour * HOUR + i * 60_000);
		await store.write([{ name: 'one', labels: { a: '1' }, ts, values: ts.map((_, i) => i) }]);
		await store.raw('one', hour * HOUR, (hour + 2) * HOUR);
		// Pipelines created while no reply was in yet go out in the same round trip.
		let replies = 0;
		const created: number[] = [];
		const real = client.pipeline.bind(client);
		const spy = vi.spyOn(client, 'pipeline').mockImplementation((...args: Parameters<Redis['pipeline']>) => {
			const p = real(...args);
			created.push(replies);
			const exec = p.exec.bind(p);
			p.exec = (async (...a: Parameters<typeof exec>) => {
				const r = await exec(...a);
				replies++;
				return r;
			}) as typeof p.exec;
			return p;
		});
		try {
			const open = await store.raw('one', (hour + 1) * HOUR + 10 * 60_000, (hour + 1) * HOUR + 15 * 60_000);
			expect(open[0]!.values).toEqual([70, 71, 72, 73, 74, 75]);
			// Selection (labels cached), then the state and the chunk together.
			expect(created).toEqual([0, 1, 1]);
		} finally {
			spy.mockRestore();
		}
		// A window inside the chunk the clock is in needs no state: the chunks alone, still one trip.
		// (Not in an hour's first seconds, where the window would reach into the hour before.)
		if (Date.now() % HOUR < 5000) await new Promise((r) => setTimeout(r, 5000 - (Date.now() % HOUR)));
		const now = Date.now();
		await store.write([{ name: 'one', labels: { a: '1' }, ts: [now - 2000, now - 1000], values: [1, 2] }]);
		const [hm, gets] = [await calls('hmget'), await calls('get')];
		const fresh = await store.raw('one', now - 3000, now);
		expect(fresh[0]!.ts).toEqual([now - 2000, now - 1000]);
		expect(fresh[0]!.values).toEqual([1, 2]);
		expect((await calls('hmget')) - hm).toBe(0);
		expect((await calls('get')) - gets).toBe(1);
		// A complete chunk the process holds is used from there on that path too.
		const [info] = await store.series('one');
		await client.del(`k11:ts:{${info!.id}}:r:${hour}`);
		const past = await store.raw('one', hour * HOUR + 5 * 60_000, hour * HOUR + 7 * 60_000);
		expect(past[0]!.values).toEqual([5, 6, 7]);
	});
});
