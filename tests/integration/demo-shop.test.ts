/**
 * The demo shop as Vigil sees it: its HTTP services and health endpoints, its Prometheus metrics,
 * its BullMQ queues in a private Redis, and what each scenario does to them, all through HTTP and
 * Redis; and the shipped config's collectors watching it through every source kind. The shop runs
 * at speed 30 so that traffic effects show within seconds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { parse } from 'yaml';
import { startDemoShop, type DemoShop } from '../../demo-shop/index';
import { evalInstant, loadSource, parseExpr } from '../../src/lib/server/promql/index';
import { createKeys } from '../../src/lib/server/keys';
import { TicketStore } from '../../src/lib/server/tickets/index';
import { collect, type Collecting } from '../helpers/collect';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { ROOT } from '../helpers/vigil-process';

interface Sample {
	name: string;
	labels: Record<string, string>;
	value: number;
}

/** Parses the Prometheus text format, enough for these assertions. */
function parseMetrics(text: string): Sample[] {
	const samples: Sample[] = [];
	for (const line of text.split('\n')) {
		const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
		if (!m || line.startsWith('#')) continue;
		const labels: Record<string, string> = {};
		for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] ?? ''] = l[2] ?? '';
		samples.push({ name: m[1] ?? '', labels, value: Number(m[3]) });
	}
	return samples;
}

