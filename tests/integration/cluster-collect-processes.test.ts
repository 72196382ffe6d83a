/**
 * Two collect processes against one Redis share the configured targets: each target runs in
 * exactly one of them (by their run counters), and when one is killed the other runs them all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

let redis: TestRedis;
const procs: VigilProcess[] = [];
beforeAll(async () => {
	redis = await startTestRedis();
});
afterAll(async () => {
	for (const p of procs) await p.stop('SIGKILL').catch(() => {});
	await redis.stop();
});

// Sixteen targets: rendezvous hashing over two random node ids gives all of them to one process
// with probability 2/2^16 (with six it was 1 in 32, and a CI run met it).
const NAMES = Array.from({ length: 16 }, (_, i) => `d${i + 1}`);

/** Runs per collector, from a process's /metrics. */
async function runs(p: VigilProcess): Promise<Map<string, number>> {
	const text = await (await fetch(`${p.url}/metrics`)).text();
	const out = new Map<string, number>();
	for (const m of text.matchAll(/^vigil_collector_runs_total\{collector="([^"]+)",outcome="[^"]+"\} (\S+)$/gm)) out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[2]));
	return out;
}

/** The collectors whose runs grew between two readings. */
const grew = (a: Map<string, number>, b: Map<string, number>) => NAMES.filter((n) => (b.get(n) ?? 0) > (a.get(n) ?? 0));

describe('collect processes sharing targets', () => {
	it('each target runs in one process; a killed process\'s targets move to the other', async () => {
		const config = `redis:\n  prefix: "cp${Math.random().toString(36).slice(2, 8)}:"\ncollectors:\n${NAMES.map((n) => `  - kind: demo\n    name: ${n}\n    interval: 500ms\n`).join('')}`;
		const a = await startVigilProcess({ config, redisUrl: redis.url, roles: 'collect' });
		procs.push(a);
		const b = await startVigilProcess({ config, redisUrl: redis.url, roles: 'collect' });
		procs.push(b);

		// Once both have seen each other (a few heartbeats), each target runs in exactly one.
		await expect
			.poll(
				async () => {
					const [a0, b0] = await Promise.all([runs(a), runs(b)]);
					await new Promise((r) => setTimeout(r, 1500));
					const [a1, b1] = await Promise.all([runs(a), runs(b)]);
					const inA = grew(a0, a1);
					const inB = grew(b0, b1);
					return { both: inA.filter((n) => inB.includes(n)), all: [...new Set([...inA, ...inB])].sort(), split: inA.length > 0 && inB.length > 0 };
				},
				{ timeout: 30_000, interval: 100 }
			)
			.toEqual({ both: [], all: [...NAMES].sort(), split: true });

		await a.stop('SIGKILL');
		const killedAt = Date.now();
		await expect
			.poll(
				async () => {
					const b0 = await runs(b);
					await new Promise((r) => setTimeout(r, 1000));
					return grew(b0, await runs(b));
				},
				{ timeout: 30_000, interval: 100 }
			)
			.toEqual(NAMES);
		console.info(`collect: every target running in the survivor ${Date.now() - killedAt} ms after the kill (default heartbeat 2 s, registration 6 s)`);
	}, 90_000);
});
