/**
 * The alerts role with notifications and incidents wired in, on a private redis-server, a real
 * webhook receiver and a clock the test moves: a firing rule opens an incident and sends one
 * notification that links it; the delivery is on the incident's timeline; a restart of the role
 * sends nothing again (its working copy is restored before the pipeline runs, so nothing reads as
 * resolved); disabling the rule resolves its alert for the receiver. A firing alert is sent right
 * after the evaluation that fired it, and a flush that group_wait or group_interval holds back is
 * sent when it comes due, both with the pipeline's backstop timer an hour away.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertsRole, type AlertsRole } from '../../alerts/role';
import { ChannelStore, buildRouteTree, routeSchema, newSecretKey, SecretBox } from '../../src/lib/server/alerting/notify';
import { IncidentStore } from '../../src/lib/server/alerting/incidents';
import { RuleRepository } from '../../src/lib/server/alerting/ruleset';
import { ManualClock } from '../../src/lib/server/clock';
import { createKeys } from '../../src/lib/server/keys';
import { createLogger } from '../../src/lib/server/log';
import { createAddressPolicy } from '../../src/lib/server/net/address-policy';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

let server: TestRedis;
let redis: Redis;
let receiver: Server;
let url: string;
const received: Array<{ status: string; incidents: Array<{ id: string }>; alerts: unknown[] }> = [];
const log = createLogger({ level: (process.env.TEST_LOG as never) ?? 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
	server = await startTestRedis();
	redis = new Redis(server.url);
	receiver = createServer((req, res) => {
		let text = '';
		req.on('data', (c: Buffer) => (text += c.toString()));
		req.on('end', () => {
			received.push(JSON.parse(text) as (typeof received)[number]);
			res.end('ok');
		});
	});
	await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
	url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
	receiver.close();
	redis.disconnect();
	await server.stop();
});

describe('alerts role with notifications and incidents', () => {
	it('notifies once with the incident, survives a restart without resending, and resolves a disabled rule', async () => {
		const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
		const keys = createKeys('notify-role:');
		const clock = new ManualClock(T0 + 1);
		const store = new RedisStore(redis, { prefix: 'notify-role:', now: () => clock.now() });
		const ts = Array.from({ length: 720 }, (_, i) => T0 - 600_000 + i * 10_000);
		await store.write([{ name: 'backlog', labels: { queue: 'orders', service: 'fulfilment' }, ts, values: ts.map(() => 500) }]);
		const repo = new RuleRepository(redis, keys);
		await repo.save([{ name: 'q', interval: '10s', rules: [{ alert: 'BacklogHigh', expr: 'backlog > 100', labels: { severity: 'warning' }, annotations: { summary: 'backlog {{ $value }}' } }] }], { author: 'test' });
		const channels = new ChannelStore(redis, keys, [{ name: 'hook', type: 'webhook', url, sendResolved: true, maxAlerts: 0 }], SecretBox.withKey(newSecretKey()));
		const route = buildRouteTree(routeSchema.parse({ receiver: 'hook', group_by: ['service'], group_wait: '0s', group_interval: '10s', repeat_interval: '1h' }));
		const start = (): Promise<AlertsRole> =>
			startAlertsRole({
				log,
				redis,
				store,
				keys,
				nodeId: `node-${Math.random()}`,
				config: { ruleFiles: [], defaultInterval: 30_000, evaluationTimeout: 5000, leaseTtl: 15_000, externalLabels: {} },
				configDir: '.',
				clock,
				revisionPollMs: 3_600_000,
				notifications: { route, channels, delivery: { initialBackoff: 1000, maxBackoff: 5000, budget: 600_000, attemptTimeout: 2000, concurrency: 4 }, externalUrl: 'http://vigil.test', addressPolicy: createAddressPolicy(['127.0.0.1']) },
				incidents: { groupBy: ['service'], perRule: true, quietPeriod: 60_000, reopenWindow: 0 }
			});
		/** Moves the clock second by second, letting real I/O (Redis, HTTP) settle each time. */
		const run = async (ms: number) => {
			for (let t = 0; t < ms; t += 1000) {
				await clock.advance(1000);
				await sleep(25);
			}
		};
		const waitLeader = async (role: AlertsRole) => {
			while (!role.leader) await sleep(5);
			await sleep(100);
		};

		/** Waits (real time) until the receiver has heard `n` notifications: deliveries are in flight after a tick. */
		const heard = async (n: number) => {
			const deadline = Date.now() + 10_000;
			while (received.length < n && Date.now() < deadline) await sleep(10);
		};
		let role = await start();
		await waitLeader(role);
		await run(15_000);
		await heard(1);
		expect(received.map((r) => r.status)).toEqual(['firing']);
		const incidentId = received[0]!.incidents[0]?.id;
		expect(incidentId).toBeTruthy();
		const incidents = new IncidentStore(redis, keys);
		const timeline = await incidents.timeline(incidentId!);
		expect(timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['opened', 'notification.sent']));
		await role.stop();

		// a restart: the pipeline waits for the restored state; nothing is sent again
		await run(5000);
		role = await start();
		await waitLeader(role);
		await run(30_000);
		expect(received.map((r) => r.status)).toEqual(['firing']);

		// disabling the rule resolves its alert for the receiver
		await repo.setEnabled('q/BacklogHigh', false, { author: 'test' });
		await role.reloadRules();
		await run(15_000);
		await heard(2);
		expect(received.map((r) => r.status)).toEqual(['firing', 'resolved']);
		await role.stop();
	}, 60_000);

	it('sends a firing alert right after the evaluation that fired it, without waiting for the pipeline timer', async () => {
		const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
		const keys = createKeys('notify-now:');
		const clock = new ManualClock(T0 + 1);
		const store = new RedisStore(redis, { prefix: 'notify-now:', now: () => clock.now() });
		const ts = Array.from({ length: 720 }, (_, i) => T0 - 600_000 + i * 10_000);
		await store.write([{ name: 'stock', labels: { sku: 'A-1', service: 'catalog' }, ts, values: ts.map(() => 0) }]);
		await new RuleRepository(redis, keys).save([{ name: 'c', interval: '10s', rules: [{ alert: 'OutOfStock', expr: 'stock == 0', labels: { severity: 'warning' } }] }], { author: 'test' });
		const channels = new ChannelStore(redis, keys, [{ name: 'hook', type: 'webhook', url, sendResolved: true, maxAlerts: 0 }], SecretBox.withKey(newSecretKey()));
		const route = buildRouteTree(routeSchema.parse({ receiver: 'hook', group_by: ['service'], group_wait: '0s', group_interval: '10s', repeat_interval: '1h' }));
		const mine = () => received.filter((r) => (r.alerts as Array<{ labels: Record<string, string> }>).some((a) => a.labels.alertname === 'OutOfStock'));
		const role = await startAlertsRole({
			log,
			redis,
			store,
			keys,
			nodeId: 'node-now',
			config: { ruleFiles: [], defaultInterval: 30_000, evaluationTimeout: 5000, leaseTtl: 15_000, externalLabels: {} },
			configDir: '.',
			clock,
			revisionPollMs: 3_600_000,
			// The backstop never comes within the test: the clock moves 10 s.
			pipelineIntervalMs: 3_600_000,
			notifications: { route, channels, delivery: { initialBackoff: 1000, maxBackoff: 5000, budget: 600_000, attemptTimeout: 2000, concurrency: 4 }, externalUrl: 'http://vigil.test', addressPolicy: createAddressPolicy(['127.0.0.1']) }
		});
		try {
			while (!role.leader) await sleep(5);
			await sleep(100);
			expect(mine()).toEqual([]);
			// One evaluation: the alert fires (no `for`), and the webhook hears of it with the clock standing still.
			await clock.advance(10_000);
			const deadline = Date.now() + 10_000;
			while (mine().length === 0) {
				if (Date.now() > deadline) throw new Error('the webhook heard nothing after the evaluation');
				await sleep(10);
			}
			expect(mine().map((r) => [r.status, (r.alerts as Array<{ labels: Record<string, string> }>).map((a) => a.labels.alertname)])).toEqual([['firing', ['OutOfStock']]]);
		} finally {
			await role.stop();
		}
	}, 30_000);

	it('sends when a group_wait or group_interval ends, not at the next pipeline timer', async () => {
		const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
		const keys = createKeys('notify-due:');
		const clock = new ManualClock(T0 + 1);
		const store = new RedisStore(redis, { prefix: 'notify-due:', now: () => clock.now() });
		const ts = Array.from({ length: 60 }, (_, i) => T0 - 600_000 + i * 10_000);
		await store.write([{ name: 'lag', labels: { service: 'search' }, ts, values: ts.map(() => 900) }]);
		await new RuleRepository(redis, keys).save([{ name: 'l', interval: '10s', rules: [{ alert: 'LagHigh', expr: 'lag > 100' }] }], { author: 'test' });
		const channels = new ChannelStore(redis, keys, [{ name: 'hook', type: 'webhook', url, sendResolved: true, maxAlerts: 0 }], SecretBox.withKey(newSecretKey()));
		// The group waits 3 s for more alerts, then tells of changes at most every 25 s.
		const route = buildRouteTree(routeSchema.parse({ receiver: 'hook', group_by: ['service'], group_wait: '3s', group_interval: '25s', repeat_interval: '1h' }));
		const mine = () => received.filter((r) => (r.alerts as Array<{ labels: Record<string, string> }>).some((a) => a.labels.alertname === 'LagHigh')).map((r) => r.status);
		const role = await startAlertsRole({
			log,
			redis,
			store,
			keys,
			nodeId: 'node-due',
			config: { ruleFiles: [], defaultInterval: 30_000, evaluationTimeout: 5000, leaseTtl: 15_000, externalLabels: {} },
			configDir: '.',
			clock,
			revisionPollMs: 3_600_000,
			// The backstop never comes within the test: only the due flushes can send.
			pipelineIntervalMs: 3_600_000,
			notifications: { route, channels, delivery: { initialBackoff: 1000, maxBackoff: 5000, budget: 600_000, attemptTimeout: 2000, concurrency: 4 }, externalUrl: 'http://vigil.test', addressPolicy: createAddressPolicy(['127.0.0.1']) }
		});
		/** Moves the clock to `t` in steps of 500 ms, letting real I/O (Redis, HTTP) settle between them. */
		const to = async (t: number) => {
			while (clock.now() < t) {
				await clock.advance(Math.min(500, t - clock.now()));
				await sleep(40);
			}
		};
		/** Waits (real time, the clock standing still) until the webhook has heard `n` notifications. */
		const heard = async (n: number) => {
			const deadline = Date.now() + 10_000;
			while (mine().length < n && Date.now() < deadline) await sleep(20);
			return mine();
		};
		try {
			while (!role.leader) await sleep(5);
			await sleep(100);
			// The evaluation at T0 + 10 s fires the alert; the group holds it 3 s (until T0 + 13 s).
			await to(T0 + 12_500);
			await sleep(300);
			expect(mine()).toEqual([]);
			await to(T0 + 13_500);
			expect(await heard(1)).toEqual(['firing']);
			// The value drops: the evaluation at T0 + 20 s resolves the alert, but the group told the
			// receiver at T0 + 13 s, so the resolved notice waits for group_interval (T0 + 38 s).
			await store.write([{ name: 'lag', labels: { service: 'search' }, ts: [clock.now()], values: [0] }]);
			await to(T0 + 37_500);
			await sleep(300);
			expect(mine()).toEqual(['firing']);
			await to(T0 + 38_500);
			expect(await heard(2)).toEqual(['firing', 'resolved']);
		} finally {
			await role.stop();
		}
	}, 60_000);
});
