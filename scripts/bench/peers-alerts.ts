/**
 * Part of `npm run bench:peers`: the time from a threshold flip to the firing webhook, Vigil beside
 * Prometheus 2.42 + Alertmanager 0.25 (Debian's `prometheus`, `prometheus-alertmanager`).
 *
 * - One loopback target (in this process) serves `peer_flip{side="prometheus"|"vigil",n="<k>"}`.
 *   A flip makes a new series `n` at 1 (the old one leaves the page, so its alert resolves): each
 *   flip opens a new aggregation group on both sides, the path `group_wait` governs, and no flip
 *   waits behind the previous one's group_interval.
 * - Prometheus scrapes it every second, evaluates `peer_flip{side="prometheus"} > 0` (`for: 0s`)
 *   every second and sends to Alertmanager (group_by [alertname, n], group_wait 0s,
 *   group_interval 1s, its own data directory and free ports, no cluster), which posts to a
 *   webhook receiver here.
 * - Vigil runs as `vigil start --roles collect,alerts` wires it (startVigil, in a child process,
 *   from the sources) on its own redis-server: a prometheus collector at 1 s, the same rule in a
 *   1 s group, a webhook channel to a receiver here, the same route. The time from a scrape to the
 *   next evaluation is set by names on both sides; the collector's name is picked so that Vigil's
 *   equals Prometheus' (read from its API), and both are reported.
 * - Flips alternate A B A B…, each a random time before the side's next scrape (uniform over the
 *   interval, so it lands anywhere within the scrape and evaluation intervals), the same time for
 *   A and B of a pair: both sides wait alike for the scrape that sees the flip, and the medians
 *   compare what follows rather than two draws of that wait. A flip counts when its firing
 *   notification arrives. Then, after
 *   another random wait, the series leaves the page and the time to the resolved notification is
 *   taken too: that one is a flush on group_interval (the group has notified), not group_wait.
 *
 * Run alone: `npm run bench:peers -- --alerts-only [--flips N]`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { offsetFor } from '../../collectors/scheduler';
import { freePort } from '../../src/lib/server/redis/embedded';

const PROMETHEUS = process.env.PROMETHEUS ?? '/usr/bin/prometheus';
const ALERTMANAGER = process.env.ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const ALERT_BINARIES = [PROMETHEUS, ALERTMANAGER];

type Side = 'prometheus' | 'vigil';

export interface AlertLatency {
	flips: number;
	/** Flip → firing webhook, ms, in flip order. */
	prometheus: number[];
	vigil: number[];
	/** Flip back (the series leaves the page) → resolved webhook, ms: a flush on group_interval. */
	resolved: { prometheus: number[]; vigil: number[] };
	/**
	 * The first scrape that saw the flip → firing webhook, ms: the flip's latency without the wait
	 * for that scrape (uniform over the interval, the same on both sides, and most of the spread).
	 */
	fromScrape: { prometheus: number[]; vigil: number[] };
	/** Flips whose notification (firing or resolved) did not come within the wait. */
	missed: { prometheus: number; vigil: number };
	/**
	 * From a scrape to the next evaluation, ms: a fixed part of every flip's latency, set on each
	 * side by names (the target's scrape offset, the group's evaluation offset), not by the code.
	 */
	scrapeToEvaluation: { prometheus: number | null; vigil: number };
}

/** The flip target and both webhook receivers, in this process. */
class FlipRig {
	/** The series each side serves now (n), or none. */
	private readonly current: Record<Side, number | undefined> = { prometheus: undefined, vigil: undefined };
	/** When each side's scraper (told apart by its User-Agent) last scraped (performance.now()). */
	readonly lastScrape: Record<Side, number> = { prometheus: 0, vigil: 0 };
	/** Since the last change, when the side's scraper first scraped. */
	private readonly scraped: Record<Side, number | null | undefined> = { prometheus: undefined, vigil: undefined };
	/** Notifications heard: `${side}:${n}:${status}` -> arrival (performance.now()). */
	private readonly heard = new Map<string, number>();
	private readonly waiters = new Map<string, () => void>();
	readonly servers: Server[] = [];

