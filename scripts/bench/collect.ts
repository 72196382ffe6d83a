/**
 * `npm run bench:collect`: collector throughput and scheduler timing.
 *
 * 1. Prometheus scrapes of a 1,000-series exposition (histograms, counters, gauges), served by a
 *    separate process, through the whole collect path (HTTP, parse, filter, label, buffer, store
 *    on a private redis-server), in the steady state (after every target's series exist):
 *    scrapes per second per core of this process's CPU time, counted until every scraped sample
 *    is stored.
 * 2. Tick jitter: 1,000 light targets at a 1 s interval; how late each run starts after its mark
 *    (p50, p99).
 * Progress goes to stderr; the result is one JSON line on stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { SampleBuffer } from '../../collectors/buffer';
import { createAddressPolicy } from '../../collectors/net/address-policy';
import { collectorConfig, createCollector } from '../../collectors/registry';
import { Scheduler } from '../../collectors/scheduler';
import { createLogger } from '../../src/lib/server/log';
import { freePort } from '../../src/lib/server/redis/embedded';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { StoreSink } from '../../src/lib/server/tsdb/sink';
import { startBenchRedis } from './redis';

const progress = (msg: string) => process.stderr.write(`${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An exposition of about 1,000 series: 5 histograms x 10 label sets x 14, 20 counters and 20 gauges x 10. */
function exposition(): string {
	const lines: string[] = [];
	for (let h = 0; h < 5; h++) {
		lines.push(`# HELP app_latency_${h}_seconds Latency.`, `# TYPE app_latency_${h}_seconds histogram`);
		for (let l = 0; l < 10; l++) {
			let cum = 0;
			for (const le of ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']) {
				cum += Math.floor(Math.random() * 100);
				lines.push(`app_latency_${h}_seconds_bucket{route="/r${l}",le="${le}"} ${cum}`);
			}
			lines.push(`app_latency_${h}_seconds_sum{route="/r${l}"} ${(cum * 0.1).toFixed(3)}`, `app_latency_${h}_seconds_count{route="/r${l}"} ${cum}`);
		}
	}
	for (let c = 0; c < 20; c++) {
		lines.push(`# TYPE app_events_${c}_total counter`);
		for (let l = 0; l < 10; l++) lines.push(`app_events_${c}_total{kind="k${l}"} ${Math.floor(Math.random() * 1e6)}`);
	}
	for (let g = 0; g < 20; g++) {
		lines.push(`# TYPE app_level_${g} gauge`);
		for (let l = 0; l < 10; l++) lines.push(`app_level_${g}{pool="p${l}"} ${(Math.random() * 100).toFixed(2)}`);
	}
	return `${lines.join('\n')}\n`;
}

async function startExpositionServer(body: string): Promise<{ url: string; child: ChildProcess }> {
	const port = await freePort();
	const code = `const http=require('http');const body=${JSON.stringify(body)};http.createServer((q,s)=>{s.writeHead(200,{'content-type':'text/plain; version=0.0.4'});s.end(body)}).listen(${port},'127.0.0.1',()=>console.log('ready'))`;
	const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
	await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
	return { url: `http://127.0.0.1:${port}/metrics`, child };
}

