/**
 * `npm run bench:peers`: Vigil side by side with Prometheus 2.42 (Debian's `prometheus`) on this
 * machine, on the same target and the same data, the two interleaved (A B A B…).
 *
 * - A loopback target (its own process) exposes N series (default 10,000) in the text format:
 *   40 % full-precision gauges (new random values every scrape), 40 % counters rising 100/s, 20 %
 *   static gauges; groups of 100 series (`group` label).
 * - Prometheus runs from its own temporary data directory on a free port; Vigil's collect role
 *   (scheduler, prometheus source, buffer, RedisStore with its live stream and sealer, as
 *   `vigil start` wires them) runs in a child process on its own redis-server on a free port.
 * - Ingest: rounds of a phase of Prometheus scraping the target (a config reload adds, then
 *   removes, the job) and a phase of Vigil scraping it (the child adds, then removes, the target
 *   and waits until every sample is stored). CPU seconds per million stored samples from
 *   /proc/<pid>/stat: Prometheus; Vigil's child plus its redis-server. RSS of both at the end.
 * - Queries, interleaved, medians after a warm-up: an instant query over 100 series, an instant
 *   rate() over 100 series, a 24 h range (step 60 s) of one series of 86,400 raw samples
 *   (backfilled into Prometheus with promtool, written into Vigil's store). Vigil's are answered
 *   in this process (parse, read, evaluate, JSON), Prometheus's over HTTP. The answers are checked
 *   equal (labels and values; rate within 10 %, as the two scrape at different instants and a busy machine moves them).
 * - Storage: bytes per sample of the 24 h full-precision series (Prometheus: its block's chunk
 *   files; Vigil: its sealed raw keys), and of Vigil's open (unsealed) hour for full-precision
 *   gauges, for counters, and for the live gauges (raw chunk and open minute records, as Redis
 *   allocates them: MEMORY USAGE).
 *
 * - Rules: 1,000 alerting rules over 1,000 series, CPU per evaluation of the group (peers-rules.ts).
 * - Alerts: threshold flip → firing webhook, Vigil beside Prometheus + Alertmanager, `for: 0`,
 *   1 s scrape and evaluation, group_wait 0 (peers-alerts.ts); skipped when Alertmanager is absent.
 *
 * Flags: --series N, --rounds R (3), --phase S (seconds per phase, 15), --queries Q (15),
 * --interval S (scrape interval, 1), --skip-rules, --flips F (alert flips per side, 12),
 * --skip-alerts, --alerts-only (only the alert latency comparison), --rules-only (only the rule
 * evaluation comparison). VIGIL_PEERS_NODE_OPTIONS adds node flags to Vigil's process
 * (`--cpu-prof --cpu-prof-dir=prof` profiles it). Skips with a message when /usr/bin/prometheus or promtool is
 * absent (Debian: apt-get install prometheus prometheus-alertmanager).
 * Progress goes to stderr; the result is one JSON line on stdout.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createAddressPolicy } from '../../collectors/net/address-policy';
import { SampleBuffer } from '../../collectors/buffer';
import { collectorConfig, createCollector } from '../../collectors/registry';
import { Scheduler } from '../../collectors/scheduler';
import { createLogger } from '../../src/lib/server/log';
import { instantQuery, rangeQuery, type QueryData } from '../../src/lib/server/prom-api/query';
import { freePort } from '../../src/lib/server/redis/embedded';
import { liveSeriesSelect } from '../../src/lib/server/web/live-series';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { StoreSink } from '../../src/lib/server/tsdb/sink';
import { DAY, HOUR, resolveRetention } from '../../src/lib/server/tsdb/types';
import { ALERT_BINARIES, compareAlertLatency, vigilChild, type AlertLatency } from './peers-alerts';
import { compareRules } from './peers-rules';
import { startBenchRedis } from './redis';

const PROMETHEUS = process.env.PROMETHEUS ?? '/usr/bin/prometheus';
const PROMTOOL = process.env.PROMTOOL ?? '/usr/bin/promtool';
const PREFIX = 'vp:';
const progress = (msg: string) => process.stderr.write(`${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- /proc ---------------------------------------------------------------------------------

const TICKS = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

/** User + system CPU seconds of a process so far. */
function cpuSeconds(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	// Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the command's closing parenthesis.
	return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

function rssMb(pid: number): number {
	const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	return m ? Number(m[1]) / 1024 : NaN;
}

// ---- statistics ----------------------------------------------------------------------------

function stats(xs: number[], digits = 2) {
	const s = [...xs].sort((a, b) => a - b);
	const r = (x: number) => Number(x.toFixed(digits));
	return { median: r(s[Math.floor(s.length / 2)] ?? NaN), min: r(s[0] ?? NaN), max: r(s.at(-1) ?? NaN) };
}

/** Medians of both sides and the ratio Vigil / Prometheus (median of the pairwise ratios, with their range). */
function compare(prom: number[], vigil: number[], digits = 2) {
	const ratios = prom.map((p, i) => vigil[i]! / p);
	return { prometheus: stats(prom, digits), vigil: stats(vigil, digits), ratio: stats(ratios, 2) };
}

// ---- the target ----------------------------------------------------------------------------

function targetCode(n: number, port: number): string {
	return `
const http = require('http');
const N = ${n};
const G = Math.floor(N * 0.4), C = Math.floor(N * 0.4), S = N - G - C;
const lab = (i) => 'group="g' + Math.floor(i / 100) + '",idx="' + i + '"';
const gauges = Array.from({ length: G }, (_, i) => 'peer_gauge{' + lab(i) + '} ');
const counters = Array.from({ length: C }, (_, i) => 'peer_requests_total{' + lab(i) + '} ');
const statics = Array.from({ length: S }, (_, i) => 'peer_static{' + lab(i) + '} ' + ((i % 1000) / 4)).join('\\n');
http.createServer((q, s) => {
  const out = ['# TYPE peer_gauge gauge'];
  for (let i = 0; i < G; i++) out.push(gauges[i] + Math.random() * 1000);
  out.push('# TYPE peer_requests_total counter');
  const t = Math.floor(Date.now() / 10);
  for (let i = 0; i < C; i++) out.push(counters[i] + (i * 1000 + t));
  out.push('# TYPE peer_static gauge', statics, '');
  s.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
  s.end(out.join('\\n'));
}).listen(${port}, '127.0.0.1', () => console.log('ready'));
`;
}

// ---- Vigil's collect role, in a child process ----------------------------------------------

async function child(redisUrl: string, url: string, intervalS: number): Promise<void> {
	const log = createLogger({ level: 'silent' });
	const registry = new Registry();
	const client = new Redis(redisUrl);
	// The live stream carries the series boards show, as `vigil start` passes its boards: here a wall
	// that shows the target's `up`.
	const store = new RedisStore(client, { prefix: PREFIX, registry, log, liveSelect: liveSeriesSelect({ tiles: [{ title: 'Up', selector: 'up' }] }) });
	store.startSealer();
	const config = collectorConfig.parse({ kind: 'prometheus', name: 'peer', url, interval: `${intervalS}s` });
	const collector = () => createCollector(config, { log, addressPolicy: createAddressPolicy(['127.0.0.1']) });
	// The collect role's parts (startCollectRole), with a buffer that holds every phase's backlog: the
	// role sizes its buffer from its targets, so removing the target at a phase's end would drop it.
	const buffer = new SampleBuffer(new StoreSink(store, log), { log, registry, maxSamples: 50_000_000 });
	const scheduler = new Scheduler({ log, registry, emit: (samples) => buffer.push(samples), emitMetadata: (m) => void store.setMetadata(m).catch(() => {}) });
	scheduler.start();
	const value = async (name: string, labels: Record<string, string> = {}) => {
		const m = registry.getSingleMetric(name);
		if (!m) return 0;
		const got = await m.get();
		return got.values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((n, v) => n + v.value, 0);
	};
	const send = (m: unknown) => process.send!(m);
	process.on('message', (msg: { cmd: string }) => {
		void (async () => {
			if (msg.cmd === 'start') {
				await scheduler.set([{ collector: collector(), key: 'peer' }]);
				send({ ok: 'started' });
			} else if (msg.cmd === 'stop') {
				await scheduler.set([]);
				await buffer.flush();
				send({
					ok: 'stopped',
					written: await value('vigil_tsdb_samples_written_total'),
					timeouts: await value('vigil_collector_runs_total', { outcome: 'timeout' }),
					runs: await value('vigil_collector_runs_total'),
					rejected: await value('vigil_tsdb_samples_rejected_total'),
					dropped: await value('vigil_samples_dropped_total'),
					// Where the process' memory is (MB): the JavaScript heap in use and reserved, and Buffers.
					memory_mb: Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, Math.round(v / 1e6)]))
				});
			} else if (msg.cmd === 'exit') {
				await scheduler.stop();
				await buffer.close();
				await store.close();
				client.disconnect();
				process.exit(0);
			}
		})();
	});
	send({ ok: 'ready' });
}

