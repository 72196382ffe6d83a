/**
 * `npm run bench:query`: query_range latency of the Prometheus-compatible API's query path (parse,
 * read from a RedisStore on a private redis-server, evaluate, shape the JSON), without HTTP.
 *
 * Data: 100 gauges and 100 counters, 90 days each: every 5 min until the last day, then every
 * 15 s (6.3 M samples), sealed as the store's sealer would.
 * 1. A 24 h window at a 60 s step over 100 series (raw samples, Prometheus' exact answers).
 * 2. A 90-day window at a 1 h step over 100 series (hour rollups).
 * Medians of 5 runs after one warm-up. Progress goes to stderr; the result is one JSON line on stdout.
 */
import { Redis } from 'ioredis';
import { rangeQuery } from '../../src/lib/server/prom-api/query';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { DAY, HOUR, resolveRetention, type SeriesSamples } from '../../src/lib/server/tsdb/types';
import { startBenchRedis } from './redis';

const SERIES = 100;
const DAYS = 90;
const progress = (msg: string) => process.stderr.write(`${msg}\n`);

function median(xs: number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)]!;
}

async function main() {
	const end = Math.floor(Date.now() / HOUR) * HOUR;
	const now = end + 2 * HOUR;
	const server = await startBenchRedis();
	const client = new Redis(server.url);
	try {
		// Written with a raw retention that takes 90 days of history; read with the default one.
		const store = new RedisStore(client, { prefix: 'bq:', now: () => now, liveKey: null, retention: { raw: (DAYS + 1) * DAY } });
		const counters = new Array<number>(SERIES).fill(0);
		let samples = 0;
		const w0 = performance.now();
		for (let d = DAYS; d >= 1; d--) {
			const from = end - d * DAY;
			const interval = d === 1 ? 15_000 : 300_000;
			const batch: SeriesSamples[] = [];
			for (let s = 0; s < SERIES; s++) {
				const ts: number[] = [];
				const gauge: number[] = [];
				const counter: number[] = [];
				for (let t = from; t < from + DAY; t += interval) {
					ts.push(t);
					gauge.push(Math.round(100 * (50 + 30 * Math.sin(t / 7_200_000 + s))) / 100);
					counters[s]! += 1 + ((t / interval + s) % 7);
					counter.push(counters[s]!);
				}
				batch.push({ name: 'bench_latency_ms', labels: { instance: `i${s}`, job: 'shop' }, ts, values: gauge, intervalMs: interval });
				batch.push({ name: 'bench_requests_total', labels: { instance: `i${s}`, job: 'shop' }, ts, values: counter, intervalMs: interval });
				samples += 2 * ts.length;
			}
			const r = await store.write(batch);
			const refused = Object.values(r.rejected).reduce((a, b) => a + b, 0);
			if (refused) throw new Error(`the store refused ${refused} samples: ${JSON.stringify(r)}`);
			if (d % 15 === 0) progress(`  written ${DAYS - d + 1} of ${DAYS} days…`);
		}
		const writeMs = performance.now() - w0;
		progress(`Wrote ${samples.toLocaleString('en-US')} samples in ${(writeMs / 1000).toFixed(1)} s; sealing…`);
		const s0 = performance.now();
		while ((await store.sealDue(5000)) > 0) {
			// drain
		}
		progress(`  sealed in ${((performance.now() - s0) / 1000).toFixed(1)} s`);

		const reader = new RedisStore(client, { prefix: 'bq:', now: () => now, liveKey: null });
		const deps = { store: reader, now, retention: resolveRetention(undefined) };
		const measure = async (query: string, start: number, step: number) => {
			const runs: number[] = [];
			let points = 0;
			let plan = '';
			for (let i = 0; i < 6; i++) {
				const t0 = performance.now();
				const r = await rangeQuery(deps, { query, start, end, step, timeoutMs: 120_000 });
				const text = JSON.stringify(r.data);
				if (i > 0) runs.push(performance.now() - t0);
				if (r.data.resultType !== 'matrix' || r.data.result.length !== SERIES) throw new Error(`${query}: expected ${SERIES} series, got ${text.slice(0, 200)}`);
				points = r.data.result.reduce((n, s) => n + s.values.length, 0);
				plan = r.plan.kind === 'raw' ? 'raw' : `rollup ${r.plan.widthMs / HOUR >= 1 ? `${r.plan.widthMs / HOUR}h` : `${r.plan.widthMs / 60_000}m`}`;
			}
			progress(`  ${query} [${((end - start) / DAY).toFixed(0)} d / ${step / 1000} s]: ${median(runs).toFixed(0)} ms (${plan}, ${points.toLocaleString('en-US')} points)`);
			return { ms: Number(median(runs).toFixed(1)), plan, points };
		};
		progress('query_range, 24 h at 60 s over 100 series:');
		const dayGauge = await measure('bench_latency_ms', end - DAY, 60_000);
		const dayRate = await measure('rate(bench_requests_total[5m])', end - DAY, 60_000);
		progress('query_range, 90 days at 1 h over 100 series:');
		const longGauge = await measure('bench_latency_ms', end - DAYS * DAY + HOUR, HOUR);
		const longAvg = await measure('avg_over_time(bench_latency_ms[1h])', end - DAYS * DAY + HOUR, HOUR);
		const longRate = await measure('rate(bench_requests_total[1h])', end - DAYS * DAY + 2 * HOUR, HOUR);

		process.stdout.write(
			`${JSON.stringify({
				series: SERIES,
				samples,
				range_24h_60s_selector_ms_p50: dayGauge.ms,
				range_24h_60s_rate_ms_p50: dayRate.ms,
				range_24h_read: dayRate.plan,
				range_90d_1h_selector_ms_p50: longGauge.ms,
				range_90d_1h_avg_over_time_ms_p50: longAvg.ms,
				range_90d_1h_rate_ms_p50: longRate.ms,
				range_90d_read: longRate.plan
			})}\n`
		);
		await store.close();
		await reader.close();
	} finally {
		client.disconnect();
		server.stop();
	}
}

main().catch((err: Error) => {
	process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
	process.exit(1);
});
