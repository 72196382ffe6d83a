/**
 * The notification pipeline over a real Redis and a real HTTP receiver: grouping and its timers,
 * dedup, resolved notifications, muting, continue, retries through a receiver outage, permanent
 * refusals, the time budget, a restart between deciding and sending, fencing, channel secrets, and
 * the channels' address policy (every disguise of 127.0.0.1 against a loopback canary).
 * Time is a ManualClock; the HTTP is real.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { Dispatcher, type DispatchAlert, type Muting, NotificationSender, ChannelStore, type Channel, NotificationOutbox, type Notification, buildRouteTree, routeSchema, newSecretKey, SecretBox, deliver } from '../../src/lib/server/alerting/notify';
import { FencedOutError } from '../../src/lib/server/alerting/state';
import { ManualClock } from '../../src/lib/server/clock';
import { createKeys } from '../../src/lib/server/keys';
import { createLogger } from '../../src/lib/server/log';
import { createAddressPolicy, type AddressPolicy } from '../../src/lib/server/net/address-policy';
import { DISGUISED_LOOPBACK, startCanary, type Canary } from '../helpers/canary';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

const log = createLogger({ level: 'silent' });

/** A webhook receiver that can go down (stop listening) and come back on the same port. */
class Receiver {
	server: Server | undefined;
	port = 0;
	received: Array<{ key: string | undefined; body: Record<string, unknown> }> = [];
	status = 200;
	async start(): Promise<void> {
		this.server = createServer((req: IncomingMessage, res) => {
			let text = '';
			req.on('data', (c: Buffer) => (text += c.toString()));
			req.on('end', () => {
				if (this.status === 200) this.received.push({ key: req.headers['idempotency-key'] as string | undefined, body: JSON.parse(text) as Record<string, unknown> });
				res.writeHead(this.status, { 'content-type': 'text/plain' }).end(this.status === 200 ? 'ok' : 'refused: bad payload');
			});
		});
		await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', () => r()));
		this.port = (this.server.address() as AddressInfo).port;
	}
	async down(): Promise<void> {
		const s = this.server;
		this.server = undefined;
		s?.closeAllConnections();
		await new Promise<void>((r) => (s ? s.close(() => r()) : r()));
	}
	get url(): string {
		return `http://127.0.0.1:${this.port}/hook`;
	}
	distinctKeys(): number {
		return new Set(this.received.map((r) => r.key)).size;
	}
}

let redisServer: TestRedis;
let redis: Redis;
let receiver: Receiver;
let n = 0;

beforeAll(async () => {
	redisServer = await startTestRedis();
	redis = redisServer.client();
	receiver = new Receiver();
	await receiver.start();
});

afterAll(async () => {
	await receiver.down();
	await redisServer.stop();
});

function alert(name: string, labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing', at = 0): DispatchAlert {
	const l = { alertname: name, ...labels };
	const fingerprint = Object.values(l).join('-');
	return { id: `g/${name}|${fingerprint}`, ruleId: `g/${name}`, fingerprint, labels: l, annotations: { summary: `${name} on ${labels.service ?? '?'}` }, status, startsAt: at, ...(status === 'resolved' ? { endsAt: at + 1 } : {}) };
}

interface Rig {
	clock: ManualClock;
	outbox: NotificationOutbox;
	dispatcher: Dispatcher;
	sender: NotificationSender;
	channels: ChannelStore;
	/** One pipeline step at the clock's time: dispatch, then start and finish the due attempts. */
	step(alerts: DispatchAlert[], muting?: Muting): Promise<void>;
	/** Advances time second by second, stepping the pipeline each second. */
	run(ms: number, alerts: DispatchAlert[], muting?: Muting): Promise<void>;
}

