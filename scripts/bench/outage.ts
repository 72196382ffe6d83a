/**
 * `npm run bench:outage`: do a viewer's worst queries stall the rest of Vigil?
 *
 * One Vigil process (the built `bin/vigil.js start`, every role) on a private redis-server holding
 * `--series` series (default 100,000) sampled every second for the last hour (backfilled straight
 * through RedisStore, then sealed as Vigil's sealer would). While it collects (`--collectors` demo
 * targets every 1 s) and evaluates a rule group every 1 s, `--queries` viewers (default 4) send the
 * worst query there is, `query_range {__name__=~".+"}` over the hour at a 1 s step, through the HTTP
 * API with a viewer's token, all at once. Meanwhile /healthz is asked every 50 ms.
 *
 * Printed per mode: /healthz p99 and max latency (and, for scale, over 10 s with no query), collector ticks missed
 * (`vigil_collector_ticks_missed_total`), rule group evaluations missed
 * (`vigil_rule_group_iterations_missed_total`), each query's answer, Vigil's largest RSS and Redis'
 * memory. Target: /healthz under 100 ms, nothing missed.
 *
 * Modes (`--modes`, comma-separated, run in turn on the same data):
 *   inline   `query.workers: 0`: queries evaluated on the main event loop (the old behaviour)
 *   pool     the default: queries evaluated in the worker pool
 *   default  no `query:` section at all (for a build that predates it)
 *
 * The worst day besides: `--alerts` (default 10,000) series that a rule turns into as many firing
 * alerts, and `--screens` (default 50) socket.io wall screens on a board with an alerts tile, a
 * status tile and a stat, connected with a kiosk link. Printed: how many alerts fired, each
 * screen's snapshot size, and whether every snapshot and alerts message would render (it passes
 * the screen's own schema after the screen's own list cut, and carries the true total).
 *
 * Extending: a load is one function that runs during the measured window (viewerQueries below);
 * add another (firing alerts, wall screens) next to it and to LOADS in measure(). Progress goes to
 * stderr; the result is one JSON line on stdout.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from '../../src/lib/server/redis/embedded';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import type { SeriesSamples } from '../../src/lib/server/tsdb/types';
import { io as ioClient, type Socket } from 'socket.io-client';
import { alertsMessage, fitLists, LIVE_PATH, snapshotMessage } from '../../src/lib/shared/live';
import { startBenchRedis } from './redis';

const progress = (msg: string) => process.stderr.write(`${msg}\n`);
const ROOT = resolve(import.meta.dirname ?? '.', '../..');
const VIGIL_BIN = join(resolve('.'), 'bin', 'vigil.js');
const PREFIX = 'outage:';

const { values: args } = parseArgs({
	options: {
		series: { type: 'string', default: '100000' },
		seconds: { type: 'string', default: '3600' },
		queries: { type: 'string', default: '4' },
		collectors: { type: 'string', default: '5' },
		modes: { type: 'string', default: 'inline,pool' },
		settle: { type: 'string', default: '5' },
		alerts: { type: 'string', default: '10000' },
		screens: { type: 'string', default: '50' }
	}
});
const SERIES = Number(args.series);
const SECONDS = Number(args.seconds);
const QUERIES = Number(args.queries);
const COLLECTORS = Number(args.collectors);
const MODES = args.modes!.split(',').map((m) => m.trim()) as Mode[];
const SETTLE_MS = Number(args.settle) * 1000;
const ALERTS = Number(args.alerts);
const SCREENS = Number(args.screens);
const IDLE_MS = 10_000;
type Mode = 'inline' | 'pool' | 'default';
void ROOT;

// ---- data ------------------------------------------------------------------------------------

/**
 * SERIES counters (100 metric names, `instance` label) with a sample every second over the last
 * SECONDS, ending now: small random increments, as most scraped series are. Sealed afterwards, so
 * Vigil's own sealer has nothing left to do during the measurement.
 */