class VigilChild {
	private waiters: Array<(m: Record<string, unknown>) => void> = [];
	constructor(readonly proc: ChildProcess) {
		proc.on('message', (m: Record<string, unknown>) => this.waiters.shift()?.(m));
	}
	next(): Promise<Record<string, unknown>> {
		return new Promise((r) => this.waiters.push(r));
	}
	async ask(cmd: string): Promise<Record<string, unknown>> {
		const p = this.next();
		this.proc.send({ cmd });
		return p;
	}
}

// ---- Prometheus ----------------------------------------------------------------------------

interface Prom {
	url: string;
	pid: number;
	scrape(on: boolean): Promise<void>;
	/** Loads a rule file and scrapes its data's target every second (null: neither). */
	rules(file: string | null, target: string): Promise<void>;
	/** The sum of a metric's lines in Prometheus' own /metrics. */
	metric(name: string): Promise<number>;
	appended(): Promise<number>;
	get(path: string, params: Record<string, string>): Promise<QueryData>;
	stop(): Promise<void>;
}

async function startProm(dir: string, target: string, intervalS: number): Promise<Prom> {
	const port = await freePort();
	const configFile = join(dir, 'prometheus.yml');
	let rules: { file: string; target: string } | null = null;
	let scraping = false;
	const writeConfig = () =>
		writeFileSync(
			configFile,
			JSON.stringify({
				global: { scrape_interval: `${intervalS}s`, evaluation_interval: '1s' },
				...(rules ? { rule_files: [rules.file] } : {}),
				scrape_configs: [
					...(scraping
						? [{ job_name: 'peer', scrape_interval: `${intervalS}s`, scrape_timeout: `${Math.round(intervalS * 800)}ms`, static_configs: [{ targets: [target] }] }]
						: []),
					...(rules ? [{ job_name: 'rules', scrape_interval: '1s', static_configs: [{ targets: [rules.target] }] }] : [])
				]
			})
		);
	writeConfig();
	const proc = spawn(
		PROMETHEUS,
		[`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-lifecycle', '--log.level=warn'],
		{ stdio: ['ignore', 'ignore', 'pipe'] }
	);
	let stderr = '';
	proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
	const url = `http://127.0.0.1:${port}`;
	const deadline = Date.now() + 60_000;
	for (;;) {
		try {
			if ((await fetch(`${url}/-/ready`)).ok) break;
		} catch {
			/* not yet */
		}
		if (proc.exitCode !== null || Date.now() > deadline) {
			proc.kill('SIGKILL');
			throw new Error(`prometheus did not become ready: ${stderr}`);
		}
		await sleep(200);
	}
	return {
		url,
		pid: proc.pid!,
		async scrape(on) {
			scraping = on;
			writeConfig();
			const res = await fetch(`${url}/-/reload`, { method: 'POST' });
			if (!res.ok) throw new Error(`prometheus reload: HTTP ${res.status} ${await res.text()}`);
		},
		async rules(file, rulesTarget) {
			rules = file ? { file, target: rulesTarget } : null;
			writeConfig();
			const res = await fetch(`${url}/-/reload`, { method: 'POST' });
			if (!res.ok) throw new Error(`prometheus reload: HTTP ${res.status} ${await res.text()}`);
		},
		async metric(name) {
			const text = await (await fetch(`${url}/metrics`)).text();
			let total = 0;
			for (const line of text.split('\n')) if (line.startsWith(name)) total += Number(line.split(' ').at(-1));
			return total;
		},
		async appended() {
			const text = await (await fetch(`${url}/metrics`)).text();
			// A vector by type, absent until the first sample is appended.
			let total = 0;
			for (const line of text.split('\n')) if (line.startsWith('prometheus_tsdb_head_samples_appended_total')) total += Number(line.split(' ').at(-1));
			return total;
		},
		async get(path, params) {
			const res = await fetch(`${url}${path}?${new URLSearchParams(params)}`);
			const body = (await res.json()) as { status: string; error?: string; data: QueryData };
			if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`);
			return body.data;
		},
		async stop() {
			if (proc.exitCode === null) {
				const exited = new Promise((r) => proc.once('exit', r));
				proc.kill('SIGTERM');
				await Promise.race([exited, sleep(10_000)]);
				if (proc.exitCode === null) proc.kill('SIGKILL');
			}
		}
	};
}

// ---- the 24 h history ----------------------------------------------------------------------

/** A seeded full-precision random walk (mulberry32), the same on both sides. */
function history(end: number, stepMs: number): { ts: number[]; values: number[] } {
	let a = 0x9e3779b9;
	const rnd = () => {
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const ts: number[] = [];
	const values: number[] = [];
	let v = 500;
	for (let t = end - DAY + stepMs; t <= end; t += stepMs) {
		v += rnd() - 0.5;
		ts.push(t);
		values.push(v);
	}
	return { ts, values };
}

function dirBytes(path: string, match: (p: string) => boolean): number {
	let n = 0;
	for (const e of readdirSync(path, { withFileTypes: true })) {
		const p = join(path, e.name);
		if (e.isDirectory()) n += dirBytes(p, match);
		else if (match(p)) n += statSync(p).size;
	}
	return n;
}

// ---- comparing answers ---------------------------------------------------------------------

type Row = { key: string; values: Array<[number, number]> };

function rows(d: QueryData): Row[] {
	const key = (m: Record<string, string>) => `${m.__name__ ?? ''}{${m.group ?? ''},${m.idx ?? ''},${m.series ?? ''}}`;
	if (d.resultType === 'vector') return d.result.map((r) => ({ key: key(r.metric), values: [[Number(r.value[0]), Number(r.value[1])]] as Array<[number, number]> })).sort((x, y) => (x.key < y.key ? -1 : 1));
	if (d.resultType === 'matrix') return d.result.map((r) => ({ key: key(r.metric), values: r.values.map(([t, v]) => [Number(t), Number(v)] as [number, number]) })).sort((x, y) => (x.key < y.key ? -1 : 1));
	return [{ key: 'scalar', values: [[Number(d.result[0]), Number(d.result[1])]] }];
}

/** Null when the two answers agree (same series, same values within `tolerance`, relative); else what differs. */
function differs(prom: QueryData, vigil: QueryData, tolerance: number, sameTimes: boolean): string | null {
	const a = rows(prom);
	const b = rows(vigil);
	if (a.length !== b.length) return `${a.length} series from Prometheus, ${b.length} from Vigil`;
	for (let i = 0; i < a.length; i++) {
		if (a[i]!.key !== b[i]!.key) return `series ${a[i]!.key} vs ${b[i]!.key}`;
		const x = a[i]!.values;
		const y = b[i]!.values;
		if (x.length !== y.length) return `${a[i]!.key}: ${x.length} points vs ${y.length}`;
		for (let k = 0; k < x.length; k++) {
			if (sameTimes && x[k]![0] !== y[k]![0]) return `${a[i]!.key}: point ${k} at ${x[k]![0]} vs ${y[k]![0]}`;
			const [p, v] = [x[k]![1], y[k]![1]];
			if (Math.abs(p - v) > tolerance * Math.max(Math.abs(p), Math.abs(v))) return `${a[i]!.key}: ${p} vs ${v}`;
		}
	}
	return null;
}

// ---- main ----------------------------------------------------------------------------------

async function main() {
	const { values: flags } = parseArgs({
		options: {
			series: { type: 'string', default: '10000' },
			rounds: { type: 'string', default: '3' },
			phase: { type: 'string', default: '15' },
			queries: { type: 'string', default: '15' },
			interval: { type: 'string', default: '1' },
			'skip-rules': { type: 'boolean', default: false },
			flips: { type: 'string', default: '12' },
			'skip-alerts': { type: 'boolean', default: false },
			'alerts-only': { type: 'boolean', default: false },
			'rules-only': { type: 'boolean', default: false }
		}
	});
	if (flags['alerts-only']) return alertsOnly(Number(flags.flips));
	if (flags['rules-only']) return rulesOnly(Number(flags.rounds));
	const N = Number(flags.series);
	const rounds = Number(flags.rounds);
	const phaseMs = Number(flags.phase) * 1000;
	const queries = Number(flags.queries);
	const intervalS = Number(flags.interval);
	if (!(N >= 500) || !(rounds >= 1) || !(phaseMs >= 5000) || !(queries >= 2) || !(intervalS > 0)) {
		throw new Error('flags: --series at least 500, --rounds at least 1, --phase at least 5 (s), --queries at least 2, --interval above 0 (s)');
	}
	for (const bin of [PROMETHEUS, PROMTOOL]) {
		if (!existsSync(bin)) {
			const why = `${bin} is absent: install Prometheus 2.42 (Debian: apt-get install prometheus prometheus-alertmanager) to compare Vigil with it`;
			progress(`bench:peers skipped: ${why}`);
			process.stdout.write(`${JSON.stringify({ bench: 'peers', skipped: why })}\n`);
			return;
		}
	}

	const dir = mkdtempSync(join(tmpdir(), 'vigil-peers-'));
	const cleanup: Array<() => unknown> = [() => rmSync(dir, { recursive: true, force: true })];
	try {
		// The target.
		const targetPort = await freePort();
		const target = spawn(process.execPath, ['-e', targetCode(N, targetPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
		cleanup.push(() => target.kill());
		await new Promise<void>((r) => target.stdout!.once('data', () => r()));
		const targetUrl = `http://127.0.0.1:${targetPort}/metrics`;

		// 24 h of one full-precision series at 1 s: backfilled into Prometheus, written into Vigil.
		const histEnd = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
		const hist = history(histEnd, 1000);
		progress(`Backfilling ${hist.ts.length.toLocaleString('en-US')} samples of a 24 h series into Prometheus (promtool)…`);
		const om = ['# TYPE peer_history gauge', ...hist.ts.map((t, i) => `peer_history{series="h"} ${hist.values[i]} ${t / 1000}`), '# EOF', ''].join('\n');
		writeFileSync(join(dir, 'history.om'), om);
		const data = join(dir, 'data');
		const bf = spawnSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'history.om'), data], { encoding: 'utf8' });
		if (bf.status !== 0) throw new Error(`promtool backfill failed: ${bf.stderr}`);
		const promChunkBytes = dirBytes(data, (p) => /\/chunks\/\d+$/.test(p));

		const redis = await startBenchRedis();
		cleanup.push(() => redis.stop());
		const client = new Redis(redis.url);
		cleanup.push(() => client.disconnect());
		const writer = new RedisStore(client, { prefix: PREFIX, liveKey: null });
		for (let i = 0; i < hist.ts.length; i += 3600) {
			const r = await writer.write([{ name: 'peer_history', labels: { series: 'h' }, ts: hist.ts.slice(i, i + 3600), values: hist.values.slice(i, i + 3600), intervalMs: 1000 }]);
			if (r.accepted !== Math.min(3600, hist.ts.length - i)) throw new Error(`Vigil refused history samples: ${JSON.stringify(r)}`);
		}
		while ((await writer.sealDue(5000)) > 0) {
			// seal every closed hour, as the sealer would
		}
		const [histInfo] = await writer.series('peer_history');
		let vigilHistBytes = 0;
		for (let c = Math.floor((histEnd - DAY) / HOUR); c <= Math.floor(histEnd / HOUR); c++) vigilHistBytes += await client.strlen(`${PREFIX}ts:{${histInfo!.id}}:r:${c}`);

		// An open hour as scraping leaves it: 50 full-precision gauges, one write a second for an hour
		// (clock driven), with the sealer's pass every 15 s as `startSealer` runs it, before the hour
		// ends; raw chunks and open minute records as Redis allocates them.
		let openHourBytes = 0;
		let openHourCounterBytes = 0;
		{
			const start = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
			let clock = start;
			const open = new RedisStore(client, { prefix: 'vo:', liveKey: null, now: () => clock });
			for (let t = start; t < start + HOUR; t += 1000) {
				clock = t;
				await open.write([
					...Array.from({ length: 50 }, (_, i) => ({ name: 'open_gauge', labels: { i: String(i) }, ts: [t], values: [Math.random() * 1000], intervalMs: 1000 })),
					// Counters as the target serves them: rising 100 a second.
					...Array.from({ length: 50 }, (_, i) => ({ name: 'open_counter', labels: { i: String(i) }, ts: [t], values: [i * 1000 + (t - start) / 10], intervalMs: 1000 }))
				]);
				if ((t - start) % 15_000 === 0) await open.sealDue();
			}
			const hour = start / HOUR;
			const bytes = async (metric: string) => {
				let n = 0;
				for (const s of await open.series(metric)) {
					for (const key of [`vo:ts:{${s.id}}:r:${hour}`, `vo:ts:{${s.id}}:mo:${hour}`]) n += Number((await client.call('MEMORY', 'USAGE', key)) ?? 0);
				}
				return n / (50 * 3600);
			};
			openHourBytes = await bytes('open_gauge');
			openHourCounterBytes = await bytes('open_counter');
			progress(`  Vigil's open hour: ${openHourBytes.toFixed(2)} bytes per sample (full-precision gauges), ${openHourCounterBytes.toFixed(2)} (counters)`);
		}

		progress('Starting Prometheus and Vigil’s collect role (a child process on its own redis-server)…');
		const prom = await startProm(dir, `127.0.0.1:${targetPort}`, intervalS);
		cleanup.push(() => prom.stop());
		// VIGIL_PEERS_NODE_OPTIONS: node flags for Vigil's process (e.g. --cpu-prof --cpu-prof-dir=prof).
		const nodeFlags = (process.env.VIGIL_PEERS_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
		const proc = spawn(process.execPath, [...nodeFlags, resolve('scripts/run-ts.mjs'), 'scripts/bench/peers.ts', '--child', redis.url, targetUrl, String(intervalS)], {
			stdio: ['ignore', 'inherit', 'inherit', 'ipc']
		});
		const vigil = new VigilChild(proc);
		cleanup.push(() => proc.kill('SIGKILL'));
		const ready = await vigil.next();
		if (ready.ok !== 'ready') throw new Error(`Vigil child: ${JSON.stringify(ready)}`);

		// Ingest, interleaved.
		const promCpu: number[] = [];
		const vigilCpu: number[] = [];
		const vigilNodeShare: number[] = [];
		let vigilWritten = 0;
		let vigilTimeouts = 0;
		let vigilRuns = 0;
		let promStop = 0;
		let vigilStop = 0;
		let promSamples = 0;
		for (let r = 0; r < rounds; r++) {
			{
				const s0 = await prom.appended();
				const c0 = cpuSeconds(prom.pid);
				await prom.scrape(true);
				await sleep(phaseMs);
				promStop = Date.now();
				await prom.scrape(false);
				await sleep(300);
				const samples = (await prom.appended()) - s0;
				const cpu = cpuSeconds(prom.pid) - c0;
				promSamples += samples;
				promCpu.push((cpu / samples) * 1e6);
				progress(`  round ${r + 1} Prometheus: ${samples.toLocaleString('en-US')} samples, ${cpu.toFixed(2)} CPU s`);
			}
			{
				const n0 = cpuSeconds(proc.pid!);
				const c0 = n0 + cpuSeconds(redis.pid);
				await vigil.ask('start');
				await sleep(phaseMs);
				vigilStop = Date.now();
				const res = await vigil.ask('stop');
				const nodeCpu = cpuSeconds(proc.pid!) - n0;
				const cpu = cpuSeconds(proc.pid!) + cpuSeconds(redis.pid) - c0;
				vigilNodeShare.push(nodeCpu / cpu);
				const samples = Number(res.written) - vigilWritten;
				vigilWritten = Number(res.written);
				vigilTimeouts = Number(res.timeouts);
				vigilRuns = Number(res.runs);
				vigilCpu.push((cpu / samples) * 1e6);
				progress(`  round ${r + 1} Vigil: ${samples.toLocaleString('en-US')} samples, ${cpu.toFixed(2)} CPU s (Node + Redis), ${vigilTimeouts} of ${vigilRuns} scrapes timed out so far (${JSON.stringify({ rejected: res.rejected, dropped: res.dropped, memory_mb: res.memory_mb })})`);
			}
		}
		// Where Redis spent its time (the top commands by total microseconds).
		const commandstats = String(await client.info('commandstats'))
			.split('\n')
			.flatMap((line) => {
				const m = /^cmdstat_(\w+):calls=(\d+),usec=(\d+)/.exec(line);
				return m ? [{ command: m[1]!, calls: Number(m[2]), usec: Number(m[3]) }] : [];
			})
			.sort((a, b) => b.usec - a.usec)
			.slice(0, 6);
		const rss = { prometheus: rssMb(prom.pid), vigilNode: rssMb(proc.pid!), vigilRedis: rssMb(redis.pid) };

		// Open-hour bytes per sample of the live gauges (group g0), as Redis allocates them.
		const reader = new RedisStore(client, { prefix: PREFIX, liveKey: null });
		const gauges = await reader.series('peer_gauge{group="g0"}');
		const hour = Math.floor(vigilStop / HOUR);
		let openBytes = 0;
		let openSamples = 0;
		for (const g of gauges) {
			// Raw chunks are an hour wide (the default).
			const rawKey = `${PREFIX}ts:{${g.id}}:r:${hour}`;
			openBytes += Number((await client.call('MEMORY', 'USAGE', rawKey)) ?? 0);
			openBytes += Number((await client.call('MEMORY', 'USAGE', `${PREFIX}ts:{${g.id}}:mo:${hour}`)) ?? 0);
		}
		for (const r of await reader.raw('peer_gauge{group="g0"}', hour * HOUR, vigilStop + 60_000)) openSamples += r.ts.length;

		// Queries, interleaved.
		const retention = resolveRetention(undefined);
		const shapes = [
			{ name: 'instant_100_series', query: 'peer_static{group="g3"}', tolerance: 0, kind: 'instant' as const },
			// The window lies inside each side's last phase (a shorter phase would reach back past its
			// start, where one side has fewer samples than the other, and the answers would differ).
			{ name: 'rate_100_series', query: `rate(peer_requests_total{group="g3"}[${phaseMs >= 15_000 ? 10 : Math.floor(phaseMs / 2000)}s])`, tolerance: 0.1, kind: 'instant' as const },
			{ name: 'range_24h_1_series_step_60s', query: 'peer_history', tolerance: 1e-12, kind: 'range' as const }
		];
		const latency: Record<string, { prom: number[]; vigil: number[] }> = {};
		const mismatches: string[] = [];
		for (let i = 0; i <= queries; i++) {
			for (const shape of shapes) {
				const lat = (latency[shape.name] ??= { prom: [], vigil: [] });
				let pd: QueryData;
				let vd: QueryData;
				const t0 = performance.now();
				if (shape.kind === 'instant') pd = await prom.get('/api/v1/query', { query: shape.query, time: String((promStop - 1500) / 1000) });
				else pd = await prom.get('/api/v1/query_range', { query: shape.query, start: String((histEnd - DAY + 60_000) / 1000), end: String(histEnd / 1000), step: '60' });
				const t1 = performance.now();
				const deps = { store: reader, now: Date.now(), retention };
				if (shape.kind === 'instant') vd = await instantQuery(deps, { query: shape.query, time: vigilStop - 1500 });
				else vd = (await rangeQuery(deps, { query: shape.query, start: histEnd - DAY + 60_000, end: histEnd, step: 60_000 })).data;
				JSON.stringify(vd);
				const t2 = performance.now();
				if (i > 0) {
					lat.prom.push(t1 - t0);
					lat.vigil.push(t2 - t1);
				} else {
					const d = differs(pd, vd, shape.tolerance, shape.kind === 'range');
					const points = rows(pd).reduce((n, r) => n + r.values.length, 0);
					if (d) mismatches.push(`${shape.name}: ${d}`);
					if (!points) mismatches.push(`${shape.name}: no data`);
					progress(`  ${shape.name}: ${rows(pd).length} series, ${points} points, ${d ? `DIFFERENT: ${d}` : 'same answers'}`);
				}
			}
		}

		// Rule evaluation: 1,000 alerting rules over 1,000 series.
		const rules = flags['skip-rules'] ? null : await compareRules({ dir, prom, client, redisPid: redis.pid, cpuSeconds, progress, rounds: Math.min(rounds, 3), phaseMs: 10_000 });
		if (rules && rules.firing.prometheus !== rules.firing.vigil) mismatches.push(`rules: ${rules.firing.prometheus} firing in Prometheus, ${rules.firing.vigil} in Vigil`);

		const alerts = flags['skip-alerts'] ? null : await alertLatency(dir, Number(flags.flips));

		const cpu = compare(promCpu, vigilCpu);
		const result = {
			bench: 'peers',
			series: N,
			interval_s: intervalS,
			rounds,
			phase_s: phaseMs / 1000,
			ingest_cpu_s_per_million_samples: cpu,
			vigil_cpu_share_of_node: stats(vigilNodeShare),
			samples: { prometheus: promSamples, vigil: vigilWritten },
			vigil_scrapes: vigilRuns,
			vigil_scrape_timeouts: vigilTimeouts,
			rss_mb: {
				prometheus: Math.round(rss.prometheus),
				vigil: Math.round(rss.vigilNode + rss.vigilRedis),
				vigil_node: Math.round(rss.vigilNode),
				vigil_redis: Math.round(rss.vigilRedis),
				ratio: Number(((rss.vigilNode + rss.vigilRedis) / rss.prometheus).toFixed(2))
			},
			...Object.fromEntries(shapes.map((s) => [`${s.name}_ms`, compare(latency[s.name]!.prom, latency[s.name]!.vigil, 2)])),
			bytes_per_sample: {
				prometheus_full_precision: Number((promChunkBytes / hist.ts.length).toFixed(2)),
				vigil_full_precision_sealed: Number((vigilHistBytes / hist.ts.length).toFixed(2)),
				ratio: Number((vigilHistBytes / promChunkBytes).toFixed(2)),
				vigil_open_hour: Number(openHourBytes.toFixed(2)),
				vigil_open_hour_counters: Number(openHourCounterBytes.toFixed(2)),
				vigil_open_hour_live_gauges: Number((openBytes / openSamples).toFixed(2)),
				vigil_open_hour_live_samples: openSamples
			},
			...(rules
				? {
						rules_1000_cpu_ms_per_evaluation: {
							...compare(rules.prom.map((x) => x * 1000), rules.vigil.map((x) => x * 1000)),
							vigil_without_selection_cache: stats(rules.unshared.map((x) => x * 1000)),
							firing: rules.firing
						}
					}
				: {}),
			...(alerts ? { alert_flip_to_webhook_ms: alerts } : {}),
			vigil_redis_top_commands: commandstats,
			answers_equal: mismatches.length === 0,
			...(mismatches.length ? { mismatches } : {})
		};
		const exited = new Promise((r) => proc.once('exit', r));
		proc.send({ cmd: 'exit' });
		await Promise.race([exited, sleep(10_000)]);
		process.stdout.write(`${JSON.stringify(result)}\n`);
	} finally {
		for (const c of cleanup.reverse()) await c();
	}
}

// ---- alert latency (peers-alerts.ts) ---------------------------------------------------------

/** Flip → firing (and back → resolved) webhook on both sides, Vigil on a redis-server of its own; why not, when a binary is absent. */
async function alertLatency(dir: string, flips: number): Promise<ReturnType<typeof alertFigures> | { skipped: string }> {
	const absent = ALERT_BINARIES.find((b) => !existsSync(b));
	if (absent) {
		const why = `${absent} is absent (Debian: apt-get install prometheus prometheus-alertmanager)`;
		progress(`alert latency skipped: ${why}`);
		return { skipped: why };
	}
	if (!(flips >= 2)) throw new Error('flags: --flips at least 2');
	const redis = await startBenchRedis();
	try {
		return alertFigures(await compareAlertLatency({ dir: mkdtempSync(join(dir, 'alerts-')), redisUrl: redis.url, flips, progress }));
	} finally {
		redis.stop();
	}
}

/** Medians with their range, both sides, and the ratio of the medians (Vigil / Prometheus + Alertmanager); firing, then resolved. */
function alertFigures(r: AlertLatency) {
	const p = stats(r.prometheus, 0);
	const v = stats(r.vigil, 0);
	const rp = stats(r.resolved.prometheus, 0);
	const rv = stats(r.resolved.vigil, 0);
	const sp = stats(r.fromScrape.prometheus, 0);
	const sv = stats(r.fromScrape.vigil, 0);
	return {
		flips: r.flips,
		prometheus_alertmanager: p,
		vigil: v,
		ratio: Number((v.median / p.median).toFixed(2)),
		resolved: { prometheus_alertmanager: rp, vigil: rv, ratio: Number((rv.median / rp.median).toFixed(2)) },
		from_scrape: { prometheus_alertmanager: sp, vigil: sv, ratio: Number((sv.median / sp.median).toFixed(2)) },
		missed: r.missed,
		scrape_to_evaluation_ms: r.scrapeToEvaluation,
		for_s: 0,
		interval_s: 1,
		group_wait_s: 0,
		group_interval_s: 1
	};
}

async function alertsOnly(flips: number): Promise<void> {
	const dir = mkdtempSync(join(tmpdir(), 'vigil-peers-'));
	try {
		const alerts = await alertLatency(dir, flips);
		process.stdout.write(`${JSON.stringify({ bench: 'peers', only: 'alerts', alert_flip_to_webhook_ms: alerts })}\n`);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

/** `--rules-only`: the rule evaluation comparison alone (a minute or two). */
async function rulesOnly(rounds: number): Promise<void> {
	const dir = mkdtempSync(join(tmpdir(), 'vigil-peers-'));
	const cleanup: Array<() => unknown> = [() => rmSync(dir, { recursive: true, force: true })];
	try {
		const redis = await startBenchRedis();
		cleanup.push(() => redis.stop());
		const client = new Redis(redis.url);
		cleanup.push(() => client.disconnect());
		// Prometheus scrapes nothing until the comparison gives it its rule target.
		const prom = await startProm(dir, `127.0.0.1:${await freePort()}`, 1);
		cleanup.push(() => prom.stop());
		const rules = await compareRules({ dir, prom, client, redisPid: redis.pid, cpuSeconds, progress, rounds: Math.min(rounds, 3), phaseMs: 10_000 });
		const result = {
			...compare(rules.prom.map((x) => x * 1000), rules.vigil.map((x) => x * 1000)),
			vigil_without_selection_cache: stats(rules.unshared.map((x) => x * 1000)),
			firing: rules.firing
		};
		process.stdout.write(`${JSON.stringify({ bench: 'peers', only: 'rules', rules_1000_cpu_ms_per_evaluation: result })}\n`);
	} finally {
		for (const f of cleanup.reverse()) await f();
	}
}

if (process.argv[2] === '--vigil-child') {
	vigilChild(process.argv[3]!).catch((err: Error) => {
		process.stderr.write(`vigil child failed: ${err.stack ?? err.message}\n`);
		process.exit(1);
	});
} else if (process.argv[2] === '--child') {
	child(process.argv[3]!, process.argv[4]!, Number(process.argv[5])).catch((err: Error) => {
		process.stderr.write(`vigil child failed: ${err.stack ?? err.message}\n`);
		process.exit(1);
	});
} else {
	main().catch((err: Error) => {
		process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
		process.exit(1);
	});
}