function rig(options: { route?: unknown; token?: number; budget?: number; channels?: Channel[]; prefix?: string; clock?: ManualClock; addressPolicy?: AddressPolicy } = {}): Rig {
	const keys = createKeys(options.prefix ?? `t${++n}:`);
	const clock = options.clock ?? new ManualClock(Date.UTC(2026, 10, 23, 10));
	const outbox = new NotificationOutbox(redis, keys);
	const channels = new ChannelStore(redis, keys, options.channels ?? [{ name: 'hook', type: 'webhook', url: receiver.url, sendResolved: true, maxAlerts: 0 }], SecretBox.withKey(newSecretKey()));
	const route = buildRouteTree(routeSchema.parse(options.route ?? { receiver: 'hook', group_by: ['service'], group_wait: '30s', group_interval: '5m', repeat_interval: '4h' }));
	const budget = options.budget ?? 3_600_000;
	const dispatcher = new Dispatcher({ outbox, route, budgetMs: budget, log });
	const sender = new NotificationSender({
		outbox,
		resolveChannel: (name) => channels.resolve(name),
		config: { initialBackoff: 1000, maxBackoff: 30_000, budget, attemptTimeout: 2000, concurrency: 4 },
		externalUrl: 'http://vigil.test',
		addressPolicy: options.addressPolicy ?? createAddressPolicy(['127.0.0.1']),
		clock,
		log,
		random: () => 0.5
	});
	const token = options.token ?? 1;
	const step = async (alerts: DispatchAlert[], muting?: Muting) => {
		await dispatcher.tick(token, clock.now(), alerts, muting);
		await sender.tick();
		await sender.idle();
	};
	return {
		clock,
		outbox,
		dispatcher,
		sender,
		channels,
		step,
		async run(ms, alerts, muting) {
			for (let t = 0; t < ms; t += 1000) {
				await clock.advance(1000);
				await step(alerts, muting);
			}
		}
	};
}

beforeEach(() => {
	receiver.received = [];
	receiver.status = 200;
});

describe('grouping and timing', () => {
	it('waits group_wait, then sends one notification holding every alert of the group', async () => {
		const r = rig();
		const a = alert('Down', { service: 'payments', instance: 'a' });
		const b = alert('Slow', { service: 'payments', instance: 'b' });
		const c = alert('Down', { service: 'search' });
		await r.step([a]);
		await r.run(10_000, [a, b, c]);
		expect(receiver.received).toHaveLength(0); // still within group_wait
		await r.run(30_000, [a, b, c]);
		expect(receiver.received).toHaveLength(2); // one per service
		const payments = receiver.received.find((x) => (x.body.groupLabels as Record<string, string>).service === 'payments')!;
		expect((payments.body.alerts as unknown[]).length).toBe(2);
		expect(payments.key).toBe(payments.body.idempotencyKey);
		expect(payments.body.status).toBe('firing');
	});

	it('a new alert waits for the next group_interval; nothing new sends nothing until repeat_interval', async () => {
		const r = rig();
		const a = alert('Down', { service: 'checkout', instance: 'a' });
		const b = alert('Down', { service: 'checkout', instance: 'b' });
		await r.step([a]);
		await r.run(31_000, [a]);
		expect(receiver.received).toHaveLength(1);
		await r.run(60_000, [a, b]);
		expect(receiver.received).toHaveLength(1); // b waits for the group_interval tick
		await r.run(5 * 60_000, [a, b]);
		expect(receiver.received).toHaveLength(2);
		expect((receiver.received[1]!.body.alerts as unknown[]).length).toBe(2);
		await r.run(60 * 60_000, [a, b]);
		expect(receiver.received).toHaveLength(2); // unchanged: no repeat within 4 h
		await r.run(3 * 3600_000 + 10 * 60_000, [a, b]);
		expect(receiver.received).toHaveLength(3); // repeated once repeat_interval passed
	});

	it('sends resolved once every alert it told about resolves, then drops the group', async () => {
		const r = rig();
		const a = alert('Down', { service: 'cart' });
		await r.step([a]);
		await r.run(31_000, [a]);
		const resolved = { ...a, status: 'resolved' as const, endsAt: r.clock.now() };
		await r.run(5 * 60_000, [resolved]);
		expect(receiver.received.map((x) => x.body.status)).toEqual(['firing', 'resolved']);
		expect((receiver.received[1]!.body.alerts as Array<{ endsAt: string }>)[0]!.endsAt).not.toBe('0001-01-01T00:00:00Z');
		expect(await r.outbox.loadGroups()).toEqual(new Map());
		// the resolved instance lingers in the rule state for 15 minutes: nothing more is sent
		await r.run(15 * 60_000, [resolved]);
		expect(receiver.received).toHaveLength(2);
	});

	it('never tells of an alert that fired and resolved between two flushes', async () => {
		const r = rig();
		const a = alert('Blip', { service: 'search' });
		await r.step([a]);
		await r.run(10_000, [{ ...a, status: 'resolved' }]);
		await r.run(30 * 60_000, [{ ...a, status: 'resolved' }]);
		expect(receiver.received).toHaveLength(0);
	});

	it('continue sends to every matching sibling', async () => {
		const r = rig({
			route: { receiver: 'hook', group_wait: '0s', routes: [{ matchers: ['team="shop"'], receiver: 'hook', continue: true, group_by: ['service'] }, { matchers: ['severity="critical"'], receiver: 'log' }] },
			channels: [
				{ name: 'hook', type: 'webhook', url: receiver.url, sendResolved: true, maxAlerts: 0 },
				{ name: 'log', type: 'log', sendResolved: true, maxAlerts: 0 }
			]
		});
		await r.step([alert('Down', { service: 'x', team: 'shop', severity: 'critical' })]);
		await r.run(2000, [alert('Down', { service: 'x', team: 'shop', severity: 'critical' })]);
		expect(receiver.received).toHaveLength(1);
		const log2 = await r.outbox.log();
		expect(log2.entries.filter((e) => e.outcome === 'sent').map((e) => e.channel).sort()).toEqual(['hook', 'log']);
	});
});