	async start(): Promise<{ target: string; hooks: Record<Side, string> }> {
		const target = await this.listen((req, body, res) => {
			const by: Side = /prometheus/i.test(req.headers['user-agent'] ?? '') ? 'prometheus' : 'vigil';
			this.lastScrape[by] = performance.now();
			if (this.scraped[by] === null) this.scraped[by] = this.lastScrape[by];
			const lines = ['# TYPE peer_flip gauge'];
			for (const side of ['prometheus', 'vigil'] as const) {
				const n = this.current[side];
				if (n !== undefined) lines.push(`peer_flip{side="${side}",n="${n}"} 1`);
			}
			res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
			res.end(`${lines.join('\n')}\n`);
		});
		const hook = (side: Side) =>
			this.listen((_req, body, res) => {
				const at = performance.now();
				res.end('ok');
				const msg = JSON.parse(body) as { alerts?: Array<{ status: string; labels: Record<string, string> }> };
				for (const a of msg.alerts ?? []) {
					if (a.labels.n === undefined) continue;
					const key = `${side}:${a.labels.n}:${a.status}`;
					if (this.heard.has(key)) continue;
					this.heard.set(key, at);
					this.waiters.get(key)?.();
				}
			});
		return { target: `${target}/metrics`, hooks: { prometheus: await hook('prometheus'), vigil: await hook('vigil') } };
	}

	private async listen(handle: (req: import('node:http').IncomingMessage, body: string, res: import('node:http').ServerResponse) => void): Promise<string> {
		const server = createServer((req, res) => {
			let body = '';
			req.on('data', (c: Buffer) => (body += c.toString()));
			req.on('end', () => handle(req, body, res));
		});
		this.servers.push(server);
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
		return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	}

	/**
	 * Flips `side` to a new series `n`; resolves with flip → firing webhook and the first scrape
	 * after the flip → firing webhook (ms), or null after `waitMs`.
	 */
	async flip(side: Side, n: number, waitMs: number): Promise<{ ms: number; fromScrape: number } | null> {
		this.scraped[side] = null;
		const ms = await this.timed(`${side}:${n}:firing`, waitMs, () => (this.current[side] = n));
		const scraped = this.scraped[side];
		return ms === null || typeof scraped !== 'number' ? null : { ms, fromScrape: this.heard.get(`${side}:${n}:firing`)! - scraped };
	}

	/** Takes `side`'s series `n` off the page; resolves with that → resolved webhook (ms), or null after `waitMs`. */
	clear(side: Side, n: number, waitMs: number): Promise<number | null> {
		return this.timed(`${side}:${n}:resolved`, waitMs, () => (this.current[side] = undefined));
	}

	private async timed(key: string, waitMs: number, change: () => void): Promise<number | null> {
		const arrived = new Promise<void>((r) => this.waiters.set(key, r));
		const t0 = performance.now();
		change();
		let timer: NodeJS.Timeout | undefined;
		await Promise.race([arrived, new Promise((r) => (timer = setTimeout(r, waitMs)))]);
		clearTimeout(timer);
		this.waiters.delete(key);
		const at = this.heard.get(key);
		return at === undefined ? null : at - t0;
	}

	close(): void {
		for (const s of this.servers) s.close();
	}
}

const RULE = (side: Side) => ({ groups: [{ name: 'flip', interval: '1s', rules: [{ alert: 'PeerFlip', expr: `peer_flip{side="${side}"} > 0`, for: '0s', labels: { severity: 'page' } }] }] });
const ROUTE = { group_by: ['alertname', 'n'], group_wait: '0s', group_interval: '1s', repeat_interval: '1h' };

async function waitReady(url: string, proc: ChildProcess, what: string, stderr: () => string): Promise<void> {
	const deadline = Date.now() + 60_000;
	for (;;) {
		try {
			if ((await fetch(url)).ok) return;
		} catch {
			/* not yet */
		}
		if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`${what} did not become ready: ${stderr()}`);
		await sleep(200);
	}
}

function spawnLogged(bin: string, args: string[]): { proc: ChildProcess; stderr: () => string } {
	const proc = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
	let text = '';
	proc.stderr!.on('data', (d: Buffer) => (text = (text + d.toString()).slice(-4000)));
	return { proc, stderr: () => text };
}