async function backfill(redisUrl: string): Promise<{ samples: number; end: number }> {
	const client = new Redis(redisUrl);
	const store = new RedisStore(client, { prefix: PREFIX, liveKey: null, maxSeriesPerMetric: 1_000_000 });
	const end = Math.floor(Date.now() / 1000) * 1000;
	const start = end - (SECONDS - 1) * 1000;
	const ts = Array.from({ length: SECONDS }, (_, i) => start + i * 1000);
	const t0 = performance.now();
	let samples = 0;
	const BATCH = 200;
	for (let s0 = 0; s0 < SERIES; s0 += BATCH) {
		const batch: SeriesSamples[] = [];
		for (let s = s0; s < Math.min(SERIES, s0 + BATCH); s++) {
			const values = new Array<number>(SECONDS);
			let c = s % 1000;
			for (let i = 0; i < SECONDS; i++) values[i] = c += (i * 7 + s) % 5;
			batch.push({ name: `outage_metric_${String(s % 100).padStart(2, '0')}_total`, labels: { instance: `i${s}`, job: 'outage' }, ts, values, intervalMs: 1000 });
			samples += SECONDS;
		}
		const r = await store.write(batch);
		const refused = Object.values(r.rejected).reduce((a, b) => a + b, 0);
		if (refused) throw new Error(`the store refused ${refused} samples: ${JSON.stringify(r)}`);
		if ((s0 / BATCH) % 50 === 0) progress(`  written ${Math.min(SERIES, s0 + BATCH).toLocaleString('en-US')} of ${SERIES.toLocaleString('en-US')} series…`);
	}
	progress(`Backfilled ${samples.toLocaleString('en-US')} samples in ${((performance.now() - t0) / 1000).toFixed(1)} s; sealing the closed hour…`);
	const s0 = performance.now();
	let sealed = 0;
	for (;;) {
		const n = await store.sealDue(5000);
		sealed += n;
		if (n === 0) break;
	}
	progress(`  sealed ${sealed.toLocaleString('en-US')} buckets in ${((performance.now() - s0) / 1000).toFixed(1)} s`);
	await store.close();
	client.disconnect();
	return { samples, end };
}

// ---- the Vigil process -----------------------------------------------------------------------

interface BenchVigil {
	url: string;
	token: string;
	/** A kiosk token of the board `outage`. */
	kiosk: string;
	child: ChildProcess;
	output(): string;
	stop(): Promise<void>;
}

/** The `query:` section of each mode. */
function querySection(mode: Mode): string {
	if (mode === 'inline') return 'query:\n  workers: 0\n';
	if (mode === 'pool') return 'query: {}\n';
	return '';
}

