/**
 * The worst day on a Redis Cluster: three `vigil start --roles collect,alerts` processes ingest nine
 * targets at 1 s on a local cluster (3 masters with a replica each); then one collect process and
 * the master holding the alert state are killed at once (SIGKILL). Afterwards, from the stored
 * samples and a webhook receiver:
 * - the survivors' targets have no missing second (their samples were held in the collectors'
 *   buffers while the master's slots failed over, and written afterwards);
 * - the killed process's targets are collected again by the survivors, within six heartbeats (12 s
 *   by default) plus the failover when the registrations' slot was on the killed master;
 * - no target was collected twice: no target has more samples than the seconds of the window (a
 *   second process would add its own; a run that starts late under load only moves one sample);
 * - the alerts role evaluates again on a survivor, and the always-firing canary alert was notified
 *   exactly once.
 * Skipped without redis-server and redis-cli.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClient, createRedisClient, waitReady } from '../../src/lib/server/redis/client';
import { clusterUrl } from '../../src/lib/server/redis/cluster';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { clusterAvailable, startTestRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster';
import { startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

const available = await clusterAvailable();
if (!available) console.warn('cluster fault test skipped: redis-server and redis-cli are needed on PATH');

const TARGETS = Array.from({ length: 9 }, (_, i) => `t${i + 1}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cluster: TestRedisCluster;
let exposition: Server;
let receiver: Server;
const received: Array<{ status: string; alerts: Array<{ labels: Record<string, string> }> }> = [];
const procs: VigilProcess[] = [];

async function listen(server: Server): Promise<number> {
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
	return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
	if (!available) return;
	cluster = await startTestRedisCluster({ nodeTimeoutMs: 2000 });
	exposition = createServer((req, res) => {
		res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
		res.end(`# TYPE fault_up gauge\nfault_up{path="${req.url}"} 1\n`);
	});
	receiver = createServer((req, res) => {
		let text = '';
		req.on('data', (c: Buffer) => (text += c.toString()));
		req.on('end', () => {
			received.push(JSON.parse(text) as (typeof received)[number]);
			res.end('ok');
		});
	});
}, 60_000);
afterAll(async () => {
	for (const p of procs) await p.stop('SIGKILL').catch(() => {});
	exposition?.close();
	receiver?.close();
	await cluster?.stop();
});

/** Runs per collector, from a process's /metrics. */
async function runs(p: VigilProcess): Promise<Map<string, number>> {
	const text = await (await fetch(`${p.url}/metrics`)).text();
	const out = new Map<string, number>();
	for (const m of text.matchAll(/^vigil_collector_runs_total\{collector="([^"]+)",outcome="[^"]+"\} (\S+)$/gm)) out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[2]));
	return out;
}

/** The targets whose runs grew in each process over a second. */
async function owners(ps: VigilProcess[]): Promise<string[][]> {
	const before = await Promise.all(ps.map(runs));
	await sleep(1500);
	const after = await Promise.all(ps.map(runs));
	return ps.map((_, i) => TARGETS.filter((t) => (after[i]!.get(t) ?? 0) > (before[i]!.get(t) ?? 0)));
}