describe('muting', () => {
	it('a silence holds the notification back, logs why once, and the alert is sent when the silence ends', async () => {
		const r = rig();
		const a = alert('Down', { service: 'payments' });
		let active = true;
		const muting: Muting = { silencedBy: (l) => (active && l.service === 'payments' ? ['s1'] : []), maintenanceBy: () => [] };
		await r.step([a], muting);
		await r.run(10 * 60_000, [a], muting);
		expect(receiver.received).toHaveLength(0);
		const muted = (await r.outbox.log({ outcome: 'muted' })).entries;
		expect(muted).toHaveLength(1);
		expect(muted[0]!.silences).toEqual(['s1']);
		active = false;
		await r.run(5 * 60_000, [a], muting);
		expect(receiver.received).toHaveLength(1);
	});
});

describe('muting an alert the receiver already knows of', () => {
	it('sends nothing while it is silenced, but still sends its resolution', async () => {
		const r = rig({ route: { receiver: 'hook', group_by: ['service'], group_wait: '0s', group_interval: '10s' } });
		const a = alert('Down', { service: 'cart' });
		await r.step([a]);
		await r.run(2000, [a]);
		expect(receiver.received.map((x) => x.body.status)).toEqual(['firing']);
		const muting: Muting = { silencedBy: () => ['s9'], maintenanceBy: () => [] };
		await r.run(60_000, [a], muting);
		expect(receiver.received).toHaveLength(1); // silenced: not repeated, not "resolved" either
		await r.run(30_000, [{ ...a, status: 'resolved', endsAt: r.clock.now() }], muting);
		expect(receiver.received.map((x) => x.body.status)).toEqual(['firing', 'resolved']);
	});
});