async function startVigil(redisUrl: string, mode: Mode): Promise<BenchVigil> {
	const dir = mkdtempSync(join(tmpdir(), 'vigil-outage-'));
	writeFileSync(
		join(dir, 'outage.rules.yml'),
		`groups:
  - name: outage
    interval: 1s
    rules:
      - alert: DemoOrdersNegative
        expr: demo_orders_per_minute < 0
      - alert: DemoCollectorMissing
        expr: absent(up{kind="demo"})
  - name: outage-firing
    interval: 10s
    rules:
      - alert: OutageFiring
        expr: outage_firing > 0
        labels: { severity: warning }
`
	);
	const collectors = Array.from({ length: COLLECTORS }, (_, i) => `  - kind: demo\n    name: demo-${i}\n    shop: shop-${i}\n    interval: 1s\n`).join('');
	const config = `redis:
  prefix: "${PREFIX}"
log:
  level: warn
tsdb:
  maxSeriesPerMetric: 1000000
alerts:
  ruleFiles: [outage.rules.yml]
server:
  liveConnectionsPerIp: ${SCREENS + 20}
${querySection(mode)}collectors:
${collectors}wall:
  boards:
    - name: outage
      title: Outage
      tiles:
        - { kind: alerts, title: Active alerts, max: 6 }
        - { kind: status, title: Demo targets, selector: 'up{kind="demo"}', by: target }
        - { kind: stat, title: Orders, selector: demo_orders_per_minute }
`;
	const configFile = join(dir, 'vigil.config.yaml');
	writeFileSync(configFile, config);
	const port = await freePort();
	const env = { ...process.env, REDIS_URL: redisUrl, VIGIL_CONFIG: configFile };
	const child = spawn(process.execPath, [VIGIL_BIN, 'start', '--config', configFile], {
		cwd: dir,
		env: { ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let out = '';
	child.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
	child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
	const url = `http://127.0.0.1:${port}`;
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			const exited = new Promise((r) => child.once('exit', r));
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
			await exited;
			clearTimeout(timer);
		}
		rmSync(dir, { recursive: true, force: true });
	};
	const deadline = Date.now() + 60_000;
	for (;;) {
		if (child.exitCode !== null) throw new Error(`vigil exited (${child.exitCode}):\n${out}`);
		try {
			if ((await fetch(`${url}/readyz`)).ok) break;
		} catch {
			// not yet
		}
		if (Date.now() > deadline) {
			await stop();
			throw new Error(`vigil was not ready within 60 s:\n${out}`);
		}
		await sleep(200);
	}
	const cli = (argv: string[], input = '') => {
		const r = spawnSync(process.execPath, [VIGIL_BIN, ...argv], { cwd: dir, env, input, encoding: 'utf8', timeout: 60_000 });
		if (r.status !== 0) throw new Error(`vigil ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
		return r.stdout;
	};
	if (!cli(['users', 'list']).includes('outage-viewer')) cli(['users', 'add', 'outage-viewer', '--role', 'viewer'], 'a long enough password\n');
	const token = cli(['token', 'create', '--name', `outage-${Date.now()}`, '--user', 'outage-viewer']).split('\n')[0]!.trim();
	const kiosk = /token=(vgk_[A-Za-z0-9_-]+)/.exec(cli(['kiosk', 'create', '--board', 'outage', '--name', `outage-${Date.now()}`]))?.[1];
	if (!kiosk) throw new Error('vigil kiosk create printed no link');
	return { url, token, kiosk, child, output: () => out, stop };
}

/** Counters of Vigil's /metrics, summed over their labels, by name (empty when it does not answer). */
async function metricTotals(url: string): Promise<Map<string, number>> {
	let text: string;
	try {
		text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(120_000) })).text();
	} catch (err) {
		progress(`  /metrics did not answer: ${(err as Error).message}`);
		return new Map();
	}
	const out = new Map<string, number>();
	for (const line of text.split('\n')) {
		if (!line || line.startsWith('#')) continue;
		const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
		if (m) out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[3]));
	}
	return out;
}

// ---- watchers --------------------------------------------------------------------------------

/** Asks /healthz every `everyMs` (each request on its own, so a stalled loop shows as many late answers). */
function watchHealth(url: string, everyMs = 50): { stop(): Promise<{ polls: number; failed: number; p50: number; p99: number; max: number }> } {
	const latencies: number[] = [];
	let failed = 0;
	const inflight = new Set<Promise<void>>();
	const poll = () => {
		const t0 = performance.now();
		const p = fetch(`${url}/healthz`, { signal: AbortSignal.timeout(60_000) })
			.then(async (res) => {
				await res.arrayBuffer();
				if (!res.ok) failed++;
				latencies.push(performance.now() - t0);
			})
			.catch(() => {
				failed++;
			})
			.finally(() => inflight.delete(p));
		inflight.add(p);
	};
	const timer = setInterval(poll, everyMs);
	return {
		async stop() {
			clearInterval(timer);
			await Promise.all(inflight);
			const s = [...latencies].sort((a, b) => a - b);
			const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN);
			return { polls: s.length + failed, failed, p50: round(at(0.5)), p99: round(at(0.99)), max: round(s[s.length - 1] ?? NaN) };
		}
	};
}

/** The largest resident set of a process (from /proc) while watched, in MB. */
function watchRss(pid: number): { stop(): number } {
	let max = 0;
	const read = () => {
		try {
			const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
			if (m) max = Math.max(max, Number(m[1]) / 1024);
		} catch {
			// gone
		}
	};
	read();
	const timer = setInterval(read, 250);
	return {
		stop() {
			clearInterval(timer);
			read();
			return Math.round(max);
		}
	};
}

/**
 * How stale the collected data got: every 250 ms, the age of the newest demo sample in Redis (read
 * from this process, not through Vigil). A collector that keeps ticking keeps it near 1 s.
 */
function watchFreshness(redisUrl: string): { stop(): Promise<number> } {
	const client = new Redis(redisUrl);
	const store = new RedisStore(client, { prefix: PREFIX, liveKey: null });
	let max = 0;
	let running = true;
	const loop = (async () => {
		while (running) {
			const latest = await store.latest('demo_orders_per_minute').catch(() => []);
			if (latest.length) max = Math.max(max, Date.now() - Math.max(...latest.map((l) => l.ts)));
			await sleep(250);
		}
	})();
	return {
		async stop() {
			running = false;
			await loop;
			await store.close();
			client.disconnect();
			return round(max / 1000);
		}
	};
}

async function redisMemoryMb(redisUrl: string): Promise<number> {
	const client = new Redis(redisUrl);
	try {
		const info = await client.info('memory');
		return Math.round(Number(/used_memory:(\d+)/.exec(info)![1]) / 1024 / 1024);
	} finally {
		client.disconnect();
	}
}

// ---- loads: one function each, run together during the measured window ----------------------

interface QueryOutcome {
	status: number;
	errorType?: string;
	error?: string;
	bytes: number;
	seconds: number;
}

/** `n` viewers each ask `query_range {__name__=~".+"}` over the backfilled hour at a 1 s step, at once. */
async function viewerQueries(vigil: BenchVigil, end: number, n = QUERIES): Promise<Record<string, unknown>> {
	const params = new URLSearchParams({ query: '{__name__=~".+"}', start: String((end - (SECONDS - 1) * 1000) / 1000), end: String(end / 1000), step: '1' });
	const one = async (): Promise<QueryOutcome> => {
		const t0 = performance.now();
		try {
			const res = await fetch(`${vigil.url}/api/v1/query_range?${params}`, { headers: { authorization: `Bearer ${vigil.token}` }, signal: AbortSignal.timeout(600_000) });
			const body = Buffer.from(await res.arrayBuffer());
			const out: QueryOutcome = { status: res.status, bytes: body.length, seconds: round((performance.now() - t0) / 1000) };
			if (!res.ok) {
				try {
					const e = JSON.parse(body.toString()) as { errorType?: string; error?: string };
					Object.assign(out, { errorType: e.errorType, error: e.error });
				} catch {
					out.error = body.toString().slice(0, 200);
				}
			}
			progress(`  query answered ${out.status} in ${out.seconds} s (${out.bytes.toLocaleString('en-US')} bytes)${out.error ? `: ${out.error}` : ''}`);
			return out;
		} catch (err) {
			progress(`  query failed after ${round((performance.now() - t0) / 1000)} s: ${(err as Error).message}`);
			return { status: 0, error: (err as Error).message, bytes: 0, seconds: round((performance.now() - t0) / 1000) };
		}
	};
	const outcomes = await Promise.all(Array.from({ length: n }, one));
	return { viewer_queries: outcomes };
}

/** Keeps ALERTS series of `outage_firing` at 1 (written every 20 s), which the rule OutageFiring turns into firing alerts. */
function firingSeries(redisUrl: string): { stop(): Promise<void> } {
	const client = new Redis(redisUrl);
	const store = new RedisStore(client, { prefix: PREFIX, liveKey: `${PREFIX}live`, maxSeriesPerMetric: 1_000_000 });
	const write = async () => {
		const now = Date.now();
		for (let s0 = 0; s0 < ALERTS; s0 += 1000) {
			const batch: SeriesSamples[] = [];
			for (let s = s0; s < Math.min(ALERTS, s0 + 1000); s++) batch.push({ name: 'outage_firing', labels: { screen: `s${s}` }, ts: [now], values: [1], intervalMs: 20_000 });
			await store.write(batch);
		}
	};
	let writing = write();
	const timer = setInterval(() => (writing = writing.then(write)), 20_000);
	return {
		async stop() {
			clearInterval(timer);
			await writing.catch(() => {});
			await store.close();
			client.disconnect();
		}
	};
}

interface ScreenStats {
	snapshots: number;
	snapshotBytes: number[];
	/** Messages that the screen's schema would refuse (after its own list cut): a blank wall. */
	unreadable: number;
	alertsMessages: number;
	/** The largest true total of active alerts a screen was told. */
	total: number;
}

/** SCREENS wall screens on the board `outage`, as socket.io clients with the kiosk link. */
async function wallScreens(vigil: BenchVigil): Promise<{ screens: Socket[]; stats: ScreenStats }> {
	const stats: ScreenStats = { snapshots: 0, snapshotBytes: [], unreadable: 0, alertsMessages: 0, total: 0 };
	const screens = await Promise.all(
		Array.from({ length: SCREENS }, () => {
			const s = ioClient(vigil.url, { path: LIVE_PATH, transports: ['websocket'], auth: { kiosk: vigil.kiosk, board: 'outage' }, reconnection: true });
			s.on('snapshot', (raw: unknown) => {
				stats.snapshots++;
				stats.snapshotBytes.push(Buffer.byteLength(JSON.stringify(raw)));
				const msg = snapshotMessage.safeParse(fitLists(raw));
				if (!msg.success) stats.unreadable++;
				else stats.total = Math.max(stats.total, msg.data.alertSummary?.total ?? msg.data.alerts?.length ?? 0);
			});
			s.on('alerts', (raw: unknown) => {
				stats.alertsMessages++;
				const msg = alertsMessage.safeParse(fitLists(raw));
				if (!msg.success) stats.unreadable++;
				else stats.total = Math.max(stats.total, msg.data.alertSummary?.total ?? msg.data.alerts.length);
			});
			return new Promise<Socket>((resolve, reject) => {
				s.once('connect', () => resolve(s));
				s.once('connect_error', (e) => reject(new Error(`a wall screen could not connect: ${e.message}`)));
			});
		})
	);
	return { screens, stats };
}

// ---- one measurement -------------------------------------------------------------------------

async function measure(redisUrl: string, mode: Mode, end: number): Promise<Record<string, unknown>> {
	progress(`[${mode}] starting Vigil…`);
	const vigil = await startVigil(redisUrl, mode);
	try {
		await sleep(SETTLE_MS);
		// The worst day's wall: thousands of firing alerts, and screens watching them.
		const firing = ALERTS > 0 ? firingSeries(redisUrl) : undefined;
		const wall = SCREENS > 0 ? await wallScreens(vigil) : undefined;
		if (wall && ALERTS > 0) {
			progress(`[${mode}] waiting for ${ALERTS.toLocaleString('en-US')} alerts to fire…`);
			const deadline = Date.now() + 180_000;
			while (wall.stats.total < ALERTS && Date.now() < deadline) await sleep(1000);
			progress(`[${mode}] the screens were told of ${wall.stats.total.toLocaleString('en-US')} active alerts`);
		}
		const wallBefore = wall ? { ...wall.stats, snapshotBytes: [...wall.stats.snapshotBytes] } : undefined;
		// The floor: /healthz with no query running (the machine's own noise).
		const idle = watchHealth(vigil.url);
		await sleep(IDLE_MS);
		const floor = await idle.stop();
		const before = await metricTotals(vigil.url);
		progress(`[${mode}] ${QUERIES} viewer queries at once…`);
		const health = watchHealth(vigil.url);
		const fresh = watchFreshness(redisUrl);
		const rss = watchRss(vigil.child.pid!);
		const t0 = performance.now();
		const LOADS = [() => viewerQueries(vigil, end)];
		const results = await Promise.all(LOADS.map((load) => load()));
		const seconds = round((performance.now() - t0) / 1000);
		const h = await health.stop();
		const lag = await fresh.stop();
		const rssMb = rss.stop();
		for (const s of wall?.screens ?? []) s.disconnect();
		await firing?.stop();
		const sizes = (wall?.stats.snapshotBytes ?? []).slice().sort((a, b) => a - b);
		// Ticks and evaluations missed while the event loop was held show up once it runs again.
		await sleep(2000);
		let alive = vigil.child.exitCode === null && vigil.child.signalCode === null;
		const after = alive ? await metricTotals(vigil.url) : new Map<string, number>();
		alive &&= after.size > 0;
		const delta = (name: string) => (alive ? (after.get(name) ?? 0) - (before.get(name) ?? 0) : null);
		const figures: Record<string, unknown> = {
			mode,
			window_s: seconds,
			idle_healthz_p99_ms: floor.p99,
			idle_healthz_max_ms: floor.max,
			healthz_polls: h.polls,
			healthz_failed: h.failed,
			healthz_p50_ms: h.p50,
			healthz_p99_ms: h.p99,
			healthz_max_ms: h.max,
			collector_ticks_missed: delta('vigil_collector_ticks_missed_total'),
			collector_runs: delta('vigil_collector_runs_total'),
			collector_runs_expected: Math.floor(seconds) * COLLECTORS,
			collected_data_age_max_s: lag,
			rule_evaluations_missed: delta('vigil_rule_group_iterations_missed_total'),
			// The group has two rules, evaluated every second (a leader that lost its lease evaluates nothing, and misses nothing either).
			rule_group_iterations: alive ? delta('vigil_rule_evaluations_total')! / 2 : null,
			rule_group_iterations_expected: Math.floor(seconds),
			vigil_rss_max_mb: rssMb,
			vigil_alive: alive,
			redis_used_mb: await redisMemoryMb(redisUrl),
			alerts_active_told: wall?.stats.total ?? null,
			wall_screens: SCREENS,
			wall_snapshots: wall?.stats.snapshots ?? null,
			wall_snapshot_kb_median: sizes.length ? round(sizes[Math.floor(sizes.length / 2)]! / 1024) : null,
			wall_snapshot_kb_max: sizes.length ? round(sizes[sizes.length - 1]! / 1024) : null,
			wall_alerts_messages: wall ? wall.stats.alertsMessages - (wallBefore?.alertsMessages ?? 0) : null,
			wall_unreadable_messages: wall?.stats.unreadable ?? null,
			...Object.assign({}, ...results)
		};
		if (!alive) figures.vigil_output_tail = vigil.output().slice(-2000);
		progress(
			`[${mode}] wall: ${SCREENS} screens, told of ${figures.alerts_active_told} alerts, snapshots median ${figures.wall_snapshot_kb_median} KB (max ${figures.wall_snapshot_kb_max} KB), ${figures.wall_unreadable_messages} unreadable\n` +
			`[${mode}] /healthz p99 ${h.p99} ms, max ${h.max} ms (${h.polls} polls, ${h.failed} failed; idle p99 ${floor.p99} ms, max ${floor.max} ms); ticks missed ${figures.collector_ticks_missed}, newest sample up to ${lag} s old; evaluations missed ${figures.rule_evaluations_missed}, group ran ${figures.rule_group_iterations} of ${seconds} s; RSS ${rssMb} MB`
		);
		return figures;
	} finally {
		await vigil.stop();
	}
}

function round(x: number): number {
	return Math.round(x * 10) / 10;
}

function sleep(ms: number): Promise<void> {
	return new Promise((r) => setTimeout(r, ms));
}

async function main() {
	const server = await startBenchRedis();
	try {
		progress(`Backfilling ${SERIES.toLocaleString('en-US')} series × ${SECONDS} s at 1 s…`);
		const { samples, end } = await backfill(server.url);
		const redisMb = await redisMemoryMb(server.url);
		progress(`Redis holds ${redisMb} MB`);
		const runs: Record<string, unknown>[] = [];
		for (const mode of MODES) runs.push(await measure(server.url, mode, end));
		process.stdout.write(`${JSON.stringify({ series: SERIES, samples, queries: QUERIES, redis_after_backfill_mb: redisMb, runs })}\n`);
	} finally {
		server.stop();
	}
}

main().catch((err: Error) => {
	process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
	process.exit(1);
});