/** The master port serving the slot of `key`. */
async function masterOf(key: string): Promise<number> {
	const c = cluster.client();
	const slot = Number(await c.call('CLUSTER', 'KEYSLOT', key));
	const slots = (await c.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
	const range = slots.find(([lo, hi]) => slot >= lo && slot <= hi)!;
	return range[2][1];
}

describe.skipIf(!available)('a collect process and a master killed during ingest', () => {
	it('loses no sample of the survivors, re-assigns the dead process\'s targets, and notifies once', async () => {
		const expoPort = await listen(exposition);
		const hookPort = await listen(receiver);
		const dir = mkdtempSync(join(tmpdir(), 'vigil-fault-'));
		writeFileSync(join(dir, 'rules.yml'), `groups:\n  - name: canary\n    interval: 1s\n    rules:\n      - alert: FaultCanary\n        expr: vector(1)\n        labels: { service: probe }\n`);
		const prefix = `fault${Math.random().toString(36).slice(2, 7)}:`;
		const config = `redis: { prefix: "${prefix}" }
collect: { allowPrivate: ["127.0.0.1"] }
collectors:
${TARGETS.map((t) => `  - { kind: prometheus, name: ${t}, url: "http://127.0.0.1:${expoPort}/${t}", interval: 1s }`).join('\n')}
alerts: { ruleFiles: [${JSON.stringify(join(dir, 'rules.yml'))}], defaultInterval: 1s, leaseTtl: 2s }
notifications:
  allowPrivate: ["127.0.0.1"]
  channels: [{ name: hook, type: webhook, url: "http://127.0.0.1:${hookPort}/hook" }]
  route: { receiver: hook, group_wait: 0s, group_interval: 1s, repeat_interval: 1h }
  delivery: { initialBackoff: 100ms, maxBackoff: 500ms }
`;
		const url = clusterUrl(cluster.nodes);
		for (let i = 0; i < 3; i++) procs.push(await startVigilProcess({ config, redisUrl: '', roles: 'collect,alerts', env: { REDIS_CLUSTER_NODES: cluster.env } }));

		// Every target runs in exactly one process (a process may hold none), and the canary was told once.
		let owned: string[][] = [];
		const tail = (p: VigilProcess) => p.output().split('\n').filter((l) => /error|warn|refused|fail/i.test(l)).slice(-15).join('\n');
		try {
			await expect
				.poll(async () => {
					owned = await owners(procs);
					const all = owned.flat();
					return all.length === TARGETS.length && new Set(all).size === TARGETS.length;
				}, { timeout: 60_000, interval: 200 })
				.toBe(true);
		} catch (err) {
			throw new Error(`${(err as Error).message}: owned ${JSON.stringify(owned)}\n${procs.map(tail).join('\n---\n')}`);
		}
		await expect.poll(() => received.filter((r) => r.status === 'firing').length, { timeout: 30_000, interval: 200 }).toBe(1);
		await sleep(3000);

		const victimAt = owned.reduce((best, o, i) => (o.length > owned[best]!.length ? i : best), 0);
		const victim = procs[victimAt]!;
		const moved = owned[victimAt]!;
		const master = await masterOf(`${prefix}{alerts}:lease`);
		const killedAt = Date.now();
		await Promise.all([victim.stop('SIGKILL'), cluster.kill(master)]);
		const survivors = procs.filter((p) => p !== victim);

		// The alerts role resumes on a survivor (a new leader, or the old one once its slot is back).
		const evaluatedAfterKill = async () => {
			for (const p of survivors) {
				const text = await (await fetch(`${p.url}/metrics`)).text();
				const at = /^vigil_rule_group_last_evaluation_timestamp_seconds\{group="canary"\} (\S+)$/m.exec(text);
				if (at && Number(at[1]) * 1000 > killedAt + 1000) return true;
			}
			return false;
		};
		try {
			await expect.poll(evaluatedAfterKill, { timeout: 60_000, interval: 200 }).toBe(true);
		} catch (err) {
			const lines = await Promise.all(survivors.map(async (p) => (await (await fetch(`${p.url}/metrics`)).text()).split('\n').filter((l) => /rule_group_last|leader|lease/.test(l)).join('\n')));
			throw new Error(`${(err as Error).message}: the alerts role did not evaluate again\n${lines.join('\n---\n')}\n${survivors.map((p) => p.output().split('\n').filter((l) => /lead|lease|error|alerts/i.test(l)).slice(-20).join('\n')).join('\n---\n')}`);
		}
		const resumedMs = Date.now() - killedAt;

		// The survivors collect every target again.
		await expect.poll(async () => (await owners(survivors)).flat().sort(), { timeout: 60_000, interval: 200 }).toEqual([...TARGETS].sort());
		const reassignedMs = Date.now() - killedAt;
		await sleep(5000); // buffered samples are written once the store answers again

		const client = createRedisClient(url, { name: 'fault-test' });
		await waitReady(client, 15_000);
		const store = new RedisStore(client, { prefix, liveKey: null });
		const from = killedAt - 5000;
		const to = Date.now() - 2000;
		const series = await store.raw([{ name: '__name__', op: '=', value: 'fault_up' }], from, to);
		await closeClient(client);
		const gaps = new Map<string, { max: number; min: number; n: number; firstAfterKill: number }>();
		for (const s of series) {
			const target = TARGETS.find((t) => s.labels.path === `/${t}`)!;
			const ts = s.ts;
			let max = 0;
			let min = Infinity;
			for (let i = 1; i < ts.length; i++) {
				max = Math.max(max, ts[i]! - ts[i - 1]!);
				min = Math.min(min, ts[i]! - ts[i - 1]!);
			}
			max = Math.max(max, ts[0]! - from, to - ts[ts.length - 1]!);
			gaps.set(target, { max, min, n: ts.length, firstAfterKill: (ts.find((t) => t > killedAt) ?? Infinity) - killedAt });
		}
		const stayed = TARGETS.filter((t) => !moved.includes(t));
		// A gap of 1.5 s is a late scrape; one of 2 s or more is a missing sample.
		const missingSeconds = stayed.reduce((n, t) => n + Math.max(0, Math.round((gaps.get(t)!.max - 400) / 1000) - 1), 0);
		console.info(
			`cluster fault: killed a collect process (${moved.length} targets) and the master of {alerts}; ` +
				`survivors collected every target ${reassignedMs} ms after the kill; ` +
				`survivors' targets: ${missingSeconds} missing seconds, largest gap ${Math.max(...stayed.map((t) => gaps.get(t)!.max))} ms; ` +
				`moved targets: largest gap ${Math.max(...moved.map((t) => gaps.get(t)!.max))} ms; ` +
				`alerts evaluated again ${resumedMs} ms after the kill; firing notifications ${received.filter((r) => r.status === 'firing').length}`
		);
		expect([...gaps.keys()].sort()).toEqual([...TARGETS].sort());
		for (const t of stayed) expect(gaps.get(t)!.max, `${t} kept by a survivor`).toBeLessThanOrEqual(2500);
		// Six heartbeats of 2 s (the default: a registration of 6 s outlasts the failover, so no
		// survivor's registration runs out meanwhile), and the failover when the registrations' slot
		// was on the killed master (node timeout 2 s, an election), and an interval.
		for (const t of moved) expect(gaps.get(t)!.max, `${t} moved from the killed process`).toBeLessThanOrEqual(20_000);
		// Two processes on one target would write about twice the samples; one late run (two samples
		// closer than an interval, seen under a loaded test run) changes no count.
		const seconds = Math.floor((to - from) / 1000) + 1;
		for (const t of TARGETS) expect(gaps.get(t)!.n, `${t} collected twice`).toBeLessThanOrEqual(seconds);
		expect(received.filter((r) => r.status === 'firing')).toHaveLength(1);
		expect(received.filter((r) => r.status === 'resolved')).toHaveLength(0);
	}, 240_000);
});