describe('delivery', () => {
	it('a receiver down for 2 minutes gets every notification once it is back, each key once', async () => {
		const r = rig({ route: { receiver: 'hook', group_by: ['service'], group_wait: '0s' } });
		const alerts = ['a', 'b', 'c', 'd', 'e'].map((s) => alert('Down', { service: s }));
		await receiver.down();
		await r.step(alerts);
		await r.run(120_000, alerts);
		expect(receiver.received).toHaveLength(0);
		const retries = (await r.outbox.log({ outcome: 'retry', limit: 1000 })).entries;
		expect(retries.length).toBeGreaterThanOrEqual(5 * 4); // backed off, not hammered: 1 s, 2 s, 4 s, ... capped at 30 s
		expect(retries.length).toBeLessThan(5 * 15);
		await receiver.start();
		await r.run(60_000, alerts);
		expect(receiver.distinctKeys()).toBe(5);
		expect(receiver.received).toHaveLength(5);
		expect(await r.outbox.pending()).toHaveLength(0);
		const sent = (await r.outbox.log({ outcome: 'sent' })).entries;
		expect(sent).toHaveLength(5);
		expect(Math.min(...sent.map((e) => e.attempt))).toBeGreaterThan(3);
		// every attempt of one notification carried the same idempotency key
		const one = sent[0]!;
		const attempts = (await r.outbox.log({ limit: 1000 })).entries.filter((e) => e.notification === one.notification);
		expect(new Set(attempts.map((e) => e.idempotencyKey))).toEqual(new Set([one.idempotencyKey]));
	});

	it('a refusal (4xx) is not retried; it is logged as failed with the answer', async () => {
		const r = rig({ route: { receiver: 'hook', group_wait: '0s' } });
		receiver.status = 400;
		await r.step([alert('Down', { service: 'q' })]);
		await r.run(60_000, [alert('Down', { service: 'q' })]);
		const entries = (await r.outbox.log()).entries.filter((e) => e.outcome !== 'muted');
		expect(entries).toHaveLength(1);
		expect(entries[0]).toMatchObject({ outcome: 'failed', status: 400, attempt: 1 });
		expect(entries[0]!.error).toContain('refused: bad payload');
	});

	it('gives up when the time budget runs out, and says so', async () => {
		const r = rig({ route: { receiver: 'hook', group_wait: '0s' }, budget: 20_000 });
		await receiver.down();
		try {
			await r.step([alert('Down', { service: 'z' })]);
			await r.run(40_000, [alert('Down', { service: 'z' })]);
		} finally {
			await receiver.start();
		}
		const failed = (await r.outbox.log({ outcome: 'failed' })).entries;
		expect(failed).toHaveLength(1);
		expect(failed[0]!.error).toMatch(/time budget of 20 s/);
		expect(await r.outbox.pending()).toHaveLength(0);
	});

	it('a decision survives a restart between deciding and sending: sent once, not decided again', async () => {
		const prefix = `restart${++n}:`;
		const clock = new ManualClock(Date.UTC(2026, 10, 23, 10));
		const first = rig({ prefix, clock, route: { receiver: 'hook', group_wait: '0s' } });
		const a = alert('Down', { service: 'pay' });
		// the first process decides, then dies before its sender runs
		await first.dispatcher.tick(1, clock.now(), [a]);
		expect(await first.outbox.pending()).toHaveLength(1);
		// a new process (new objects, same Redis) takes over
		const second = rig({ prefix, clock, token: 2, route: { receiver: 'hook', group_wait: '0s' } });
		await redis.incr(createKeys(prefix).alerts.fence);
		await redis.incr(createKeys(prefix).alerts.fence);
		await second.run(10 * 60_000, [a]);
		expect(receiver.received).toHaveLength(1);
		// the old leader, fenced out, can no longer decide anything
		await expect(first.dispatcher.tick(1, clock.now(), [a, alert('Other', { service: 'pay' })])).rejects.toBeInstanceOf(FencedOutError);
	});
});

describe('channels', () => {
	it('stores URLs and headers sealed, shows them masked, and opens them for sending', async () => {
		const keys = createKeys(`ch${++n}:`);
		const box = SecretBox.withKey(newSecretKey());
		const store = new ChannelStore(redis, keys, [{ name: 'ops-log', type: 'log', sendResolved: true, maxAlerts: 0 }], box);
		await store.put({ name: 'slack', type: 'slack', url: 'https://hooks.slack.com/services/T1/B2/SECRETPART', headers: { Authorization: 'Bearer tok-123' }, sendResolved: false, maxAlerts: 0 }, 'user:ann');
		const raw = await redis.hget(keys.alerts.channels, 'slack');
		expect(raw).not.toContain('SECRETPART');
		expect(raw).not.toContain('tok-123');
		const listed = await store.list();
		expect(listed.map((c) => c.name)).toEqual(['ops-log', 'slack']);
		expect(JSON.stringify(listed)).not.toContain('SECRETPART');
		expect(listed.find((c) => c.name === 'slack')).toMatchObject({ url: 'https://hooks.slack.com/…', headers: ['Authorization'], provisioned: false, createdBy: 'user:ann' });
		expect(await store.resolve('slack')).toMatchObject({ url: 'https://hooks.slack.com/services/T1/B2/SECRETPART', headers: { Authorization: 'Bearer tok-123' } });
		// a replacement without the URL keeps the stored secret
		await store.put({ name: 'slack', type: 'slack', sendResolved: true, maxAlerts: 5 }, 'user:bob', Date.now(), 'replace');
		expect(await store.resolve('slack')).toMatchObject({ url: 'https://hooks.slack.com/services/T1/B2/SECRETPART', sendResolved: true, maxAlerts: 5 });
		await expect(store.put({ name: 'ops-log', type: 'log', sendResolved: true, maxAlerts: 0 }, 'x')).rejects.toThrow(/comes from the config file/);
		await expect(store.resolve('nope')).rejects.toThrow(/no channel named "nope"/);
		// with another key the secret does not open, and the error says what to do
		const other = new ChannelStore(redis, keys, [], SecretBox.withKey(newSecretKey()));
		await expect(other.resolve('slack')).rejects.toThrow(/was the key changed/);
	});

	it('without VIGIL_SECRET_KEY a channel with a URL is refused, naming the fix, and nothing is stored', async () => {
		const keys = createKeys(`ch${++n}:`);
		const store = new ChannelStore(redis, keys, [], SecretBox.fromEnv({}));
		await expect(store.put({ name: 'hook', type: 'webhook', url: 'https://example.com/x', sendResolved: true, maxAlerts: 0 }, 'x')).rejects.toThrow(/VIGIL_SECRET_KEY is not set/);
		expect(await redis.hlen(keys.alerts.channels)).toBe(0);
		await store.put({ name: 'quiet', type: 'log', sendResolved: true, maxAlerts: 0 }, 'x');
		expect(await redis.hlen(keys.alerts.channels)).toBe(1);
	});
});

