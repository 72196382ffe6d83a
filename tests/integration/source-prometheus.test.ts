/**
 * The prometheus source against real endpoints: a fixture exposition served by a test server
 * (histograms, counters that reset, NaN and infinities, escaped labels, a repeated series, a
 * clash with target labels, OpenMetrics), the demo shop's own /metrics, and a histogram whose
 * quantiles over a window Vigil and a real Prometheus 2.42 compute side by side (skipped, with a
 * notice, where the prometheus binary is absent).
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoShop, type DemoShop } from '../../demo-shop/index';
import { collect, type Collecting } from '../helpers/collect';
import { prometheusAvailable, PROMETHEUS_BIN, startPrometheus, type TestPrometheus } from '../helpers/prometheus';
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
	// 100 more checkouts per scrape, always the same mix, so their quantiles over any window are the same.
	const k = requests;
	return `# HELP shop_orders_total Orders placed.
# TYPE shop_orders_total counter
shop_orders_total{channel="web"} ${orders}
# HELP checkout_seconds Checkout latency.
# TYPE checkout_seconds histogram
checkout_seconds_bucket{le="0.1"} ${10 * k}
checkout_seconds_bucket{le="0.5"} ${60 * k}
checkout_seconds_bucket{le="1"} ${90 * k}
checkout_seconds_bucket{le="+Inf"} ${100 * k}
checkout_seconds_sum ${42.5 * k}
checkout_seconds_count ${100 * k}
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
			const k = buckets.find((b) => b.labels.le === '+Inf')!.value / 100;
			expect(Object.fromEntries(buckets.map((b) => [b.labels.le, b.value / k]))).toEqual({ '0.1': 10, '0.5': 60, '1': 90, '+Inf': 100 });
			expect((await c.value('checkout_seconds_sum')) % 42.5).toBe(0);
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

const havePrometheus = prometheusAvailable();

/**
 * A checkout service's latency histogram as a function of time since `t0` (seconds), with
 * fractional counts so that whoever scrapes at whatever instant reads the same curve: 20 good
 * and 1 failed checkout a second; from 25 s to 45 s a latency spike (and 3 failures a second);
 * at 60 s the process restarts (every count back to 0).
 */
const LATENCY_LES = [0.1, 0.25, 0.5, 1, 2.5, 5, Infinity];
const FAST = [0.5, 0.8, 0.95, 0.99, 1, 1, 1];
const SLOW = [0, 0.05, 0.1, 0.3, 0.7, 0.95, 1];
const PHASES: Array<{ from: number; to: number; rate: Record<string, number>; mix: number[] }> = [
	{ from: 0, to: 25, rate: { '200': 20, '502': 1 }, mix: FAST },
	{ from: 25, to: 45, rate: { '200': 20, '502': 3 }, mix: SLOW },
	{ from: 45, to: Infinity, rate: { '200': 20, '502': 1 }, mix: FAST }
];
const RESTART_AT = 60;

function latencyExposition(sec: number): string {
	const since = sec >= RESTART_AT ? RESTART_AT : 0;
	let out = '# TYPE shop_latency_seconds histogram\n';
	for (const code of ['200', '502']) {
		const counts = LATENCY_LES.map(() => 0);
		for (const p of PHASES) {
			const d = Math.max(0, Math.min(sec, p.to) - Math.max(since, p.from));
			LATENCY_LES.forEach((_, i) => (counts[i]! += d * p.rate[code]! * p.mix[i]!));
		}
		LATENCY_LES.forEach((le, i) => {
			out += `shop_latency_seconds_bucket{route="/checkout",code="${code}",le="${le === Infinity ? '+Inf' : le}"} ${counts[i]}\n`;
		});
		out += `shop_latency_seconds_count{route="/checkout",code="${code}"} ${counts.at(-1)}\n`;
	}
	return out;
}

interface PromMatrix {
	metric: Record<string, string>;
	values: Array<[number, string]>;
}

async function promRange(url: string, expr: string, from: number, to: number): Promise<PromMatrix[]> {
	const q = new URLSearchParams({ query: expr, start: String(from / 1000), end: String(to / 1000), step: '0.1' });
	const res = (await (await fetch(`${url}/api/v1/query_range?${q}`)).json()) as { status: string; data: { result: PromMatrix[] } };
	expect(res.status).toBe('success');
	return res.data.result;
}

/**
 * Compares Vigil's stored quantile samples with Prometheus' answers for the same expression. The
 * two scrape the target at different instants (up to a second apart), so each of Vigil's values
 * must lie within what Prometheus answered over the 1.1 s either side of its time (give or take
 * 1 %). Returns how many were compared, and the spread, for the message.
 */