/** Alertmanager (no cluster, its own data) and Prometheus sending to it, each on free ports. */
async function startPromStack(dir: string, target: string, hook: string, stops: Array<() => unknown>): Promise<string> {
	mkdirSync(join(dir, 'am'), { recursive: true });
	writeFileSync(
		join(dir, 'alertmanager.yml'),
		JSON.stringify({ route: { receiver: 'hook', ...ROUTE }, receivers: [{ name: 'hook', webhook_configs: [{ url: `${hook}/hook`, send_resolved: true }] }] })
	);
	const amPort = await freePort();
	const am = spawnLogged(ALERTMANAGER, [
		`--config.file=${join(dir, 'alertmanager.yml')}`,
		`--storage.path=${join(dir, 'am')}`,
		`--web.listen-address=127.0.0.1:${amPort}`,
		'--cluster.listen-address=',
		'--log.level=warn'
	]);
	stops.push(() => am.proc.kill('SIGKILL'));
	await waitReady(`http://127.0.0.1:${amPort}/-/ready`, am.proc, 'alertmanager', am.stderr);

	writeFileSync(join(dir, 'flip.rules.yml'), JSON.stringify(RULE('prometheus')));
	const t = new URL(target);
	writeFileSync(
		join(dir, 'prometheus-alerts.yml'),
		JSON.stringify({
			global: { scrape_interval: '1s', evaluation_interval: '1s' },
			rule_files: [join(dir, 'flip.rules.yml')],
			alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
			scrape_configs: [{ job_name: 'flip', scrape_interval: '1s', scrape_timeout: '800ms', static_configs: [{ targets: [t.host] }] }]
		})
	);
	const promPort = await freePort();
	const prom = spawnLogged(PROMETHEUS, [
		`--config.file=${join(dir, 'prometheus-alerts.yml')}`,
		`--storage.tsdb.path=${join(dir, 'prom-alerts-data')}`,
		`--web.listen-address=127.0.0.1:${promPort}`,
		'--log.level=warn'
	]);
	stops.push(() => prom.proc.kill('SIGKILL'));
	await waitReady(`http://127.0.0.1:${promPort}/-/ready`, prom.proc, 'prometheus', prom.stderr);
	return `http://127.0.0.1:${promPort}`;
}

/**
 * Prometheus' time from a scrape of the target to the next evaluation of the group (ms), from its
 * API, once it has done both (null when it has not within 15 s).
 */
async function promScrapeToEvaluation(url: string): Promise<number | null> {
	const get = async <T>(path: string) => ((await (await fetch(`${url}${path}`)).json()) as { data: T }).data;
	for (let tries = 0; tries < 30; tries++) {
		try {
			const targets = await get<{ activeTargets: Array<{ lastScrape: string }> }>('/api/v1/targets');
			const rules = await get<{ groups: Array<{ lastEvaluation: string }> }>('/api/v1/rules');
			const scrape = Date.parse(targets.activeTargets[0]?.lastScrape ?? '');
			const evaluation = Date.parse(rules.groups[0]?.lastEvaluation ?? '');
			// Never done: Go's zero time, year 1.
			if (scrape > 0 && evaluation > 0) return (((evaluation - scrape) % 1000) + 1000) % 1000;
		} catch {
			/* not answering yet */
		}
		await sleep(500);
	}
	return null;
}

/** Vigil's config for the comparison: collect + alerts, as `vigil start` reads it. */
function vigilConfig(port: number, redisUrl: string, target: string, hook: string, collector: string): string {
	return JSON.stringify({
		server: { host: '127.0.0.1', port },
		roles: ['collect', 'alerts'],
		redis: { url: redisUrl, prefix: 'vpa:' },
		log: { level: 'warn' },
		demoShop: { enabled: false },
		collect: { allowPrivate: ['127.0.0.1'] },
		collectors: [{ kind: 'prometheus', name: collector, url: target, interval: '1s' }],
		alerts: { ruleFiles: ['flip.rules.yml'], defaultInterval: '1s' },
		notifications: {
			allowPrivate: ['127.0.0.1'],
			channels: [{ name: 'hook', type: 'webhook', url: `${hook}/hook`, sendResolved: true }],
			route: { receiver: 'hook', ...ROUTE }
		}
	});
}

/** The Vigil child: startVigil with the config file given, until killed. */
export async function vigilChild(configFile: string): Promise<void> {
	const { readFileSync } = await import('node:fs');
	const { dirname } = await import('node:path');
	const { parseConfig } = await import('../../runtime/config');
	const { startVigil } = await import('../../runtime/start');
	const { createLogger } = await import('../../src/lib/server/log');
	const parsed = parseConfig(readFileSync(configFile, 'utf8'));
	if (!parsed.ok) throw new Error(`config: ${JSON.stringify(parsed.problems)}`);
	const dir = dirname(configFile);
	await startVigil({ config: parsed.value, log: createLogger({ level: 'warn' }), version: 'bench', http: { mode: 'listen' }, cwd: dir, configDir: dir });
	process.stdout.write('vigil ready\n');
}

