/**
 * The prometheus source against real endpoints: a fixture exposition served by a test server
 * (histograms, counters that reset, NaN and infinities, escaped labels, a repeated series, a
 * clash with target labels, OpenMetrics), and the demo shop's own /metrics.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoShop, type DemoShop } from '../../demo-shop/index';
import { collect } from '../helpers/collect';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

let redis: TestRedis;
let server: Server;
let base: string;
let requests = 0;
let lastAccept = '';

/** A counter that grows, then resets (a restarted process), then grows again. */
const ORDERS = [100, 150, 7, 20];

function textExposition(): string {
	const orders = ORDERS[Math.min(Math.max(0, requests - 1), ORDERS.length - 1)]!;
	return `# HELP shop_orders_total Orders placed.
# TYPE shop_orders_total counter
shop_orders_total{channel="web"} ${orders}
# HELP checkout_seconds Checkout latency.
# TYPE checkout_seconds histogram
checkout_seconds_bucket{le="0.1"} 10
checkout_seconds_bucket{le="0.5"} 60
checkout_seconds_bucket{le="1"} 90
checkout_seconds_bucket{le="+Inf"} 100
checkout_seconds_sum 42.5
checkout_seconds_count 100
# TYPE room_temperature gauge
room_temperature{room="attic"} NaN
room_temperature{room="boiler"} +Inf
room_temperature{room="cellar"} -Inf
file_access{path="C:\\\\DIR\\\\FILE.TXT",error="not \\"found\\"\\nat all"} 1
clash{target="theirs",instance="other:1"} 5
dup{a="1"} 1
dup{a="1"} 2
ignored_debug_metric 3
`;
}

/** Whether `part` is `whole` with some elements left out, the rest in order. */
function isSubsequence(part: number[], whole: number[]): boolean {
	let i = 0;
	for (const v of whole) if (i < part.length && part[i] === v) i++;
	return i === part.length;
}

const OPENMETRICS = `# TYPE jobs counter
# HELP jobs Jobs done.
jobs_total{queue="mail"} 12
jobs_created{queue="mail"} 1700000000
# TYPE build info
build_info{version="1.2.3"} 1
# EOF
`;

