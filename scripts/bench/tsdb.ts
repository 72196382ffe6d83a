/**
 * `npm run bench:tsdb`: the time-series store against its goals, on a redis-server this script
 * starts (no persistence, nothing else on it). Writes 10 latency-like gauges and 10 integer
 * counters of 1,000,000 samples each at 1 s, then times chart queries and dropping a day. The
 * 90-day chart reads a series that holds 90 days (one sample a minute: hour rollups are the same
 * whatever the sampling rate), since the gauges hold only SAMPLES seconds.
 * Progress goes to stderr; the result is one JSON line on stdout.
 *
 * Options: --samples N (per series, default 1,000,000), --series N (default 10).
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { ByteWriter } from '../../src/lib/server/tsdb/codec/bytes';
import { encodeBlock } from '../../src/lib/server/tsdb/codec/block';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { startBenchRedis } from './redis';
import { DAY, HOUR, type SeriesSamples } from '../../src/lib/server/tsdb/types';

const { values: opts } = parseArgs({ options: { samples: { type: 'string' }, series: { type: 'string' } } });
const SAMPLES = Number(opts.samples ?? 1_000_000);
const SERIES = Number(opts.series ?? 10);
const BATCH = 3600; // samples per series per write: an hour at 1 s
const INFLIGHT = 4; // write calls in flight at once

const progress = (msg: string) => process.stderr.write(`${msg}\n`);

// ---- data ---------------------------------------------------------------------------------

function rng(seed: number) {
	let s = seed;
	const next = () => (s = (s * 16807) % 2147483647) / 2147483647;
	const gauss = () => Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
	return { next, gauss };
}

/** Latency-like: a daily curve between 15 and 105 ms, 8 % noise, 0.1 % spikes, two decimals. */
function gaugeBatch(series: number, start: number, n: number, r: ReturnType<typeof rng>): { ts: number[]; values: number[] } {
	const ts: number[] = [];
	const values: number[] = [];
	for (let i = 0; i < n; i++) {
		const t = start + i * 1000;
		const day = ((t / HOUR + series) % 24) / 24;
		let v = 60 + 45 * Math.sin(2 * Math.PI * day);
		v *= 1 + 0.08 * r.gauss();
		if (r.next() < 0.001) v *= 3 + 7 * r.next();
		ts.push(t);
		values.push(Math.round(Math.max(0, v) * 100) / 100);
	}
	return { ts, values };
}

/** Integer counters: orders placed, a few per second, busier by day. */
function counterBatch(start: number, n: number, r: ReturnType<typeof rng>, state: { value: number }): { ts: number[]; values: number[] } {
	const ts: number[] = [];
	const values: number[] = [];
	for (let i = 0; i < n; i++) {
		const t = start + i * 1000;
		const rate = 3 + 2 * Math.sin((2 * Math.PI * (t / HOUR)) / 24);
		state.value += Math.floor(r.next() * 2 * rate);
		ts.push(t);
		values.push(state.value);
	}
	return { ts, values };
}

// ---- measures -----------------------------------------------------------------------------

async function usedMemory(redis: Redis): Promise<number> {
	const info = await redis.info('memory');
	return Number(/used_memory:(\d+)/.exec(info)![1]);
}