function percentile(sorted: number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main() {
	const log = createLogger({ level: 'silent' });
	const body = exposition();
	const series = body.split('\n').filter((l) => l && !l.startsWith('#')).length;
	progress(`Serving a ${series}-series exposition (${(body.length / 1024).toFixed(0)} KiB) from a separate process…`);
	const expo = await startExpositionServer(body);
	const redis = await startBenchRedis();
	const client = new Redis(redis.url);
	try {
		// 1. Scrape throughput through the whole collect path.
		const store = new RedisStore(client, { prefix: 'bc:', liveKey: 'bc:live' });
		const buffer = new SampleBuffer(new StoreSink(store), { maxSamples: 5_000_000 });
		// A load one process sustains; the figure is per core of CPU actually spent.
		const TARGETS = 20;
		const policy = createAddressPolicy(['127.0.0.1']);
		let scrapes = 0;
		const scheduler = new Scheduler({
			concurrency: 16,
			emit: (samples) => {
				scrapes++;
				buffer.push(samples);
			}
		});
		await scheduler.set(
			Array.from({ length: TARGETS }, (_, i) => {
				const config = collectorConfig.parse({ kind: 'prometheus', name: `scrape-${i}`, url: expo.url, interval: '1s' });
				return { collector: createCollector(config, { log, addressPolicy: policy }), key: String(i) };
			})
		);
		progress(`Scraping it as ${TARGETS} targets every second…`);
		scheduler.start();
		// Warm up until every target's series exist (creating 110,000 series is a cost of its own,
		// paid once) and the buffer has caught up: the measure is the steady state.
		const warm0 = performance.now();
		while ((scrapes < TARGETS * 2 || buffer.size > 20_000) && performance.now() - warm0 < 120_000) await sleep(200);
		// Scraping goes on meanwhile, so on a machine too busy to store 20 scrapes a second the buffer
		// never empties: wait at most 30 s, then measure anyway (the CPU time spent on what is still
		// buffered counts against the scrapes measured, so the figure errs low).
		await Promise.race([buffer.flush(), sleep(30_000)]);
		const bufferedAtStart = buffer.size;
		progress(`  warmed up in ${((performance.now() - warm0) / 1000).toFixed(1)} s (${bufferedAtStart.toLocaleString('en-US')} samples still buffered); measuring for 12 s…`);
		const cpu0 = process.cpuUsage();
		const wall0 = performance.now();
		const s0 = scrapes;
		await sleep(12_000);
		const wallSeconds = (performance.now() - wall0) / 1000;
		const done = scrapes - s0;
		await scheduler.stop();
		const backlog = buffer.size;
		// The scrapes counted are stored only once the buffer is empty: the CPU time runs until then.
		progress(`  draining ${backlog.toLocaleString('en-US')} buffered samples…`);
		await buffer.close(120_000);
		const cpu = process.cpuUsage(cpu0);
		const cpuSeconds = (cpu.user + cpu.system) / 1e6;

		// 2. Tick jitter of many light targets.
		progress('Measuring tick jitter: 1,000 targets at 1 s for 10 s…');
		const late: number[] = [];
		const jitter = new Scheduler({ concurrency: 1000, emit: () => {}, onStart: (ms) => late.push(ms) });
		await jitter.set(
			Array.from({ length: 1000 }, (_, i) => ({
				collector: createCollector(collectorConfig.parse({ kind: 'demo', name: `t-${i}`, interval: '1s' }), { log, addressPolicy: policy }),
				key: String(i)
			}))
		);
		jitter.start();
		await sleep(10_500);
		await jitter.stop();
		late.sort((a, b) => a - b);

		process.stdout.write(
			`${JSON.stringify({
				exposition_series: series,
				scrape_targets: TARGETS,
				scrapes_per_s: Number((done / wallSeconds).toFixed(1)),
				buffered_at_start: bufferedAtStart,
				buffered_at_end: backlog,
				scrapes_per_s_per_core: Number((done / cpuSeconds).toFixed(1)),
				samples_per_s_per_core: Math.round((done * series) / cpuSeconds),
				cpu_seconds: Number(cpuSeconds.toFixed(2)),
				tick_jitter_p50_ms: Number(percentile(late, 50).toFixed(2)),
				tick_jitter_p99_ms: Number(percentile(late, 99).toFixed(2)),
				tick_jitter_max_ms: Number((late.at(-1) ?? NaN).toFixed(2)),
				ticks_measured: late.length
			})}\n`
		);
		await store.close();
	} finally {
		client.disconnect();
		expo.child.kill();
		redis.stop();
	}
}

main().catch((err: Error) => {
	process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
	process.exit(1);
});