function matching(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
	return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The sum of every sample of `name` with these labels (a single sample when the labels are complete). */
function sum(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
	return matching(samples, name, labels).reduce((a, s) => a + s.value, 0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last = await read();
	while (!ok(last)) {
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value ${JSON.stringify(last)}`);
		await sleep(100);
		last = await read();
	}
	return last;
}

let redis: TestRedis;
let client: Redis;
let shop: DemoShop;

async function metrics(): Promise<Sample[]> {
	const res = await fetch(`${shop.url}/metrics`);
	expect(res.status).toBe(200);
	return parseMetrics(await res.text());
}

async function status(path: string, init?: RequestInit): Promise<number> {
	const res = await fetch(`${shop.url}${path}`, init);
	await res.arrayBuffer();
	return res.status;
}

async function setScenario(scenario: string): Promise<{ status: number; body: Record<string, unknown> }> {
	const res = await fetch(`${shop.url}/scenario`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ scenario })
	});
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const orders = async () => sum(await metrics(), 'shop_orders_total');
const orderDepth = async () => sum(await metrics(), 'shop_queue_depth', { queue: 'orders' });

beforeAll(async () => {
	redis = await startTestRedis();
	client = redis.client();
	shop = await startDemoShop({ port: 0, redisUrl: redis.url, speed: 30 });
});

afterAll(async () => {
	await shop?.stop();
	await redis?.stop();
});

describe('the demo shop in the normal scenario', () => {
	it('answers 200 {"status":"ok"} on the four health endpoints', async () => {
		expect(shop.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		for (const service of ['storefront', 'search', 'checkout', 'payments']) {
			const res = await fetch(`${shop.url}/${service}/health`);
			expect(res.status, service).toBe(200);
			expect(await res.json()).toEqual({ status: 'ok' });
		}
	});

	it('serves the storefront page, search results, checkouts and payments', async () => {
		const page = await fetch(`${shop.url}/storefront`);
		expect(page.status).toBe(200);
		expect(page.headers.get('content-type')).toContain('text/html');
		expect(await page.text()).toContain('<h1>Demo Shop</h1>');

		const search = await fetch(`${shop.url}/search?q=jacket`);
		expect(search.status).toBe(200);
		expect(await search.json()).toMatchObject({ query: 'jacket', total: 1, results: [{ name: 'Rain jacket' }] });

		const checkout = await fetch(`${shop.url}/checkout`, { method: 'POST', body: JSON.stringify({ channel: 'marketplace', items: 2 }) });
		expect(checkout.status).toBe(200);
		expect(await checkout.json()).toMatchObject({ status: 'confirmed', channel: 'marketplace', items: 2 });

		const payment = await fetch(`${shop.url}/payments`, { method: 'POST', body: JSON.stringify({ orderId: 'o-1', amount: 10 }) });
		expect(payment.status).toBe(200);
		expect(await payment.json()).toMatchObject({ status: 'approved', orderId: 'o-1' });

		const bad = await fetch(`${shop.url}/checkout`, { method: 'POST', body: JSON.stringify({ channel: 'fax' }) });
		expect(bad.status).toBe(400);
		expect(await bad.json()).toMatchObject({ field: 'channel' });
	});

	it('answers 404 JSON for unknown paths and 405 for wrong methods', async () => {
		const missing = await fetch(`${shop.url}/nowhere`);
		expect(missing.status).toBe(404);
		expect(await missing.json()).toMatchObject({ error: 'not found' });
		const wrong = await fetch(`${shop.url}/checkout`);
		expect(wrong.status).toBe(405);
		expect(wrong.headers.get('allow')).toBe('POST');
		expect(await wrong.json()).toMatchObject({ allowed: ['POST'] });
		expect(await status('/payments/health', { method: 'POST' })).toBe(405);
	});

	it('exposes every metric with its labels on its own registry', async () => {
		const res = await fetch(`${shop.url}/metrics`);
		expect(res.headers.get('content-type')).toContain('text/plain');
		const text = await res.text();
		expect(text).toMatch(/^process_cpu_user_seconds_total /m);
		expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
		for (const name of [
			'shop_orders_total',
			'shop_orders_per_minute',
			'shop_payment_failures_total',
			'http_request_duration_seconds',
			'shop_queue_depth',
			'cs_first_response_seconds',
			'complaints_open',
			'complaint_age_seconds',
			'satisfaction_ratio',
			'system_failure_ratio'
		]) {
			expect(text, name).toContain(`# TYPE ${name} `);
		}
		const samples = parseMetrics(text);
		for (const channel of ['web', 'app', 'marketplace']) expect(matching(samples, 'shop_orders_total', { channel })).toHaveLength(1);
		for (const queue of ['orders', 'tickets']) expect(matching(samples, 'shop_queue_depth', { queue })).toHaveLength(1);
		for (const stage of ['unanswered', 'open']) expect(matching(samples, 'complaint_age_seconds', { stage })).toHaveLength(1);
		const firstResponseBuckets = matching(samples, 'cs_first_response_seconds_bucket').map((s) => s.labels.le);
		expect(firstResponseBuckets).toEqual(['30', '60', '120', '300', '600', '1800', '3600', '+Inf']);
		expect(sum(samples, 'satisfaction_ratio')).toBeGreaterThanOrEqual(0);
		expect(sum(samples, 'satisfaction_ratio')).toBeLessThanOrEqual(1);
		expect(sum(samples, 'system_failure_ratio')).toBeLessThan(0.001);

		// The traffic reaches all four services through the same handlers; real requests are timed too.
		for (const [service, route, method] of [
			['storefront', '/storefront', 'GET'],
			['search', '/search', 'GET'],
			['checkout', '/checkout', 'POST'],
			['payments', '/payments', 'POST'],
			['checkout', '/checkout/health', 'GET'],
			['shop', 'unmatched', 'GET']
		] as const) {
			const count = matching(samples, 'http_request_duration_seconds_count', { service, route, method });
			expect(count.length, `${service} ${route}`).toBeGreaterThan(0);
		}
		const buckets = matching(samples, 'http_request_duration_seconds_bucket', { service: 'storefront', route: '/storefront', code: '200' });
		expect(buckets.map((s) => s.labels.le)).toEqual(['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
	});

	it('counts orders as the simulated customers check out', async () => {
		const before = await orders();
		await until(orders, (n) => n >= before + 3, 5000, 'three more orders');
		const perMinute = sum(await metrics(), 'shop_orders_per_minute');
		expect(perMinute).toBeGreaterThan(0);
	});

	it('keeps the BullMQ queues in Redis under the prefix and processes their jobs', async () => {
		const keys = await client.keys('demo-shop:orders:*');
		expect(keys).toEqual(expect.arrayContaining(['demo-shop:orders:meta', 'demo-shop:orders:id']));
		const completed = () => client.zcard('demo-shop:orders:completed');
		const before = await completed();
		await until(completed, (n) => n >= before + 3, 5000, 'three more completed order jobs');
		expect(await client.exists('demo-shop:tickets:meta')).toBe(1);
	});

	it('reports the scenario and rejects an unknown one with a 400 naming the field', async () => {
		const res = await fetch(`${shop.url}/scenario`);
		expect(await res.json()).toEqual({
			scenario: 'normal',
			scenarios: ['normal', 'latency-spike', 'payment-outage', 'queue-backlog', 'checkout-down', 'flash-sale']
		});
		const bad = await setScenario('on-fire');
		expect(bad.status).toBe(400);
		expect(bad.body.field).toBe('scenario');
		expect(String(bad.body.error)).toContain('scenario');
		expect(String(bad.body.error)).toContain('payment-outage');
		const notJson = await fetch(`${shop.url}/scenario`, { method: 'POST', body: 'normal' });
		expect(notJson.status).toBe(400);
		expect(shop.scenario()).toBe('normal');
	});
});

describe('the scenarios, switched at run time', () => {
	it('latency-spike makes search and checkout take seconds', async () => {
		expect(await setScenario('latency-spike')).toMatchObject({ status: 200, body: { scenario: 'latency-spike' } });
		const timed = async (path: string, init?: RequestInit) => {
			const started = Date.now();
			expect(await status(path, init)).toBe(200);
			return Date.now() - started;
		};
		const [checkout, ...searches] = await Promise.all([
			timed('/checkout', { method: 'POST', body: JSON.stringify({ payment: 'gift-card' }) }),
			timed('/search?q=a'),
			timed('/search?q=b'),
			timed('/search?q=c')
		]);
		expect(Math.max(...searches)).toBeGreaterThan(600);
		expect(checkout).toBeGreaterThan(1000);
		expect(await status('/search/health')).toBe(200);
	});

	it('payment-outage fails payments: 503 health, failures counted, failure ratio up', async () => {
		const failuresBefore = sum(await metrics(), 'shop_payment_failures_total');
		shop.setScenario('payment-outage');
		const health = await fetch(`${shop.url}/payments/health`);
		expect(health.status).toBe(503);
		expect(await health.json()).toMatchObject({ status: 'down' });
		expect(await status('/payments', { method: 'POST', body: '{}' })).toBe(503);
		expect(await status('/checkout', { method: 'POST', body: JSON.stringify({ payment: 'card' }) })).toBe(502);
		const after = await until(
			metrics,
			(s) => sum(s, 'shop_payment_failures_total') > failuresBefore + 3 && sum(s, 'system_failure_ratio') > 0.001,
			5000,
			'payment failures and a failure ratio above 0.001'
		);
		expect(matching(after, 'http_request_duration_seconds_count', { service: 'payments', route: '/payments', code: '503' }).length).toBe(1);
	});

	it('checkout-down answers 500 fast on /checkout and its health, and orders stop', async () => {
		await setScenario('checkout-down');
		expect(await status('/checkout/health')).toBe(500);
		const started = Date.now();
		expect(await status('/checkout', { method: 'POST', body: '{}' })).toBe(500);
		expect(Date.now() - started).toBeLessThan(200);
		await sleep(2000); // checkouts already in flight finish
		const before = await orders();
		await sleep(1500);
		expect(await orders()).toBe(before);
		expect(await status('/payments/health')).toBe(200);
	});

	it('queue-backlog makes the orders queue grow, as BullMQ counts it', async () => {
		await setScenario('queue-backlog');
		expect(await status('/checkout/health')).toBe(200);
		await sleep(1200);
		const start = await orderDepth();
		const grown = await until(orderDepth, (d) => d >= start + 5, 10_000, 'the orders queue to grow by 5');
		const [waiting, active, delayed, prioritized] = await Promise.all([
			client.llen('demo-shop:orders:wait'),
			client.llen('demo-shop:orders:active'),
			client.zcard('demo-shop:orders:delayed'),
			client.zcard('demo-shop:orders:prioritized')
		]);
		const inRedis = waiting + active + delayed + prioritized;
		expect(waiting).toBeGreaterThan(0);
		// The gauge is refreshed every second; the queue keeps growing meanwhile.
		expect(inRedis).toBeGreaterThanOrEqual(grown - 5);
		expect(inRedis - grown).toBeLessThanOrEqual(Math.max(30, grown));
	});

	it('flash-sale brings more orders than the workers keep up with', async () => {
		await setScenario('normal');
		await until(orderDepth, (d) => d < 10, 8000, 'the backlog to drain');
		shop.setScenario('flash-sale');
		await sleep(1200);
		const start = await orderDepth();
		await until(orderDepth, (d) => d >= start + 10, 8000, 'the orders queue to grow by 10');
		expect(await status('/checkout/health')).toBe(200);
	});

	it('back to normal restores every health endpoint', async () => {
		expect(await setScenario('normal')).toMatchObject({ status: 200, body: { scenario: 'normal' } });
		for (const service of ['storefront', 'search', 'checkout', 'payments']) {
			expect(await status(`/${service}/health`), service).toBe(200);
		}
	});
});

/**
 * The demo board's "Latency p95" checkout series is the number the CheckoutLatencyHigh rule
 * compares with its threshold: the rule's expression, evaluated by the rule engine on the stored
 * buckets at the time of the stored quantile, gives the same value.
 */
async function checkoutP95IsTheRules(c: Collecting): Promise<void> {
	const config = parse(readFileSync(join(ROOT, 'vigil.config.yaml'), 'utf8')) as {
		wall: { boards: Array<{ name: string; tiles: Array<{ title: string; series?: Array<{ selector: string; label: string }> }> }> };
	};
	const tile = config.wall.boards.find((b) => b.name === 'demo-shop')!.tiles.find((t) => t.title === 'Latency p95')!;
	const selector = tile.series!.find((s) => s.label === 'checkout')!.selector;
	const rules = parse(readFileSync(join(ROOT, 'rules', 'demo-shop.rules.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string; expr: string }> }> };
	const rule = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === 'CheckoutLatencyHigh')!;
	const [, lhs] = /^([\s\S]*\))\s*>\s*2\s*$/.exec(rule.expr)!;
	const expr = parseExpr(lhs!);
	// A few scrapes in, so that the window holds several (and the shop has had checkouts).
	const [first] = await c.waitFor(selector, (r) => r.length === 1 && Number.isFinite(r[0]!.value));
	const [shown] = await c.waitFor(selector, (r) => r[0]!.ts >= first!.ts + 2000 && Number.isFinite(r[0]!.value));
	expect(shown!.labels).toMatchObject({ service: 'checkout', route: '/checkout', quantile: '0.95', target: 'shop-metrics' });
	const result = evalInstant(expr, shown!.ts, await loadSource(c.store, expr, shown!.ts, shown!.ts));
	expect(result.type).toBe('vector');
	const samples = result.type === 'vector' ? result.samples : [];
	expect(samples.map((s) => s.labels)).toEqual([{ service: 'checkout', route: '/checkout' }]);
	expect(shown!.value).toBeCloseTo(samples[0]!.value, 9);
}

describe('the shipped config watching the shop', () => {
	it('stores what each kind of its collectors reads: http, prometheus, redis-queue, and the copies in PostgreSQL and RabbitMQ', async () => {
		const postgresUrl = process.env.VIGIL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
		const amqpUrl = 'amqp://guest:guest@127.0.0.1:5672';
		const watched = await startDemoShop({ port: 0, redisUrl: redis.url, speed: 30, queuePrefix: 'watched', postgresUrl, amqpUrl, ticketStorePrefix: 'watched-vigil:' });
		const tickets = { store: new TicketStore(client, createKeys('watched-vigil:'), { retentionMs: 90 * 86_400_000 }), maxLabelValues: 20 };
		// vigil.config.yaml as shipped, pointed at this shop (its port, queue prefix and test database), every 500 ms.
		const shipped = parse(readFileSync(join(ROOT, 'vigil.config.yaml'), 'utf8')) as { collect: { allowPrivate: string[] }; collectors: Array<Record<string, unknown>> };
		const blocks = shipped.collectors.map((b) => {
			const text = JSON.stringify(b).replaceAll('${demoShop.url}', watched.url).replaceAll('"prefix":"demo-shop"', '"prefix":"watched"');
			const block: Record<string, unknown> = { ...(JSON.parse(text) as Record<string, unknown>), interval: '500ms' };
			return block.kind === 'sql' || (block.kind === 'tickets' && block.url) ? { ...block, url: postgresUrl, ...(block.kind === 'tickets' ? { settle: '0s' } : {}) } : block;
		});
		expect(new Set(blocks.map((b) => b.kind))).toEqual(new Set(['http', 'prometheus', 'redis-queue', 'rabbitmq', 'sql', 'tickets']));
		const c = await collect(redis.url, blocks, { allowPrivate: shipped.collect.allowPrivate, tickets });
		try {
			for (const service of ['storefront', 'search', 'checkout', 'payments']) {
				// Waits for a probe that passed: on a loaded machine one may miss its 400 ms timeout.
				await c.waitFor(`up{target="${service}",service="${service}"}`, (r) => r[0]?.value === 1);
				expect(await c.value(`probe_http_status_code{target="${service}"}`), service).toBe(200);
			}
			expect(await c.value('up{target="shop-metrics"}')).toBe(1);
			const channels = await c.waitFor('shop_orders_total{target="shop-metrics"}', (r) => r.length === 3);
			expect(channels.map((r) => r.labels.channel).sort()).toEqual(['app', 'marketplace', 'web']);
			await checkoutP95IsTheRules(c);
			expect(await c.value('satisfaction_ratio{target="shop-metrics"}')).toBeGreaterThanOrEqual(0);
			const queues = await c.waitFor('queue_backlog{target="shop-queues"}', (r) => r.length === 2);
			expect(queues.map((r) => r.labels.queue).sort()).toEqual(['orders', 'tickets']);
			await c.waitFor('queue_jobs{target="shop-queues",queue="orders",state="waiting"}');
			// The copies: orders in PostgreSQL by channel, notifications on RabbitMQ with the shop's worker consuming.
			const rows = await c.waitFor('shop_db_orders_last_minute{target="shop-db"}', (r) => r.reduce((a, x) => a + x.value, 0) > 0, 20_000);
			for (const r of rows) expect(['app', 'marketplace', 'web']).toContain(r.labels.channel);
			await c.waitFor('up{target="shop-db"}', (r) => r[0]?.value === 1);
			await c.waitFor('up{target="shop-notifications"}', (r) => r[0]?.value === 1);
			expect(await c.value('queue_consumers{target="shop-notifications",queue="demo-shop.notifications"}')).toBeGreaterThanOrEqual(1);
			expect(await c.value('queue_backlog{target="shop-notifications",queue="demo-shop.notifications"}')).toBeGreaterThanOrEqual(0);
			// A payment outage shows in what is stored within 5 s.
			watched.setScenario('payment-outage');
			await c.waitFor('up{target="payments"}', (r) => r[0]?.value === 0, 5000);
			// The shop's helpdesk: questions all along, and the outage's wave of payment complaints.
			await c.waitFor('vigil_tickets_created{target="helpdesk",by="all",kind="ticket",window="24h"}', (r) => (r[0]?.value ?? 0) > 0, 15_000);
			await c.waitFor('vigil_tickets_created{target="helpdesk",by="category",category="payment",kind="complaint",window="24h"}', (r) => (r[0]?.value ?? 0) > 0, 15_000);
			// The same tickets copied to PostgreSQL and read back by SQL (the optional helpdesk-db target).
			await c.waitFor('vigil_tickets_source_rows_read{target="helpdesk-db"}', (r) => (r[0]?.value ?? 0) > 0, 15_000);
		} finally {
			await c.stop();
			await watched.stop();
		}
	}, 60_000);
});

describe('without Redis', () => {
	it('keeps answering while Redis is down, keeps the last queue depths, and still stops promptly', async () => {
		const lonely = await startTestRedis();
		const other = await startDemoShop({ port: 0, redisUrl: lonely.url, speed: 30, queuePrefix: 'outage' });
		try {
			const probe = lonely.client();
			await until(() => probe.exists('outage:orders:meta'), (n) => n === 1, 5000, 'the orders queue under the "outage" prefix');
			await lonely.kill();
			const read = async () => parseMetrics(await (await fetch(`${other.url}/metrics`)).text());
			const before = await read();
			for (const service of ['storefront', 'search', 'checkout', 'payments']) {
				expect((await fetch(`${other.url}/${service}/health`)).status, service).toBe(200);
			}
			// Orders keep coming in; how fast depends on the simulated time of day (few at night),
			// so wait for the next one rather than a fixed time.
			const after = await until(read, (m) => sum(m, 'shop_orders_total') > sum(before, 'shop_orders_total'), 20_000, 'an order while Redis is down');
			expect(sum(after, 'shop_orders_total')).toBeGreaterThan(sum(before, 'shop_orders_total'));
			expect(matching(after, 'shop_queue_depth')).toHaveLength(2);
			const started = Date.now();
			await other.stop();
			expect(Date.now() - started).toBeLessThan(3000);
		} finally {
			await other.stop();
			await lonely.restart(); // the helper stops only a running server
			await lonely.stop();
		}
	});
});

describe('stopping', () => {
	it('resolves quickly, closes the server and its Redis connections', async () => {
		const started = Date.now();
		await shop.stop();
		expect(Date.now() - started).toBeLessThan(3000);
		await expect(fetch(`${shop.url}/storefront/health`)).rejects.toThrow();
		const shopClients = async () =>
			String(await client.client('LIST'))
				.split('\n')
				.filter((line) => /name=(vigil:demo-shop|demo-shop:)/.test(line));
		await until(shopClients, (lines) => lines.length === 0, 2000, 'the shop to close its Redis connections');
		await shop.stop(); // idempotent
	});
});