function percentile(sorted: number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timeQuery(fn: () => Promise<unknown>, runs: number): Promise<number[]> {
	for (let i = 0; i < Math.min(20, runs); i++) await fn(); // warm up
	const out: number[] = [];
	for (let i = 0; i < runs; i++) {
		const t0 = performance.now();
		await fn();
		out.push(performance.now() - t0);
	}
	return out.sort((a, b) => a - b);
}

async function ingest(store: RedisStore, name: string, end: number, make: (series: number, start: number, n: number) => { ts: number[]; values: number[] }) {
	const start = end - SAMPLES * 1000;
	let written = 0;
	let generateMs = 0;
	const t0 = performance.now();
	const inflight = new Set<Promise<void>>();
	let lastReport = 0;
	for (let off = 0; off < SAMPLES; off += BATCH) {
		const n = Math.min(BATCH, SAMPLES - off);
		const g0 = performance.now();
		const batch: SeriesSamples[] = [];
		for (let s = 0; s < SERIES; s++) batch.push({ name, labels: { series: String(s) }, ...make(s, start + off * 1000, n), intervalMs: 1000 });
		generateMs += performance.now() - g0;
		const p = store.write(batch).then((r) => {
			const refused = Object.values(r.rejected).reduce((a, b) => a + b, 0);
			if (refused) throw new Error(`the store refused ${refused} samples: ${JSON.stringify(r)}`);
			written += r.accepted;
		});
		inflight.add(p);
		void p.finally(() => inflight.delete(p));
		if (inflight.size >= INFLIGHT) await Promise.race(inflight);
		if (performance.now() - lastReport > 2000) {
			lastReport = performance.now();
			progress(`  ${name}: ${((100 * off) / SAMPLES).toFixed(0)} %`);
		}
	}
	await Promise.all(inflight);
	// Time spent making up the data is not the store's.
	const ms = performance.now() - t0 - generateMs;
	return { written, ms };
}

async function sealAll(store: RedisStore): Promise<number> {
	const t0 = performance.now();
	while ((await store.sealDue(5000)) > 0) {
		// drain
	}
	return performance.now() - t0;
}

async function main() {
	progress(`Starting a private redis-server…`);
	const server = await startBenchRedis();
	const redis = new Redis(server.url);
	try {
		const end = Math.floor(Date.now() / HOUR) * HOUR;
		// The clock sits after the data, so every bucket is closed and due for sealing.
		const store = new RedisStore(redis, { prefix: 'bench:', now: () => end + 2 * HOUR, liveKey: 'bench:live' });

		// The Redis ceiling: pipelined APPEND of blocks shaped like the store's, through ioredis.
		progress('Measuring the APPEND ceiling…');
		const r0 = rng(99);
		const sample = gaugeBatch(0, end - BATCH * 1000, BATCH, r0);
		const w = new ByteWriter();
		encodeBlock(w, end - HOUR, sample.ts, sample.values);
		const block = Buffer.from(w.finish());
		const rounds = Math.ceil((SAMPLES * SERIES) / BATCH);
		const a0 = performance.now();
		for (let i = 0; i < rounds; i += 100) {
			const pipe = redis.pipeline();
			for (let k = i; k < Math.min(rounds, i + 100); k++) pipe.append(`ceiling:${k % 2000}`, block);
			await pipe.exec();
		}
		const appendCeiling = (rounds * BATCH) / ((performance.now() - a0) / 1000);
		await redis.flushall();

		// Gauges.
		const m0 = await usedMemory(redis);
		progress(`Writing ${SERIES} gauges x ${SAMPLES.toLocaleString('en-US')} samples…`);
		const rngs = Array.from({ length: SERIES }, (_, s) => rng(1000 + s));
		const g = await ingest(store, 'bench_latency_ms', end, (s, start, n) => gaugeBatch(s, start, n, rngs[s]!));
		const mOpen = await usedMemory(redis);
		progress('  sealing closed buckets…');
		const sealGaugesMs = await sealAll(store);
		const m1 = await usedMemory(redis);
		let encoded = 0;
		let encodedRaw = 0;
		for await (const keys of redis.scanStream({ match: 'bench:ts:*', count: 1000 })) {
			const pipe = redis.pipeline();
			for (const k of keys as string[]) pipe.strlen(k);
			const lens = ((await pipe.exec()) ?? []).map(([, v]) => v as number);
			(keys as string[]).forEach((k, i) => {
				if (/:(r|m|mo|h|ho):/.test(k)) encoded += lens[i]!;
				if (/:r:/.test(k)) encodedRaw += lens[i]!;
			});
		}

		// Integer counters, in their own prefix.
		const counters = new RedisStore(redis, { prefix: 'benchint:', now: () => end + 2 * HOUR, liveKey: 'bench:live' });
		progress(`Writing ${SERIES} integer counters x ${SAMPLES.toLocaleString('en-US')} samples…`);
		const crngs = Array.from({ length: SERIES }, (_, s) => rng(2000 + s));
		const cstate = Array.from({ length: SERIES }, () => ({ value: 0 }));
		const c = await ingest(counters, 'bench_orders_total', end, (s, start, n) => counterBatch(start, n, crngs[s]!, cstate[s]!));
		await sealAll(counters);
		const m2 = await usedMemory(redis);

		// Live-style writes: many series, one sample each per write (a collector's shape).
		progress('Timing live-style writes…');
		const live = new RedisStore(redis, { prefix: 'benchlive:', now: () => end + 2 * HOUR, liveKey: 'bench:live' });
		const LIVE_SERIES = 2000;
		const LIVE_ROUNDS = 30;
		let liveMs = 0;
		for (let round = 0; round < LIVE_ROUNDS; round++) {
			const batch: SeriesSamples[] = [];
			for (let s = 0; s < LIVE_SERIES; s++) batch.push({ name: 'bench_up', labels: { target: `t${s}` }, ts: [end - HOUR + round * 1000], values: [1], intervalMs: 1000 });
			const l0 = performance.now();
			await live.write(batch);
			if (round > 0) liveMs += performance.now() - l0; // the first round also creates the series
		}
		await live.close();

		// A series holding 90 days, for the 90-day chart: written with a raw retention that takes
		// that much history, read through the store with the default retention.
		progress('Writing a series of 90 days (one sample a minute)…');
		const long = new RedisStore(redis, { prefix: 'bench:', now: () => end + 2 * HOUR, liveKey: null, retention: { raw: 91 * DAY } });
		const lr = rng(3000);
		for (let d = 90; d >= 1; d--) {
			const ts: number[] = [];
			const values: number[] = [];
			for (let t = end - d * DAY; t < end - (d - 1) * DAY; t += 60_000) {
				ts.push(t);
				values.push(Math.round(Math.max(0, (60 + 45 * Math.sin((2 * Math.PI * (t % DAY)) / DAY)) * (1 + 0.08 * lr.gauss())) * 100) / 100);
			}
			const r = await long.write([{ name: 'bench_latency_90d_ms', labels: { series: '0' }, ts, values, intervalMs: 60_000 }]);
			if (r.accepted !== ts.length) throw new Error(`the store refused samples of the 90-day series: ${JSON.stringify(r)}`);
		}
		await sealAll(long);

		// Charts of one series, ~1,000 points each.
		progress('Timing chart queries…');
		const sel = 'bench_latency_ms{series="3"}';
		const now = end;
		const chart = (range: number) => () => store.range(sel, now - range, now, range / 1000);
		const c1h = await timeQuery(chart(HOUR), 300);
		const c24h = await timeQuery(chart(DAY), 500);
		const chart90d = () => store.range('bench_latency_90d_ms', now - 90 * DAY, now, (90 * DAY) / 1000);
		const c90d = await timeQuery(chart90d, 300);
		const check = await store.range(sel, now - DAY, now, DAY / 1000);
		const wantPoints = Math.min(900, Math.floor(SAMPLES / 86.4) - 5);
		if (check[0]!.resolution !== '1m' || check[0]!.t.length < wantPoints) throw new Error(`unexpected 24 h chart: ${check[0]!.resolution}, ${check[0]!.t.length} points`);
		const check90d = (await chart90d())[0]!;
		if (check90d.resolution !== '1h' || check90d.t.length < 900) throw new Error(`unexpected 90-day chart: ${check90d.resolution}, ${check90d.t.length} points`);

		// Dropping a day: every key of one day of the gauges, as expiry would.
		progress('Timing dropping a day…');
		const dayIdx = Math.floor((end - 5 * DAY) / DAY);
		const dayKeys: string[] = [];
		const sids = (await store.series('bench_latency_ms')).map((s) => s.id);
		for (const sid of sids) {
			for (let h = dayIdx * 24; h < dayIdx * 24 + 24; h++) dayKeys.push(`bench:ts:{${sid}}:r:${h}`);
			dayKeys.push(`bench:ts:{${sid}}:m:${dayIdx}`);
		}
		await redis.config('SET', 'slowlog-log-slower-than', '0');
		await redis.slowlog('RESET');
		const d0 = performance.now();
		const pipe = redis.pipeline();
		for (const k of dayKeys) pipe.unlink(k);
		const dropped = ((await pipe.exec()) ?? []).reduce((n, [, v]) => n + (v as number), 0);
		const dropMs = performance.now() - d0;
		const log = (await redis.slowlog('GET', 1000)) as Array<[number, number, number, string[]]>;
		const unlinkMicros = log.filter((e) => String(e[3]?.[0]).toLowerCase() === 'unlink').map((e) => e[2]);
		await redis.config('SET', 'slowlog-log-slower-than', '10000');

		// The store drops old data by key expiry: the keys of the day before expire, then are read, so
		// that Redis deletes each on access (as an expiry cycle would); the slow log times each of
		// those deletions.
		const expDay = dayIdx - 1;
		const expKeys = sids.flatMap((sid) => [...Array.from({ length: 24 }, (_, h) => `bench:ts:{${sid}}:r:${expDay * 24 + h}`), `bench:ts:{${sid}}:m:${expDay}`]);
		const ep = redis.pipeline();
		for (const k of expKeys) ep.pexpire(k, 1);
		const expiring = ((await ep.exec()) ?? []).reduce((n, [, v]) => n + (v as number), 0);
		await new Promise((r) => setTimeout(r, 20));
		await redis.config('SET', 'slowlog-log-slower-than', '0');
		await redis.slowlog('RESET');
		const xp = redis.pipeline();
		for (const k of expKeys) xp.exists(k);
		const left = ((await xp.exec()) ?? []).reduce((n, [, v]) => n + (v as number), 0);
		const xlog = (await redis.slowlog('GET', 1000)) as Array<[number, number, number, string[]]>;
		const expireMicros = xlog.filter((e) => String(e[3]?.[0]).toLowerCase() === 'exists').map((e) => e[2]);
		await redis.config('SET', 'slowlog-log-slower-than', '10000');

		const total = SAMPLES * SERIES;
		const result = {
			series: SERIES,
			samples_per_series: SAMPLES,
			ingest_samples_per_s: Math.round(total / (g.ms / 1000)),
			ingest_int_samples_per_s: Math.round(total / (c.ms / 1000)),
			append_ceiling_per_s: Math.round(appendCeiling),
			ingest_to_ceiling: Number((total / (g.ms / 1000) / appendCeiling).toFixed(2)),
			ingest_live_samples_per_s: Math.round((LIVE_SERIES * (LIVE_ROUNDS - 1)) / (liveMs / 1000)),
			seal_ms: Math.round(sealGaugesMs),
			bytes_per_sample: Number(((m1 - m0) / total).toFixed(3)),
			bytes_per_sample_before_seal: Number(((mOpen - m0) / total).toFixed(3)),
			bytes_per_sample_int: Number(((m2 - m1) / total).toFixed(3)),
			encoded_bytes_per_sample: Number((encoded / total).toFixed(3)),
			encoded_raw_bytes_per_sample: Number((encodedRaw / total).toFixed(3)),
			chart_1h_p50_ms: Number(percentile(c1h, 50).toFixed(2)),
			chart_24h_p50_ms: Number(percentile(c24h, 50).toFixed(2)),
			chart_24h_p99_ms: Number(percentile(c24h, 99).toFixed(2)),
			chart_90d_p50_ms: Number(percentile(c90d, 50).toFixed(2)),
			drop_day_ms: Number(dropMs.toFixed(2)),
			drop_day_keys: dropped,
			drop_day_max_unlink_us: unlinkMicros.length ? Math.max(...unlinkMicros) : null,
			drop_day_expired_keys: expiring - left,
			drop_day_max_expire_us: expireMicros.length ? Math.max(...expireMicros) : null
		};
		if (g.written !== total || c.written !== total) throw new Error(`wrote ${g.written} and ${c.written} samples, expected ${total} each`);
		process.stdout.write(`${JSON.stringify(result)}\n`);
		await store.close();
		await counters.close();
	} finally {
		redis.disconnect();
		server.stop();
	}
}

main().catch((err: Error) => {
	process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
	process.exit(1);
});