describe("the channels' address policy (notifications.allowPrivate)", () => {
	let canary: Canary;
	beforeAll(async () => {
		canary = await startCanary();
	});
	afterAll(async () => {
		await canary.close();
	});

	const strict = createAddressPolicy([], { setting: 'notifications.allowPrivate' });
	const note = (): Notification => ({
		id: `n${++n}`,
		idempotencyKey: `k${n}`,
		groupKey: 'g',
		routeId: 'r',
		receiver: 'c',
		status: 'firing',
		groupLabels: { alertname: 'Down' },
		alerts: [{ status: 'firing', ruleId: 'g/Down', fingerprint: 'f', labels: { alertname: 'Down' }, annotations: {}, startsAt: 0 }],
		incidentIds: [],
		createdAt: 0,
		deadline: Date.now() + 60_000,
		attempts: 0
	});
	const channelTo = (type: 'webhook' | 'slack', url: string): Channel => ({ name: 'c', type, url, sendResolved: true, maxAlerts: 0 });

	it.each(DISGUISED_LOOPBACK.map((d) => d.host))('refuses a webhook or Slack URL at %s, without retrying, and nothing reaches the canary', async (host) => {
		const before = canary.hits;
		for (const type of ['webhook', 'slack'] as const) {
			const r = await deliver(note(), channelTo(type, canary.url(host, '/hook')), { timeoutMs: 2000, log, externalUrl: 'http://vigil.test', addressPolicy: strict });
			expect(r, `${type} ${host}`).toMatchObject({ ok: false, retryable: false });
			expect(r.error).toMatch(/^refused to send: .*127\.0\.0\.1\b.* a loopback address .*add it to notifications\.allowPrivate/);
		}
		expect(canary.hits).toBe(before);
	});

	it('the sender logs a refused channel as failed once, and never retries it', async () => {
		const before = canary.hits;
		const r = rig({ route: { receiver: 'hook', group_wait: '0s' }, channels: [{ name: 'hook', type: 'webhook', url: canary.url('[::ffff:7f00:1]', '/hook'), sendResolved: true, maxAlerts: 0 }], addressPolicy: strict });
		await r.step([alert('Down', { service: 'ssrf' })]);
		await r.run(30_000, [alert('Down', { service: 'ssrf' })]);
		const entries = (await r.outbox.log()).entries.filter((e) => e.outcome !== 'muted');
		expect(entries).toHaveLength(1);
		expect(entries[0]).toMatchObject({ outcome: 'failed', attempt: 1 });
		expect(entries[0]!.error).toContain('notifications.allowPrivate');
		expect(canary.hits).toBe(before);
	});

	it('reaches the canary when notifications.allowPrivate names it', async () => {
		const allow = createAddressPolicy(['127.0.0.1', '::1'], { setting: 'notifications.allowPrivate' });
		for (const { host } of DISGUISED_LOOPBACK.filter((d) => d.reachable)) {
			const before = canary.hits;
			const r = await deliver(note(), channelTo('webhook', canary.url(host, '/hook')), { timeoutMs: 2000, log, externalUrl: 'http://vigil.test', addressPolicy: allow });
			expect(r, host).toMatchObject({ ok: true, status: 200 });
			expect(canary.hits, host).toBe(before + 1);
		}
	});
});