function compare(vigil: { ts: number[]; values: number[] }, prom: Array<[number, string]>, what: string): number {
	const points = prom.map(([t, v]) => [Math.round(t * 1000), Number(v)] as const).filter(([, v]) => Number.isFinite(v));
	let compared = 0;
	const misses: string[] = [];
	vigil.ts.forEach((t, i) => {
		const v = vigil.values[i]!;
		const near = points.filter(([pt]) => Math.abs(pt - t) <= 1100).map(([, pv]) => pv);
		if (near.length < 2 || !Number.isFinite(v)) return;
		compared++;
		const lo = Math.min(...near);
		const hi = Math.max(...near);
		if (v < lo * 0.99 - 1e-9 || v > hi * 1.01 + 1e-9) misses.push(`${new Date(t).toISOString()}: vigil ${v.toFixed(4)}, prometheus ${lo.toFixed(4)}..${hi.toFixed(4)}`);
	});
	expect(misses, `${what}: ${misses.length} of ${compared} outside Prometheus' range`).toEqual([]);
	return compared;
}

/** Waits for Prometheus' first scrape of the target (its discovery takes up to 5 s to hand it over). */
async function untilPrometheusScraped(url: string): Promise<void> {
	const deadline = Date.now() + 30_000;
	while (Date.now() < deadline) {
		const res = (await (await fetch(`${url}/api/v1/query?query=up`)).json()) as { data: { result: unknown[] } };
		if (res.data.result.length > 0) return;
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error('prometheus did not scrape the target within 30 s');
}

describe.skipIf(!havePrometheus)('quantiles over a window, against Prometheus 2.42', () => {
	let prom: TestPrometheus | undefined;
	let target: Server;
	afterAll(async () => {
		await prom?.stop();
		target?.closeAllConnections();
		await new Promise((r) => target?.close(r));
	});

	it('stores what histogram_quantile(0.95, rate(..._bucket[w])) answers, through a spike and a restart', async () => {
		let t0 = Infinity;
		target = createServer((req, res) => {
			const sec = Math.max(0, (Date.now() - t0) / 1000);
			res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(latencyExposition(sec));
		});
		await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
		const addr = target.address();
		const targetPort = typeof addr === 'object' && addr ? addr.port : 0;
		prom = await startPrometheus([{ job: 'shop', target: `127.0.0.1:${targetPort}`, intervalSeconds: 1 }]);
		const promUrl = prom.url;
		const url = `http://127.0.0.1:${targetPort}/metrics`;
		const c = await collect(
			redis.url,
			[
				{ kind: 'prometheus', name: 'w20', url, interval: '1s', quantiles: [0.95], quantileWindow: '20s', quantileBy: ['route'] },
				{ kind: 'prometheus', name: 'w5m', url, interval: '1s', quantiles: [0.95] }
			],
			{ allowPrivate: ALLOW }
		);
		try {
			// Both have scraped the target before its first request (counts of 0), so neither
			// extrapolates its first rates back from a first scrape taken after traffic began.
			await c.waitFor('scrape_samples_scraped{target="w5m"}');
			await c.waitFor('scrape_samples_scraped{target="w20"}');
			await untilPrometheusScraped(promUrl);
			await new Promise((r) => setTimeout(r, 1500));
			t0 = Date.now();
			await new Promise((r) => setTimeout(r, 75_000));
			await check(c, promUrl, t0, Date.now());
		} finally {
			await c.stop();
		}
	}, 150_000);

	async function check(c: Collecting, promUrl: string, t0: number, end: number): Promise<void> {

		// sum by (le, route): the 502s' slow failures count, as in the demo's rule.
		const [w20] = await c.store.raw('shop_latency_seconds_quantile{target="w20",quantile="0.95"}', t0, end);
		expect(w20!.labels).toMatchObject({ route: '/checkout' });
		expect(w20!.labels.code).toBeUndefined();
		const [p20] = await promRange(promUrl, 'histogram_quantile(0.95, sum by (le, route) (rate(shop_latency_seconds_bucket[20s])))', t0, end);
		const n20 = compare(w20!, p20!.values, '20s window, by route');

		// Each series on its own, over 5 minutes (here: the history there is).
		let n5m = 0;
		for (const code of ['200', '502']) {
			const [ours] = await c.store.raw(`shop_latency_seconds_quantile{target="w5m",quantile="0.95",code="${code}"}`, t0, end);
			const [theirs] = await promRange(promUrl, `histogram_quantile(0.95, rate(shop_latency_seconds_bucket{code="${code}"}[5m]))`, t0, end);
			n5m += compare(ours!, theirs!.values, `5m window, code ${code}`);
		}
		expect(n20).toBeGreaterThan(40);
		expect(n5m).toBeGreaterThan(80);

		// The 20 s window follows the spike up and back down; the 5 m one still holds it.
		const at = (s: { ts: number[]; values: number[] }, sec: number) => s.values[s.ts.findIndex((t) => t >= t0 + sec * 1000)]!;
		expect(at(w20!, 20)).toBeLessThan(0.6);
		expect(at(w20!, 40)).toBeGreaterThan(2);
		expect(at(w20!, 70)).toBeLessThan(0.6);
		const [w5m200] = await c.store.raw('shop_latency_seconds_quantile{target="w5m",quantile="0.95",code="200"}', t0, end);
		expect(at(w5m200!, 58)).toBeGreaterThan(1);
	}
});

describe.skipIf(havePrometheus)('quantiles over a window, against Prometheus 2.42', () => {
	it.skip(`prometheus not found (${PROMETHEUS_BIN}): apt-get install prometheus`, () => {});
});