beforeAll(async () => {
	redis = await startTestRedis();
	server = createServer((req, res) => {
		if (req.url === '/metrics') {
			requests++;
			lastAccept = String(req.headers.accept ?? '');
			return void res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(textExposition());
		}
		if (req.url === '/om') return void res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' }).end(OPENMETRICS);
		if (req.url === '/broken') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok_metric 1\nbroken{le="x" 1\n');
		res.writeHead(404).end();
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const addr = server.address();
	base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

afterAll(async () => {
	server.closeAllConnections();
	await new Promise((r) => server.close(r));
	await redis.stop();
});

const ALLOW = ['127.0.0.1'];

describe('prometheus source', () => {
	it('stores counters, histogram buckets and quantiles, special values and escaped labels, as scraped', async () => {
		requests = 0;
		const c = await collect(
			redis.url,
			[{ kind: 'prometheus', name: 'app', url: `${base}/metrics`, interval: '200ms', quantiles: [0.5, 0.9], drop: ['ignored_.*'], labels: { service: 'shop' } }],
			{ allowPrivate: ALLOW }
		);
		try {
			const instance = new URL(base).host;
			const [orders] = await c.waitFor('shop_orders_total{channel="web"}');
			expect(lastAccept).toContain('application/openmetrics-text');
			expect(orders!.labels).toEqual({ __name__: 'shop_orders_total', channel: 'web', target: 'app', instance, service: 'shop' });
			const buckets = await c.waitFor('checkout_seconds_bucket{target="app"}', (r) => r.length === 4);
			expect(Object.fromEntries(buckets.map((b) => [b.labels.le, b.value]))).toEqual({ '0.1': 10, '0.5': 60, '1': 90, '+Inf': 100 });
			expect(await c.value('checkout_seconds_sum')).toBe(42.5);
			expect(await c.value('checkout_seconds_quantile{quantile="0.5"}')).toBeCloseTo(0.1 + 0.4 * (40 / 50), 9);
			expect(await c.value('checkout_seconds_quantile{quantile="0.9"}')).toBeCloseTo(1, 9);
			expect(await c.value('room_temperature{room="attic"}')).toBeNaN();
			expect(await c.value('room_temperature{room="boiler"}')).toBe(Infinity);
			expect(await c.value('room_temperature{room="cellar"}')).toBe(-Infinity);
			const [file] = await c.waitFor('file_access');
			expect(file!.labels).toMatchObject({ path: 'C:\\DIR\\FILE.TXT', error: 'not "found"\nat all' });
			// Labels that clash with the target's are kept as exported_<label>.
			const [clash] = await c.waitFor('clash');
			expect(clash!.labels).toMatchObject({ exported_target: 'theirs', exported_instance: 'other:1', target: 'app', instance });
			// A repeated series is reported, and its first sample kept.
			expect(await c.value('dup')).toBe(1);
			expect(await c.value('scrape_duplicate_series{target="app"}')).toBe(1);
			expect(await c.store.latest('ignored_debug_metric')).toEqual([]);
			expect(await c.value('scrape_samples_scraped{target="app"}')).toBe(14); // the repeated series not counted
			// Counters are stored as they are, resets included: rate is a query concern.
			await c.waitFor('shop_orders_total', (r) => r[0]?.value === 20, 5000);
			const [history] = await c.store.raw('shop_orders_total', 0, Date.now());
			const upToLast = history!.values.indexOf(20) + 1;
			// A scrape abandoned at its timeout (a loaded machine) stores nothing and counts as down
			// (a stale marker once the series exists); whatever is stored is what was served, in
			// order, and the reset is kept as it came.
			const stored = history!.values.slice(0, upToLast).filter((_, i) => !history!.stale?.includes(i));
			expect(isSubsequence(stored, ORDERS), `stored ${stored.join(', ')}`).toBe(true);
			expect(stored.some((v, i) => i > 0 && v < stored[i - 1]!), `no reset in ${stored.join(', ')}`).toBe(true);
			const [ups] = await c.store.raw('up{target="app"}', 0, history!.ts[upToLast - 1]!);
			expect(ups!.values.filter((v) => v === 0).length).toBeGreaterThanOrEqual(ORDERS.length - stored.length);
			// What the scrape said about each family is kept for the metadata API.
			expect(await c.store.metadata('checkout_seconds')).toEqual([{ metric: 'checkout_seconds', type: 'histogram', help: 'Checkout latency.', unit: '' }]);
		} finally {
			await c.stop();
		}
	});

	it('reads OpenMetrics when the server offers it', async () => {
		const c = await collect(redis.url, [{ kind: 'prometheus', name: 'om', url: `${base}/om`, interval: '200ms' }], { allowPrivate: ALLOW });
		try {
			expect(await c.value('jobs_total{queue="mail"}')).toBe(12);
			expect(await c.value('build_info{version="1.2.3"}')).toBe(1);
			expect((await c.store.metadata('jobs'))[0]).toMatchObject({ type: 'counter', help: 'Jobs done.' });
		} finally {
			await c.stop();
		}
	});

	it('keeps only what `keep` selects, by metric name pattern or selector', async () => {
		const c = await collect(
			redis.url,
			[{ kind: 'prometheus', name: 'picky', url: `${base}/metrics`, interval: '200ms', keep: ['shop_.*', 'room_temperature{room="attic"}'] }],
			{ allowPrivate: ALLOW }
		);
		try {
			await c.waitFor('scrape_samples_kept{target="picky"}');
			expect(await c.value('scrape_samples_kept{target="picky"}')).toBe(2);
			expect((await c.store.series('{target="picky"}')).map((s) => s.labels.__name__).sort()).toEqual(
				expect.arrayContaining(['room_temperature', 'shop_orders_total', 'up'])
			);
			expect(await c.store.latest('checkout_seconds_bucket{target="picky"}')).toEqual([]);
		} finally {
			await c.stop();
		}
	});

	it('fails a scrape of a malformed exposition, naming the line', async () => {
		const c = await collect(redis.url, [{ kind: 'prometheus', name: 'broken', url: `${base}/broken`, interval: '200ms' }], { allowPrivate: ALLOW });
		try {
			expect(await c.value('up{target="broken"}')).toBe(0);
			expect(await c.store.latest('ok_metric')).toEqual([]);
		} finally {
			await c.stop();
		}
	});
});

describe('prometheus source on the demo shop', () => {
	let shop: DemoShop;
	beforeAll(async () => {
		shop = await startDemoShop({ port: 0, redisUrl: redis.url, queuePrefix: 'promtest', speed: 30 });
	});
	afterAll(async () => {
		await shop.stop();
	});

	it('stores the shop metrics, and sees a payment outage in them', async () => {
		const c = await collect(redis.url, [{ kind: 'prometheus', name: 'shop', url: `${shop.url}/metrics`, interval: '300ms', keep: ['shop_.*', 'system_failure_ratio'] }], {
			allowPrivate: ALLOW
		});
		try {
			const channels = await c.waitFor('shop_orders_total{target="shop"}', (r) => r.length === 3);
			expect(channels.map((r) => r.labels.channel).sort()).toEqual(['app', 'marketplace', 'web']);
			const before = await c.value('shop_payment_failures_total');
			shop.setScenario('payment-outage');
			await c.waitFor('shop_payment_failures_total', (r) => (r[0]?.value ?? 0) > before, 5000);
			await c.waitFor('system_failure_ratio', (r) => (r[0]?.value ?? 0) > 0, 5000);
		} finally {
			shop.setScenario('normal');
			await c.stop();
		}
	});
});
