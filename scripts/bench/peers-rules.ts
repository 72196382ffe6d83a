/**
 * bench:peers' rule evaluation comparison: 1,000 alerting rules (`for: 0`), each over one of 1,000
 * series (`peer_rule_input{idx="i"} > 49`, half of them firing), one group.
 * - Prometheus loads the rule file (evaluation every 1 s) and scrapes the series from a loopback
 *   target every 1 s; its CPU per evaluation is its CPU over a phase with the rules, less its CPU
 *   over an equal phase with an empty rule file (the same scrape), over the group's iterations.
 * - Vigil evaluates the same file, compiled, as its alerts role does a group (the rules' data read
 *   from a RedisStore with the evaluation's shared selection cache, then every rule's state
 *   machine), over the same series written into the store; CPU of this process plus its Redis per
 *   evaluation, after three evaluations that are not measured (Prometheus' phase, too, lets the
 *   group run 3 s before it measures: both sides are timed warm, as a process that runs for weeks). Also measured without the selection cache (each rule lists its series itself), as
 *   the group ran before it.
 * The firing counts of both sides are checked equal.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { QueryData } from '../../src/lib/server/prom-api/query';
import { freePort } from '../../src/lib/server/redis/embedded';
import { compileRuleSet, evaluateRule, loadRuleSource, type RuleState } from '../../src/lib/server/rules';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { SelectionCache } from '../../src/lib/server/tsdb/types';

const RULES = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RulesPeer {
	pid: number;
	rules(file: string | null, target: string): Promise<void>;
	metric(name: string): Promise<number>;
	get(path: string, params: Record<string, string>): Promise<QueryData>;
}

export interface RulesDeps {
	dir: string;
	prom: RulesPeer;
	client: Redis;
	redisPid: number;
	cpuSeconds: (pid: number) => number;
	progress: (msg: string) => void;
	rounds: number;
	phaseMs: number;
}

function targetCode(port: number): string {
	return `
const http = require('http');
const body = Array.from({ length: ${RULES} }, (_, i) => 'peer_rule_input{idx="' + i + '"} ' + (i % 100)).join('\\n') + '\\n';
http.createServer((q, s) => { s.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }); s.end(body); })
  .listen(${port}, '127.0.0.1', () => console.log('ready'));
`;
}

function ruleFile(): string {
	const rules = Array.from({ length: RULES }, (_, i) => `      - alert: PeerRule${i}\n        expr: peer_rule_input{idx="${i}"} > 49`);
	return `groups:\n  - name: peer_rules\n    interval: 1s\n    rules:\n${rules.join('\n')}\n`;
}

/** Prometheus' CPU per evaluation of the group: a phase with the rules less one without. */
async function promPhase(d: RulesDeps, files: { rules: string; empty: string }, target: string): Promise<{ cpu: number; firing: number }> {
	await d.prom.rules(files.empty, target);
	await sleep(3000);
	const b0 = d.cpuSeconds(d.prom.pid);
	await sleep(d.phaseMs);
	const base = (d.cpuSeconds(d.prom.pid) - b0) / d.phaseMs;
	await d.prom.rules(files.rules, target);
	await sleep(3000);
	const i0 = await d.prom.metric('prometheus_rule_group_iterations_total');
	const c0 = d.cpuSeconds(d.prom.pid);
	await sleep(d.phaseMs);
	const cpu = d.cpuSeconds(d.prom.pid) - c0 - base * d.phaseMs;
	const iterations = (await d.prom.metric('prometheus_rule_group_iterations_total')) - i0;
	const firing = await d.prom.get('/api/v1/query', { query: 'count(ALERTS{alertstate="firing"})' });
	await d.prom.rules(null, target);
	return { cpu: cpu / Math.max(1, iterations), firing: firing.resultType === 'vector' ? Number(firing.result[0]?.value[1] ?? 0) : 0 };
}

/** Vigil's CPU (this process and its Redis) per evaluation of the group, with or without the selection cache. */
async function vigilPhase(d: RulesDeps, store: RedisStore, text: string, at: number, shared: boolean): Promise<{ cpu: number; firing: number }> {
	const set = compileRuleSet(text, 'peer-rules.yml');
	if (set.problems.length) throw new Error(set.problems.join('\n'));
	const rules = set.groups[0]!.rules;
	const states: Array<RuleState | undefined> = [];
	// As Prometheus' phase lets the group run 3 s (three evaluations) before it measures, the first
	// three cycles here are not measured: a process that evaluates rules for weeks runs warm.
	const warmup = 3;
	const cycles = 20;
	let firing = 0;
	let n0 = process.cpuUsage();
	let r0 = d.cpuSeconds(d.redisPid);
	for (let c = 0; c < warmup + cycles; c++) {
		if (c === warmup) {
			n0 = process.cpuUsage();
			r0 = d.cpuSeconds(d.redisPid);
		}
		const t = at + c * 1000;
		const selection = shared ? new SelectionCache() : undefined;
		const sources = await Promise.all(rules.map((r) => loadRuleSource(store, r, t, t, selection ? { selection } : {})));
		firing = 0;
		rules.forEach((r, i) => {
			const state = evaluateRule(r, t, sources[i]!, states[i]).state;
			states[i] = state;
			firing += state.instances.filter((x) => x.state === 'firing').length;
		});
	}
	const node = process.cpuUsage(n0);
	const cpu = (node.user + node.system) / 1e6 + d.cpuSeconds(d.redisPid) - r0;
	return { cpu: cpu / cycles, firing };
}

export async function compareRules(d: RulesDeps) {
	const port = await freePort();
	const target = spawn(process.execPath, ['-e', targetCode(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
	try {
		await new Promise<void>((r) => target.stdout!.once('data', () => r()));
		const files = { rules: join(d.dir, 'peer-rules.yml'), empty: join(d.dir, 'peer-rules-empty.yml') };
		writeFileSync(files.rules, ruleFile());
		writeFileSync(files.empty, 'groups: []\n');
		// The same series in Vigil's store: a minute at 1 s, to now.
		const store = new RedisStore(d.client, { prefix: 'vr:', liveKey: null });
		const now = Date.now();
		const ts = Array.from({ length: 60 }, (_, k) => now - 59_000 + k * 1000);
		for (let i = 0; i < RULES; i += 100) {
			await store.write(Array.from({ length: 100 }, (_, k) => ({ name: 'peer_rule_input', labels: { idx: String(i + k) }, ts, values: ts.map(() => (i + k) % 100), intervalMs: 1000 })));
		}
		const prom: number[] = [];
		const vigil: number[] = [];
		const unshared: number[] = [];
		const firing = { prometheus: 0, vigil: 0 };
		for (let r = 0; r < d.rounds; r++) {
			const p = await promPhase(d, files, `127.0.0.1:${port}`);
			const v = await vigilPhase(d, store, ruleFile(), now, true);
			const u = await vigilPhase(d, store, ruleFile(), now, false);
			prom.push(p.cpu);
			vigil.push(v.cpu);
			unshared.push(u.cpu);
			Object.assign(firing, { prometheus: p.firing, vigil: v.firing });
			d.progress(`  rules round ${r + 1}: Prometheus ${(p.cpu * 1000).toFixed(1)} ms CPU an evaluation (${p.firing} firing), Vigil ${(v.cpu * 1000).toFixed(1)} ms (${v.firing} firing), Vigil without the selection cache ${(u.cpu * 1000).toFixed(1)} ms`);
		}
		return { prom, vigil, unshared, firing };
	} finally {
		target.kill();
	}
}
