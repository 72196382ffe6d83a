/**
 * The http source against real HTTP servers the test starts (one healthy, one failing, one that
 * hangs, redirects, and an HTTPS one with a self-signed certificate), and the SSRF guard: loopback, 169.254.169.254, a redirect to an internal
 * address, a name that resolves to loopback, and file://; and every disguise of 127.0.0.1 against a
 * loopback canary that counts its hits: directly, through a redirect, through a scrape and a probe.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { collectorConfig } from '../../collectors/registry';
import { createAddressPolicy, type AddressPolicy } from '../../collectors/net/address-policy';
import { httpRequestWithGuard } from '../../collectors/net/http-client';
import { DISGUISED_LOOPBACK, startCanary, type Canary } from '../helpers/canary';
import { collect } from '../helpers/collect';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

let redis: TestRedis;
let server: Server;
let base: string;
let tlsServer: TlsServer;
let tlsPort: number;
const certificate = readFileSync(join(import.meta.dirname, '../fixtures/tls/localhost.crt'));
const hung: Array<() => void> = [];

beforeAll(async () => {
	redis = await startTestRedis();
	server = createServer((req, res) => {
		switch (req.url) {
			case '/ok':
				return void res.writeHead(200, { 'content-type': 'text/plain' }).end('hello shop, all systems normal');
			case '/fail':
				return void res.writeHead(500).end('internal error');
			case '/hang':
				hung.push(() => res.end());
				return; // never answers
			case '/slow':
				return void setTimeout(() => res.writeHead(200).end('late'), 300);
			case '/redirect':
				return void res.writeHead(302, { location: '/ok' }).end();
			case '/to-metadata':
				return void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
			case '/to-file':
				return void res.writeHead(302, { location: 'file:///etc/passwd' }).end();
			default:
				return void res.writeHead(404).end();
		}
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const addr = server.address();
	base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
	// A self-signed certificate for localhost and 127.0.0.1, valid until 2036.
	tlsServer = createTlsServer({ cert: certificate, key: readFileSync(join(import.meta.dirname, '../fixtures/tls/localhost.key')) }, (_req, res) => {
		res.writeHead(200, { 'content-type': 'text/plain' }).end('secure shop');
	});
	await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
	const tlsAddr = tlsServer.address();
	tlsPort = typeof tlsAddr === 'object' && tlsAddr ? tlsAddr.port : 0;
});

afterAll(async () => {
	for (const end of hung) end();
	server.closeAllConnections();
	await new Promise((r) => server.close(r));
	tlsServer.closeAllConnections();
	await new Promise((r) => tlsServer.close(r));
	await redis.stop();
});

const ALLOW = ['127.0.0.1'];

describe('http source', () => {
	it('stores up, latency and its phases, and the status code of a healthy target', async () => {
		const c = await collect(redis.url, [{ kind: 'http', name: 'shop', url: `${base}/ok`, interval: '200ms', expect: { keyword: 'all systems normal' }, labels: { service: 'storefront' } }], { allowPrivate: ALLOW });
		try {
			expect(await c.value('up{target="shop"}')).toBe(1);
			expect(await c.value('target_status{target="shop"}')).toBe(1);
			expect(await c.value('probe_http_status_code{target="shop",service="storefront"}')).toBe(200);
			const total = await c.value('probe_duration_seconds{target="shop"}');
			expect(total).toBeGreaterThan(0);
			expect(total).toBeLessThan(2);
			const phases = await c.waitFor('probe_phase_seconds{target="shop"}', (r) => r.length >= 2);
			expect(phases.map((p) => p.labels.phase).sort()).toEqual(['connect', 'first_byte']); // no DNS for an IP, no TLS for http
			expect(await c.value('collect_duration_seconds{target="shop"}')).toBeGreaterThan(0);
		} finally {
			await c.stop();
		}
	});

	it('counts a 500, a missing keyword and a slow answer as down', async () => {
		const c = await collect(
			redis.url,
			[
				{ kind: 'http', name: 'fails', url: `${base}/fail`, interval: '200ms' },
				{ kind: 'http', name: 'wrong-body', url: `${base}/ok`, interval: '200ms', expect: { keyword: 'checkout' } },
				{ kind: 'http', name: 'too-slow', url: `${base}/slow`, interval: '1s', expect: { maxLatency: '100ms' } },
				{ kind: 'http', name: 'status-ok', url: `${base}/fail`, interval: '200ms', expect: { status: ['5xx'] } }
			],
			{ allowPrivate: ALLOW }
		);
		try {
			expect(await c.value('up{target="fails"}')).toBe(0);
			expect(await c.value('probe_http_status_code{target="fails"}')).toBe(500);
			expect(await c.value('up{target="wrong-body"}')).toBe(0);
			expect(await c.value('up{target="too-slow"}')).toBe(0);
			expect(await c.value('up{target="status-ok"}')).toBe(1);
		} finally {
			await c.stop();
		}
	});

	it('times out a target that hangs, without stalling the others', async () => {
		const c = await collect(
			redis.url,
			[
				{ kind: 'http', name: 'hangs', url: `${base}/hang`, interval: '500ms' },
				{ kind: 'http', name: 'fine', url: `${base}/ok`, interval: '100ms' }
			],
			{ allowPrivate: ALLOW }
		);
		try {
			expect(await c.value('up{target="hangs"}')).toBe(0);
			// 80 % of the interval is the default timeout.
			const d = await c.value('collect_duration_seconds{target="hangs"}');
			expect(d).toBeGreaterThanOrEqual(0.39);
			expect(d).toBeLessThan(0.6);
			expect((await c.store.raw('up{target="fine"}', 0, Date.now()))[0]!.ts.length).toBeGreaterThanOrEqual(5);
		} finally {
			await c.stop();
		}
	});

	it('waits for `retries` failures before counting a target down (pending in between)', async () => {
		const c = await collect(redis.url, [{ kind: 'http', name: 'flaky', url: `${base}/fail`, interval: '150ms', retries: 2 }], { allowPrivate: ALLOW });
		try {
			await c.waitFor('up{target="flaky"}', (r) => r[0]?.value === 0, 5000);
			const [status] = await c.store.raw('target_status{target="flaky"}', 0, Date.now());
			expect(status!.values.slice(0, 3)).toEqual([2, 2, 0]);
		} finally {
			await c.stop();
		}
	});

	it('probes https: the DNS and TLS phases, and the days until the certificate expires', async () => {
		const validTo = new Date(new X509Certificate(certificate).validTo).getTime();
		const c = await collect(
			redis.url,
			[{ kind: 'http', name: 'secure', url: `https://localhost:${tlsPort}/`, interval: '300ms', verifyTls: false, expect: { keyword: 'secure shop' } }],
			{ allowPrivate: ['127.0.0.1', '::1'] }
		);
		try {
			expect(await c.value('up{target="secure"}')).toBe(1);
			expect(await c.value('probe_http_status_code{target="secure"}')).toBe(200);
			const phases = await c.waitFor('probe_phase_seconds{target="secure"}', (r) => r.length >= 4);
			expect(phases.map((p) => p.labels.phase).sort()).toEqual(['connect', 'dns', 'first_byte', 'tls']);
			for (const p of phases) expect(p.value).toBeGreaterThanOrEqual(0);
			const [days] = await c.waitFor('probe_tls_cert_expiry_days{target="secure"}');
			expect(days!.value).toBeCloseTo((validTo - days!.ts) / 86_400_000, 1);
			expect(days!.value).toBeGreaterThan(365);
		} finally {
			await c.stop();
		}
	});

	it('counts a certificate it cannot verify as down, unless verifyTls is off', async () => {
		const c = await collect(redis.url, [{ kind: 'http', name: 'untrusted', url: `https://127.0.0.1:${tlsPort}/`, interval: '300ms' }], { allowPrivate: ALLOW });
		try {
			expect(await c.value('up{target="untrusted"}')).toBe(0);
			expect(await c.store.latest('probe_tls_cert_expiry_days{target="untrusted"}')).toEqual([]);
		} finally {
			await c.stop();
		}
	});

	it('follows redirects and counts them', async () => {
		const c = await collect(redis.url, [{ kind: 'http', name: 'moved', url: `${base}/redirect`, interval: '200ms' }], { allowPrivate: ALLOW });
		try {
			expect(await c.value('up{target="moved"}')).toBe(1);
			expect(await c.value('probe_http_redirects{target="moved"}')).toBe(1);
		} finally {
			await c.stop();
		}
	});
});

describe('SSRF guard', () => {
	const strict = createAddressPolicy();
	const allowLocal = createAddressPolicy(ALLOW);

	it('refuses loopback unless allowPrivate names it', async () => {
		await expect(httpRequestWithGuard({ url: `${base}/ok`, policy: strict })).rejects.toThrow(/127\.0\.0\.1 is a loopback address .*collect\.allowPrivate/);
		expect((await httpRequestWithGuard({ url: `${base}/ok`, policy: allowLocal })).status).toBe(200);
	});

	it('refuses a name that resolves to loopback, checked on the resolved address', async () => {
		const port = new URL(base).port;
		await expect(httpRequestWithGuard({ url: `http://localhost:${port}/ok`, policy: strict })).rejects.toThrow(/localhost resolves to .* loopback address/);
	});

	it('refuses the cloud metadata address 169.254.169.254', async () => {
		await expect(httpRequestWithGuard({ url: 'http://169.254.169.254/latest/meta-data/', policy: strict })).rejects.toThrow(/169\.254\.169\.254 is a link-local address/);
	});

	it('checks every redirect again: an allowed target cannot bounce to an internal address', async () => {
		await expect(httpRequestWithGuard({ url: `${base}/to-metadata`, policy: allowLocal })).rejects.toThrow(/169\.254\.169\.254 is a link-local address/);
	});

	it('fetches only http: and https:', async () => {
		await expect(httpRequestWithGuard({ url: 'file:///etc/passwd', policy: allowLocal })).rejects.toThrow(/only http: and https: URLs may be fetched, not file:/);
		await expect(httpRequestWithGuard({ url: `${base}/to-file`, policy: allowLocal })).rejects.toThrow(/only http: and https:/);
		expect(collectorConfig.safeParse({ kind: 'http', name: 'f', url: 'file:///etc/passwd' }).success).toBe(false);
		expect(collectorConfig.safeParse({ kind: 'prometheus', name: 'g', url: 'gopher://x/' }).success).toBe(false);
	});

	it('marks a blocked target down with the reason, storing nothing else', async () => {
		const c = await collect(redis.url, [{ kind: 'http', name: 'blocked', url: `${base}/ok`, interval: '200ms' }]);
		try {
			expect(await c.value('up{target="blocked"}')).toBe(0);
			expect(await c.store.latest('probe_http_status_code{target="blocked"}')).toEqual([]);
		} finally {
			await c.stop();
		}
	});
});

describe('address policy against a loopback canary', () => {
	let canary: Canary;
	/** On 127.0.0.2 (the only address allowed below): redirects to `?to=`. */
	let bouncer: Server;
	let bouncerBase: string;
	const onlyBouncer = ['127.0.0.2'];

	beforeAll(async () => {
		canary = await startCanary();
		bouncer = createServer((req, res) => {
			const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to') ?? '/';
			res.writeHead(302, { location: to }).end();
		});
		await new Promise<void>((r) => bouncer.listen(0, '127.0.0.2', r));
		bouncerBase = `http://127.0.0.2:${(bouncer.address() as AddressInfo).port}`;
	});

	afterAll(async () => {
		await canary.close();
		bouncer.closeAllConnections();
		await new Promise((r) => bouncer.close(r));
	});

	async function refused(url: string, policy: AddressPolicy): Promise<Error> {
		const err = await httpRequestWithGuard({ url, policy, maxRedirects: 3 }).then(
			(res) => new Error(`fetched ${url}: ${res.status}`),
			(e: Error) => e
		);
		expect(err.name, `${url}: ${err.message}`).toBe('BlockedAddressError');
		return err;
	}

	it.each(DISGUISED_LOOPBACK.map((d) => d.host))('refuses %s before connecting, by default and when only another address is allowed', async (host) => {
		const before = canary.hits;
		const err = await refused(canary.url(host), createAddressPolicy());
		expect(err.message).toMatch(/127\.0\.0\.1\b.* a loopback address \(127\.0\.0\.0\/8\); add it to collect\.allowPrivate/);
		await refused(canary.url(host), createAddressPolicy(onlyBouncer));
		expect(canary.hits).toBe(before);
	});

	it('refuses every disguise behind a redirect from an allowed target', async () => {
		const before = canary.hits;
		const policy = createAddressPolicy(onlyBouncer);
		expect((await httpRequestWithGuard({ url: `${bouncerBase}/?to=${encodeURIComponent('/elsewhere')}`, policy, maxRedirects: 0 })).status).toBe(302);
		for (const { host } of DISGUISED_LOOPBACK) await refused(`${bouncerBase}/?to=${encodeURIComponent(canary.url(host))}`, policy);
		expect(canary.hits).toBe(before);
	});

	it('judges the address actually connected to, not only the one judged before', async () => {
		// A policy that says yes once (before connecting) and no after: nothing may reach the canary.
		let calls = 0;
		const turncoat: AddressPolicy = { check: (ip) => (calls++ === 0 ? { ok: true } : { ok: false, reason: `${ip} is refused on second thought` }) };
		const before = canary.hits;
		const err = await refused(canary.url('127.0.0.1'), turncoat);
		expect(err.message).toContain('connected to 127.0.0.1 is refused on second thought');
		expect(calls).toBe(2);
		expect(canary.hits).toBe(before);
	});

	it('scrapes and probes of a disguise are down, and the canary sees nothing', async () => {
		const before = canary.hits;
		const blocks = DISGUISED_LOOPBACK.flatMap(({ host }, i) => [
			{ kind: 'prometheus', name: `scrape-${i}`, url: canary.url(host, '/metrics'), interval: '200ms' },
			{ kind: 'http', name: `probe-${i}`, url: canary.url(host), interval: '200ms' },
			{ kind: 'http', name: `bounce-${i}`, url: `${bouncerBase}/?to=${encodeURIComponent(canary.url(host))}`, interval: '200ms' }
		]);
		const c = await collect(redis.url, blocks, { allowPrivate: onlyBouncer });
		try {
			await c.waitFor('up', (r) => r.length === blocks.length);
			const up = await c.store.latest('up');
			expect(up.filter((u) => u.value !== 0).map((u) => u.labels.target)).toEqual([]);
			expect(await c.store.latest('canary_hit')).toEqual([]);
		} finally {
			await c.stop();
		}
		expect(canary.hits).toBe(before);
	});

	it('reaches the canary through each disguise that routes to it once the allow list names it', async () => {
		const policy = createAddressPolicy(['127.0.0.1', '::1']);
		for (const { host } of DISGUISED_LOOPBACK.filter((d) => d.reachable)) {
			const before = canary.hits;
			expect((await httpRequestWithGuard({ url: canary.url(host), policy })).status, host).toBe(200);
			expect(canary.hits, host).toBe(before + 1);
		}
		const c = await collect(redis.url, [{ kind: 'prometheus', name: 'allowed', url: canary.url('[::ffff:127.0.0.1]', '/metrics'), interval: '200ms' }], { allowPrivate: ['127.0.0.1'] });
		try {
			expect(await c.value('canary_hit{target="allowed"}')).toBe(1);
		} finally {
			await c.stop();
		}
	});
});
