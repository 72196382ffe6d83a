/**
 * `npm run bench:cluster`: the time-series store on one Redis beside a local Redis Cluster of 3
 * masters with one replica each, on the same machine.
 *
 * For each: 20,000 series written as 30 scrapes of one sample each (four writers in parallel,
 * as four collect processes' shares would be), then reads of 400 series over the written span
 * (range at 60 s steps) and their latest samples. Reports samples/s, this process's CPU per
 * sample, the Redis servers' CPU per sample (from INFO cpu of every node, replicas included), read
 * medians, and what the store holds (series, keys and memory per master).
 *
 * All the servers share this machine's cores with the writer, so the figures show what the cluster
 * costs (routing, per-node pipelines, replication), not what it gains on separate hosts.
 * Progress goes to stderr; the result is one JSON line on stdout.
 */
import { Redis } from 'ioredis';
import { closeClient, createRedisClient, waitReady } from '../../src/lib/server/redis/client';
import { clusterUrl } from '../../src/lib/server/redis/cluster';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import type { SeriesSamples } from '../../src/lib/server/tsdb/types';
import { clusterAvailable, startTestRedisCluster } from '../../tests/helpers/redis-cluster';
import { startBenchRedis } from './redis';

const SERIES = Number(process.env.BENCH_CLUSTER_SERIES ?? 20_000);
const SCRAPES = Number(process.env.BENCH_CLUSTER_SCRAPES ?? 30);
const WRITERS = 4;
const METRICS = 50;
const STEP_MS = 10_000;
const READS = 30;

const progress = (msg: string) => process.stderr.write(`${msg}\n`);

const median = (xs: number[]) => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** CPU seconds used so far by the Redis servers at `ports` (user + sys, from INFO cpu). */
async function serverCpu(ports: number[]): Promise<number> {
	let total = 0;
	for (const port of ports) {
		const c = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
		const info = await c.info('cpu');
		c.disconnect();
		for (const m of info.matchAll(/^used_cpu_(?:sys|user):([\d.]+)/gm)) total += Number(m[1]);
	}
	return total;
}

/** Keys and used memory of the masters at `ports`. */
async function holding(ports: number[]): Promise<Array<{ port: number; keys: number; mb: number }>> {
	const out: Array<{ port: number; keys: number; mb: number }> = [];
	for (const port of ports) {
		const c = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
		const keys = await c.dbsize();
		const mem = Number(/used_memory:(\d+)/.exec(await c.info('memory'))?.[1] ?? 0);
		c.disconnect();
		out.push({ port, keys, mb: round(mem / 1024 / 1024, 1) });
	}
	return out;
}

function scrape(writer: number, t: number): SeriesSamples[] {
	const out: SeriesSamples[] = [];
	for (let i = writer; i < SERIES; i += WRITERS) {
		out.push({ name: `bench_cluster_${i % METRICS}`, labels: { instance: `host-${i}`, job: 'bench' }, ts: [t], values: [Math.sin(i + t / STEP_MS) * 100], intervalMs: STEP_MS });
	}
	return out;
}

async function measure(label: string, url: string, serverPorts: number[], masterPorts: () => Promise<number[]>) {
	const client = createRedisClient(url, { name: `bench-${label}` });
	await waitReady(client, 15_000);
	const store = new RedisStore(client, { prefix: 'bc:', liveKey: null });
	const start = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
	progress(`${label}: writing ${SERIES} series x ${SCRAPES} scrapes…`);
	// The first scrape creates the series (index, admission): timed apart from the steady state.
	const t0 = performance.now();
	await Promise.all(Array.from({ length: WRITERS }, (_, w) => store.write(scrape(w, start))));
	const createMs = performance.now() - t0;
	const cpu0 = process.cpuUsage();
	const server0 = await serverCpu(serverPorts);
	const w0 = performance.now();
	let accepted = 0;
	for (let s = 1; s < SCRAPES; s++) {
		const results = await Promise.all(Array.from({ length: WRITERS }, (_, w) => store.write(scrape(w, start + s * STEP_MS))));
		accepted += results.reduce((n, r) => n + r.accepted, 0);
		if (s % 10 === 0) progress(`${label}: scrape ${s}/${SCRAPES}`);
	}
	const wallS = (performance.now() - w0) / 1000;
	const cpu = process.cpuUsage(cpu0);
	const serverS = (await serverCpu(serverPorts)) - server0;
	const samples = SERIES * (SCRAPES - 1);
	if (accepted !== samples) throw new Error(`${label}: ${accepted} of ${samples} samples accepted`);

	progress(`${label}: reading…`);
	const rangeMs: number[] = [];
	const latestMs: number[] = [];
	for (let r = 0; r < READS; r++) {
		const sel = `bench_cluster_${r % METRICS}`;
		let t = performance.now();
		const res = await store.range(sel, start, start + SCRAPES * STEP_MS, 60_000);
		rangeMs.push(performance.now() - t);
		if (res.length !== SERIES / METRICS) throw new Error(`${label}: range gave ${res.length} series, not ${SERIES / METRICS}`);
		t = performance.now();
		const latest = await store.latest(sel);
		latestMs.push(performance.now() - t);
		if (latest.length !== SERIES / METRICS) throw new Error(`${label}: latest gave ${latest.length} series`);
	}
	const held = (await store.series([{ name: '__name__', op: '=~', value: 'bench_cluster_.*' }])).length;
	const masters = await holding(await masterPorts());
	await store.close();
	await closeClient(client);
	return {
		createSeriesMs: Math.round(createMs),
		samplesPerS: Math.round(samples / wallS),
		nodeCpuUsPerSample: round(((cpu.user + cpu.system) / samples) * 1, 2),
		redisCpuUsPerSample: round((serverS * 1e6) / samples, 2),
		rangeMedianMs: round(median(rangeMs)),
		latestMedianMs: round(median(latestMs)),
		seriesHeld: held,
		masters
	};
}

async function main(): Promise<void> {
	if (!(await clusterAvailable())) {
		progress('bench:cluster skipped: redis-server and redis-cli are needed on PATH (Debian: apt-get install redis-server redis-tools)');
		console.log(JSON.stringify({ bench: 'cluster', skipped: 'redis-server or redis-cli missing' }));
		return;
	}
	const single = await startBenchRedis();
	const singlePort = Number(new URL(single.url).port);
	let one;
	try {
		one = await measure('1 master', single.url, [singlePort], async () => [singlePort]);
	} finally {
		single.stop();
	}
	progress('starting a local cluster (3 masters, 1 replica each)…');
	const cluster = await startTestRedisCluster();
	let three;
	try {
		three = await measure('3 masters', clusterUrl(cluster.nodes), cluster.ports, () => cluster.masters());
	} finally {
		await cluster.stop();
	}
	console.log(
		JSON.stringify({
			bench: 'cluster',
			series: SERIES,
			scrapes: SCRAPES,
			writers: WRITERS,
			oneMaster: one,
			threeMasters: three,
			ratios: {
				throughput: round(three.samplesPerS / one.samplesPerS),
				nodeCpu: round(three.nodeCpuUsPerSample / one.nodeCpuUsPerSample),
				redisCpu: round(three.redisCpuUsPerSample / one.redisCpuUsPerSample),
				range: round(three.rangeMedianMs / one.rangeMedianMs),
				latest: round(three.latestMedianMs / one.latestMedianMs)
			}
		})
	);
}

main().then(
	() => process.exit(0),
	(err: unknown) => {
		console.error(err);
		process.exit(1);
	}
);
