/**
 * Two processes run the alerts role against one Redis: one leads and evaluates, the other stands
 * by; when the leader is killed, the standby takes over within two lease periods and carries on
 * from the saved state, without announcing again the alert that already fired.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { demoConfig, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

let redis: TestRedis;
let client: Redis;
const procs: VigilProcess[] = [];
beforeAll(async () => {
	redis = await startTestRedis();
	client = new Redis(redis.url);
});
afterAll(async () => {
	for (const p of procs) await p.stop('SIGKILL').catch(() => {});
	client.disconnect();
	await redis.stop();
});

const LEASE_MS = 2000;

describe('alerts role failover', () => {
	it('one leader evaluates; the standby takes over within two lease periods and does not announce again', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
		const ruleFile = join(dir, 'rules.yml');
		writeFileSync(
			ruleFile,
			`groups:
  - name: demo
    interval: 1s
    rules:
      - alert: DemoOrdersFlowing
        expr: demo_orders_per_minute > 0
        labels: { severity: info }
`
		);
		const config = demoConfig(`alerts:
  ruleFiles: [${JSON.stringify(ruleFile)}]
  leaseTtl: ${LEASE_MS}ms
`);
		const prefix = /prefix: "([^"]+)"/.exec(config)![1]!;
		const a = await startVigilProcess({ config, redisUrl: redis.url, roles: 'collect,alerts' });
		procs.push(a);
		await a.waitForOutput(/alerts role is the leader/);
		const b = await startVigilProcess({ config, redisUrl: redis.url, roles: 'alerts' });
		procs.push(b);
		await b.waitForOutput(/alerts role started/);

		// The leader fires the alert (for: 0) once the collector has written a sample.
		const events = async () => (await client.xrange(`${prefix}{alerts}:events:demo/DemoOrdersFlowing`, '-', '+')).map(([, f]) => JSON.parse(f[1]!) as { from: string; to: string });
		const deadline = Date.now() + 15_000;
		while (!(await events()).some((e) => e.to === 'firing')) {
			if (Date.now() > deadline) throw new Error(`the alert never fired; leader output:\n${a.output()}`);
			await new Promise((r) => setTimeout(r, 100));
		}
		expect(b.output()).not.toMatch(/alerts role is the leader/);

		const killedAt = Date.now();
		await a.stop('SIGKILL');
		await b.waitForOutput(/alerts role is the leader/, 10_000);
		const took = Date.now() - killedAt;
		expect(took).toBeLessThan(2 * LEASE_MS + 500);

		// The new leader evaluates (the state's save time moves on) and the alert stays firing,
		// with no new announcement.
		const firing = (await events()).filter((e) => e.to === 'firing').length;
		const savedAt = async () => (JSON.parse((await client.hget(`${prefix}{alerts}:state`, 'demo/DemoOrdersFlowing'))!) as { savedAt: number }).savedAt;
		const before = await savedAt();
		const until = Date.now() + 5000;
		while ((await savedAt()) === before && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
		expect(await savedAt()).toBeGreaterThan(before);
		const state = JSON.parse((await client.hget(`${prefix}{alerts}:state`, 'demo/DemoOrdersFlowing'))!) as { state: { instances: Array<{ state: string }> } };
		expect(state.state.instances.map((i) => i.state)).toEqual(['firing']);
		expect((await events()).filter((e) => e.to === 'firing').length).toBe(firing);
		// The fencing counter moved: the new leader holds a newer token.
		expect(Number(await client.get(`${prefix}{alerts}:fence`))).toBe(2);
	}, 60_000);
});
