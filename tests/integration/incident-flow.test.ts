/**
 * From a firing alert to a closed incident, end to end, with the demo shop and a real Vigil
 * process: payment-outage makes the payment rule fire, an incident opens, a webhook receiver
 * started here gets one grouped notification, an acknowledgement through the API records who and
 * when, back to normal resolves the alert, then the incident, and sends the resolved notification;
 * the timeline holds every step in order, and MTTA/MTTR follow from it. Then a silence made before
 * a second outage keeps the notification back while the alert and the incident still appear. And
 * the alerts process killed between deciding a notification and delivering it: after a restart,
 * it is delivered once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoShop, type DemoShop } from '../../demo-shop/index';
import { newSecretKey } from '../../src/lib/server/alerting/notify';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis-server';
import { startVigilProcess, type VigilProcess } from '../helpers/vigil-process';
import { runCli, type CliResult } from '../helpers/cli';

interface Received {
	key: string | undefined;
	at: number;
	body: { status: string; alerts: Array<{ status: string; labels: Record<string, string> }>; incidents: Array<{ id: string }>; groupLabels: Record<string, string> };
}

class Receiver {
	server: Server | undefined;
	port = 0;
	received: Received[] = [];
	async start(port = this.port): Promise<void> {
		this.server = createServer((req, res) => {
			let text = '';
			req.on('data', (c: Buffer) => (text += c.toString()));
			req.on('end', () => {
				this.received.push({ key: req.headers['idempotency-key'] as string | undefined, at: Date.now(), body: JSON.parse(text) as Received['body'] });
				res.end('ok');
			});
		});
		await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', () => r()));
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
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, read: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last = await read();
	while (!ok(last)) {
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 2000)}`);
		await sleep(250);
		last = await read();
	}
	return last;
}

// The demo's payment rule with windows shortened so the test runs in seconds, not minutes.
const RULES = `groups:
  - name: shop
    interval: 1s
    rules:
      - alert: PaymentFailureRatioHigh
        expr: >-
          sum by (instance, target) (rate(shop_payment_failures_total[15s]))
          /
          sum by (instance, target) (rate(http_request_duration_seconds_count{service="payments", route="/payments"}[15s]))
          > 0.1
        for: 2s
        severity: critical
        clear_threshold: 0.02
        nodata: ok
        labels: { team: shop, service: payments }
        annotations:
          summary: "{{ $value | humanizePercentage }} of payments fail"
`;

let redis: TestRedis;
let shop: DemoShop;
let receiver: Receiver;
let vigil: VigilProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), 'vigil-incident-flow-'));
const secretKey = newSecretKey();

function config(prefix: string, shopUrl: string, extra = ''): string {
	return `redis: { prefix: "${prefix}" }
collect: { allowPrivate: ["127.0.0.1"] }
collectors:
  - kind: prometheus
    name: shop-metrics
    url: ${shopUrl}/metrics
    interval: 1s
alerts:
  ruleFiles: [${join(dir, 'rules.yml')}]
  defaultInterval: 1s
  leaseTtl: 2s
incidents: { quietPeriod: 2s, reopenWindow: 0s }
notifications:
  allowPrivate: ["127.0.0.1"]
  route: { receiver: hook, group_by: [alertname, service], group_wait: 1s, group_interval: 2s, repeat_interval: 1h }
  delivery: { initialBackoff: 200ms, maxBackoff: 1s }
${extra}`;
}

const cli = (configFile: string, args: string[], input?: string): CliResult => runCli({ redisUrl: redis.url, configFile, env: { VIGIL_SECRET_KEY: secretKey } }, args, input);

beforeAll(async () => {
	writeFileSync(join(dir, 'rules.yml'), RULES);
	redis = await startTestRedis();
	shop = await startDemoShop({ port: 0, redisUrl: redis.url, queuePrefix: `shop${process.pid}`, speed: 100 });
	receiver = new Receiver();
	await receiver.start();
}, 60_000);

afterAll(async () => {
	await vigil?.stop();
	await receiver.down();
	await shop?.stop();
	await redis?.stop();
	rmSync(dir, { recursive: true, force: true });
});

describe('payment outage to closed incident', () => {
	let token: string;
	const api = async (path: string, init: RequestInit = {}) => {
		const res = await fetch(`${vigil!.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
		return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
	};

	it('fires, opens an incident, notifies once, is acknowledged, resolves, and measures', async () => {
		vigil = await startVigilProcess({ config: config('flow:', shop.url), redisUrl: redis.url, env: { VIGIL_SECRET_KEY: secretKey } });
		await vigil.waitForOutput(/alerts role started/);
		// an admin and a token for the API; the receiver is a channel made through the API (sealed)
		expect(cli(vigil.configFile, ['users', 'add', 'alice', '--role', 'engineer'], 'correct horse battery staple\n').code).toBe(0);
		const t = cli(vigil.configFile, ['token', 'create', '--name', 'flow', '--user', 'alice']);
		token = t.out.split('\n')[0]!.trim();
		expect(cli(vigil.configFile, ['users', 'add', 'root', '--role', 'admin'], 'correct horse battery staple\n').code).toBe(0);
		const adminToken = cli(vigil.configFile, ['token', 'create', '--name', 'admin', '--user', 'root']).out.split('\n')[0]!.trim();
		const made = await fetch(`${vigil.url}/api/v1/channels`, {
			method: 'POST',
			headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
			body: JSON.stringify({ name: 'hook', type: 'webhook', url: receiver.url })
		});
		expect(made.status).toBe(201);
		expect(JSON.stringify(await made.json())).not.toContain('/hook'); // masked: scheme and host only
		// an engineer may not touch channels
		expect((await api('/api/v1/channels', { method: 'POST', body: JSON.stringify({ name: 'x', type: 'log' }) })).status).toBe(403);

		await sleep(3000); // a little normal traffic first
		expect(receiver.received).toHaveLength(0);
		shop.setScenario('payment-outage');
		const outageAt = Date.now();

		const firing = await until('the firing notification', () => receiver.received, (r) => r.length >= 1, 60_000);
		expect(firing[0]!.body.status).toBe('firing');
		expect(firing[0]!.body.alerts.map((a) => a.labels.alertname)).toEqual(['PaymentFailureRatioHigh']);
		expect(firing[0]!.body.groupLabels).toEqual({ alertname: 'PaymentFailureRatioHigh', service: 'payments' });
		expect(firing[0]!.key).toBeTruthy();
		const incidentId = firing[0]!.body.incidents[0]!.id;
		expect(incidentId).toBeTruthy();

		const open = await api('/api/v1/incidents?status=open');
		expect(open.status).toBe(200);
		expect(open.body.incidents.map((i: { id: string }) => String(i.id))).toEqual([String(incidentId)]);
		expect(open.body.incidents[0]).toMatchObject({ service: 'payments', severity: 'critical' });

		const ack = await api(`/api/v1/incidents/${incidentId}/acknowledge`, { method: 'POST', body: '{}' });
		expect(ack.status).toBe(200);
		const acked = await api(`/api/v1/incidents/${incidentId}`);
		expect(acked.body.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: expect.stringContaining('alice') });
		expect(acked.body.incident.acknowledgedAt).toBeGreaterThan(outageAt);

		shop.setScenario('normal');
		const both = await until('the resolved notification', () => receiver.received, (r) => r.some((x) => x.body.status === 'resolved'), 90_000);
		const resolved = await until('the incident to resolve', () => api(`/api/v1/incidents/${incidentId}`), (r) => r.body.incident.status === 'resolved', 30_000);
		await sleep(3000); // nothing more arrives
		expect(receiver.received.map((r) => r.body.status)).toEqual(['firing', 'resolved']);
		expect(new Set(both.map((r) => r.key)).size).toBe(2);

		const inc = resolved.body.incident;
		expect(inc.resolvedBy).toBe('auto');
		const kinds: string[] = resolved.body.timeline.map((e: { type: string }) => e.type);
		const order = ['opened', 'notification', 'acknowledged', 'alert.resolved', 'resolved'];
		const at = order.map((k) => kinds.findIndex((x) => x.startsWith(k)));
		expect(at.every((i) => i >= 0), `timeline ${kinds.join(', ')}`).toBe(true);
		expect([...at].sort((a, b) => a - b)).toEqual(at);
		// An automatic resolution is dated when the last alert stopped firing; the quiet period's end is confirmedAt.
		const entries = resolved.body.timeline as Array<{ type: string; at: number; confirmedAt?: number }>;
		const alertResolved = entries.find((e) => e.type === 'alert.resolved')!;
		const final = entries.find((e) => e.type === 'resolved')!;
		expect(final.at).toBe(alertResolved.at);
		expect(final.confirmedAt! - final.at).toBeGreaterThanOrEqual(2000);
		expect(inc.resolvedAt).toBe(final.at);
		const times = entries.filter((e) => e.type !== 'resolved').map((e) => e.at);
		expect([...times].sort((a, b) => a - b)).toEqual(times);
		expect(kinds.filter((k) => k.startsWith('notification'))).toHaveLength(2); // firing and resolved, both sent
		// the channel's URL is a secret: not in the log (the process logs at debug level here)
		expect(vigil!.output()).not.toContain(receiver.url);
		expect(vigil!.output()).toContain('notification sent');

		// The incident page charts the payment rule's expression over the incident window.
		const login = await fetch(`${vigil!.url}/login`, {
			method: 'POST',
			redirect: 'manual',
			headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', origin: vigil!.url },
			body: new URLSearchParams({ username: 'alice', password: 'correct horse battery staple' }).toString()
		});
		expect(login.status).toBe(303);
		const cookie = login.headers.getSetCookie().find((c) => c.startsWith('vigil_session='))!.split(';')[0]!;
		const page = await fetch(`${vigil!.url}/incidents/${incidentId}/__data.json`, { headers: { cookie } });
		expect(page.status).toBe(200);
		const data = await page.text();
		expect(data).toContain('shop/PaymentFailureRatioHigh {');
		expect(data).not.toContain('no longer exists');

		const from = inc.openedAt - 60_000;
		const m = await api(`/api/v1/incidents/measures?from=${from / 1000}&to=${(Date.now() + 60_000) / 1000}&service=payments`);
		expect(m.status).toBe(200);
		const tta = inc.acknowledgedAt - inc.openedAt;
		const ttr = inc.resolvedAt - inc.openedAt;
		expect(JSON.stringify(m.body)).toContain(String(tta));
		expect(JSON.stringify(m.body)).toContain(String(ttr));
	}, 240_000);

	it('a silence made before the outage keeps the notification back; the alert and the incident still appear', async () => {
		const silence = await api('/api/v1/silences', {
			method: 'POST',
			body: JSON.stringify({ matchers: '{alertname="PaymentFailureRatioHigh"}', duration: '1h', comment: 'payment provider maintenance' })
		});
		expect(silence.status).toBe(201);
		const before = receiver.received.length;
		const incidentsBefore = (await api('/api/v1/incidents')).body.incidents.length;
		shop.setScenario('payment-outage');
		const list = await until('a new incident', () => api('/api/v1/incidents?status=open'), (r) => r.body.incidents?.length === 1, 60_000);
		expect(list.body.incidents[0]).toMatchObject({ service: 'payments' });
		expect((await api('/api/v1/incidents')).body.incidents.length).toBe(incidentsBefore + 1);
		const muted = await until('the muted decision in the notification log', () => api('/api/v1/notifications?outcome=muted'), (r) => r.body.entries?.length >= 1, 20_000);
		expect(muted.body.entries[0].silences).toEqual([silence.body.silence?.id ?? silence.body.id]);
		await sleep(4000); // past group_wait and a group_interval
		expect(receiver.received.length).toBe(before);
		shop.setScenario('normal');
		await until('the incident to resolve', () => api('/api/v1/incidents?status=open'), (r) => r.body.incidents?.length === 0, 90_000);
		await sleep(3000);
		expect(receiver.received.length).toBe(before); // nothing was told, so nothing resolves
	}, 240_000);
});

describe('the alerts process killed between deciding and delivering', () => {
	it('delivers the notification once after a restart', async () => {
		await vigil?.stop();
		vigil = undefined;
		writeFileSync(join(dir, 'always.yml'), `groups:\n  - name: g\n    interval: 1s\n    rules:\n      - alert: AlwaysFiring\n        expr: vector(1)\n        labels: { service: probe }\n`);
		const port = await freePort();
		const hook = new Receiver();
		hook.port = port;
		const cfg = `redis: { prefix: "kill:" }
alerts: { ruleFiles: [${join(dir, 'always.yml')}], defaultInterval: 1s, leaseTtl: 2s }
notifications:
  allowPrivate: ["127.0.0.1"]
  channels: [{ name: hook, type: webhook, url: "http://127.0.0.1:${port}/hook" }]
  route: { receiver: hook, group_wait: 0s, group_interval: 1s }
  delivery: { initialBackoff: 100ms, maxBackoff: 500ms }
`;
		const first = await startVigilProcess({ config: cfg, redisUrl: redis.url, roles: 'alerts' });
		// decided, and tried against a receiver that is not there yet
		await first.waitForOutput(/notification attempt failed; retrying/, 30_000);
		await first.stop('SIGKILL');
		const client = redis.client();
		expect(await client.zcard('kill:{alerts}:notify:queue')).toBe(1);
		await hook.start(port);
		try {
			const second = await startVigilProcess({ config: cfg, redisUrl: redis.url, roles: 'alerts' });
			try {
				await until('the delivery', () => hook.received, (r) => r.length >= 1, 30_000);
				await sleep(4000); // group_interval passes several times: nothing new to tell
				expect(hook.received).toHaveLength(1);
				expect(await client.zcard('kill:{alerts}:notify:queue')).toBe(0);
			} finally {
				await second.stop();
			}
		} finally {
			await hook.down();
		}
	}, 120_000);
});