async function startVigilSide(dir: string, redisUrl: string, target: string, hook: string, collector: string, stops: Array<() => unknown>): Promise<void> {
	const vdir = join(dir, 'vigil');
	mkdirSync(vdir, { recursive: true });
	writeFileSync(join(vdir, 'flip.rules.yml'), JSON.stringify(RULE('vigil')));
	const port = await freePort();
	writeFileSync(join(vdir, 'vigil.config.yaml'), vigilConfig(port, redisUrl, target, hook, collector));
	const nodeFlags = (process.env.VIGIL_PEERS_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
	const proc = spawn(process.execPath, [...nodeFlags, resolve('scripts/run-ts.mjs'), 'scripts/bench/peers.ts', '--vigil-child', join(vdir, 'vigil.config.yaml')], { stdio: ['ignore', 'pipe', 'inherit'] });
	stops.push(() => proc.kill('SIGKILL'));
	await new Promise<void>((ok, fail) => {
		let out = '';
		proc.stdout!.on('data', (d: Buffer) => {
			out += d.toString();
			if (out.includes('vigil ready')) ok();
		});
		proc.once('exit', (code) => fail(new Error(`Vigil's process exited (${code}) before it was ready`)));
	});
}

/** Vigil's time from a scrape to the next evaluation: it scrapes at the target's offset (hashed from its name) and evaluates on whole seconds. */
const gapOf = (collector: string) => (1000 - offsetFor(collector, 1000)) % 1000;

/**
 * A collector name whose scrape-to-evaluation time is Prometheus' (within 5 ms): that part of the
 * latency is set by names on both sides (Prometheus hashes the target's address, a free port here),
 * so the comparison gives both the same and times what the code does.
 */
function collectorWithGap(gap: number | null): string {
	if (gap === null) return 'flip';
	for (let i = 0; ; i++) if (Math.abs(gapOf(`flip-${i}`) - gap) <= 5) return `flip-${i}`;
}

/**
 * Measures flip → firing webhook on both sides, `flips` each, interleaved. `redisUrl`: a private
 * redis-server for Vigil.
 */
export async function compareAlertLatency(options: { dir: string; redisUrl: string; flips: number; progress: (m: string) => void }): Promise<AlertLatency> {
	const { dir, redisUrl, flips, progress } = options;
	const rig = new FlipRig();
	const stops: Array<() => unknown> = [() => rig.close()];
	try {
		const { target, hooks } = await rig.start();
		progress('Alert latency: starting Prometheus + Alertmanager, and Vigil (collect, alerts) on its own redis-server…');
		const promUrl = await startPromStack(dir, target, hooks.prometheus, stops);
		// Prometheus has scraped and evaluated a few times: its phase is known.
		await sleep(3000);
		const promGap = await promScrapeToEvaluation(promUrl);
		const collector = collectorWithGap(promGap);
		await startVigilSide(dir, redisUrl, target, hooks.vigil, collector, stops);
		// Vigil has scraped and evaluated a few times (rules loaded, target up).
		await sleep(4000);
		const scrapeToEvaluation = { prometheus: promGap, vigil: gapOf(collector) };
		progress(`  from a scrape to the next evaluation: Prometheus ${scrapeToEvaluation.prometheus} ms, Vigil ${scrapeToEvaluation.vigil} ms (collector "${collector}")`);
		const out: AlertLatency = { flips, prometheus: [], vigil: [], resolved: { prometheus: [], vigil: [] }, fromScrape: { prometheus: [], vigil: [] }, missed: { prometheus: 0, vigil: 0 }, scrapeToEvaluation };
		// How long before the next scrape each pair flips: uniform, away from the edges where a
		// scrape's jitter would decide which scrape sees it.
		const before = Array.from({ length: flips + 1 }, () => 20 + Math.random() * 960);
		// One warm-up flip each (first series, first group, first connection), not counted.
		for (let n = 0; n <= flips; n++) {
			for (const side of ['prometheus', 'vigil'] as const) {
				// `before` ms ahead of one of the side's next scrapes, at least 300 ms from now.
				const next = rig.lastScrape[side] + Math.ceil((performance.now() + 300 + before[n]! - rig.lastScrape[side]) / 1000) * 1000;
				await sleep(next - before[n]! - performance.now());
				const fired = await rig.flip(side, n, 15_000);
				await sleep(Math.random() * 1000);
				const back = await rig.clear(side, n, 15_000);
				if (n === 0) continue;
				if (fired === null || back === null) out.missed[side]++;
				if (fired !== null) out[side].push(fired.ms);
				if (fired !== null) out.fromScrape[side].push(fired.fromScrape);
				if (back !== null) out.resolved[side].push(back);
				const say = (x: number | undefined | null) => (x === null || x === undefined ? 'none within 15 s' : `${Math.round(x)} ms`);
				progress(`  flip ${n} ${side}: firing ${say(fired?.ms)} (${say(fired?.fromScrape)} after the scrape), resolved ${say(back)}`);
			}
		}
		return out;
	} finally {
		for (const s of stops.reverse()) await s();
	}
}
