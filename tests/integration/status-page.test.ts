/**
 * The public status page against a running `vigil` (web role) and a private redis-server, with
 * internal names seeded on purpose everywhere they could leak from: the series name and labels of
 * the public services (a host and port among them), an incident's internal title, rule, labels,
 * notes and responder, an incident without a public update, a maintenance window's name, matchers
 * and comment, and the users. /status and /status.json are fetched with no session and their whole
 * output searched for every one of those strings (and checked to hold the public ones, so the
 * search reads a real page). Also: public updates over the API (roles, CSRF, first needs a title),
 * the cache (a change shows only after status.cacheSeconds), the rate per client address (429 with
 * Retry-After, another address unaffected), and 404 when the page is off.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentStore, PublicUpdateStore } from '../../src/lib/server/alerting/incidents';
import { MaintenanceStore, parseWindowInput } from '../../src/lib/server/alerting/muting';
import { AuditLog } from '../../src/lib/server/audit';
import { PublishedQualityReports } from '../../src/lib/server/views/quality-report';
import { createKeys } from '../../src/lib/server/keys';
import type { AlertEvent } from '../../src/lib/server/rules/types';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { addVigilUser, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const PASSWORD = 'status page password';
const XSS = '<img src=x onerror="window.__xss=1">';

/** Every internal string the public page must never show. */
const SECRET = {
	metric: 'shop_probe_success_internal',
	label: 'secret_dc',
	labelValue: 'rack-seven-b',
	serviceLabel: 'checkout-svc-internal',
	host: '127.0.0.1',
	localhost: 'localhost',
	shopPort: '3100',
	internalTitle: 'INTERNAL-TITLE primary db failover',
	rule: 'SecretRuleName',
	note: 'INTERNAL-NOTE rotated the root password',
	user: 'alice-internal',
	unpublished: 'UNPUBLISHED-INCIDENT-TITLE',
	windowName: 'INTERNAL-WINDOW-NAME',
	windowComment: 'INTERNAL-WINDOW-COMMENT',
	windowMatcher: 'payments-db-internal'
};

let redis: TestRedis;
let vigil: VigilProcess;
let client: Redis;
const prefix = `status${process.pid}:`;
const keys = createKeys(prefix);
let incidentId = '';
let unpublishedId = '';

const config = `redis:
  prefix: "${prefix}"
roles: [web]
status:
  enabled: true
  title: Shop status
  services:
    - { name: Checkout, selector: '${SECRET.metric}{service="${SECRET.serviceLabel}"}' }
    - { name: Payments, selector: '${SECRET.metric}{service="payments-db-internal"}' }
  cacheSeconds: 3
  requestsPerMinute: 12
`;

/** A GET as a client at `address` (the process reads x-forwarded-for: ADDRESS_HEADER), with no session. */
function get(path: string, address: string): Promise<Response> {
	return fetch(`${vigil.url}${path}`, { headers: { 'x-forwarded-for': address } });
}

async function loginCookie(user: string): Promise<{ cookie: string; csrf: string }> {
	const res = await fetch(`${vigil.url}/login`, { method: 'POST', redirect: 'manual', headers: { origin: vigil.url, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'x-forwarded-for': '192.0.2.1' }, body: new URLSearchParams({ username: user, password: PASSWORD }) });
	expect(res.status).toBe(303);
	const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
	const page = await (await fetch(`${vigil.url}/incidents/INC-${incidentId}`, { headers: { cookie, 'x-forwarded-for': '192.0.2.1' } })).text();
	// The session's CSRF token: in a form of the page, or in the page data (a viewer has no form).
	const m = /name="csrf" value="([^"]+)"|csrf:"([^"]+)"/.exec(page);
	const csrf = m?.[1] ?? m?.[2];
	expect(csrf).toBeTruthy();
	return { cookie, csrf: csrf! };
}

beforeAll(async () => {
	redis = await startTestRedis();
	client = new Redis(redis.url);
	const now = Date.now();
	// Three days of the services' availability every minute up to now; payments down for its last 10 minutes.
	let clock = now;
	const store = new RedisStore(client, { prefix, now: () => clock, liveKey: null });
	const series = (service: string, downFrom: number) => {
		const ts: number[] = [];
		const values: number[] = [];
		for (let t = now - 3 * DAY; t <= now; t += MIN) {
			ts.push(t);
			values.push(t >= downFrom ? 0 : 1);
		}
		return { name: SECRET.metric, labels: { service, [SECRET.label]: SECRET.labelValue, instance: `${SECRET.host}:${SECRET.shopPort}`, url: `http://${SECRET.localhost}:${SECRET.shopPort}/health` }, ts, values, intervalMs: MIN };
	};
	await store.write([series(SECRET.serviceLabel, Infinity), series('payments-db-internal', now - 10 * MIN)]);
	// Sealed as the store's sealer would have by now (the page is read while nothing is half-moved).
	clock = Date.now();
	while ((await store.sealDue(5000)) > 0) {
		// seal what is due
	}

	// An incident opened by a rule, with an internal note by a user, then a public update; another never published.
	const incidents = new IncidentStore(client, keys);
	const ev = (rule: string, service: string, title: string, at: number): AlertEvent => ({ ruleId: `shop/${rule}`, fingerprint: `${rule}-fp`, labels: { alertname: rule, service, [SECRET.label]: SECRET.labelValue }, annotations: { summary: title }, from: 'pending', to: 'firing', at, value: 1 } as AlertEvent);
	await client.hset(keys.alerts.state, `shop/${SECRET.rule}`, JSON.stringify({ state: { instances: [{ fingerprint: `${SECRET.rule}-fp`, annotations: { summary: SECRET.internalTitle } }] } }));
	await client.hset(keys.alerts.state, 'shop/OtherRule', JSON.stringify({ state: { instances: [{ fingerprint: 'OtherRule-fp', annotations: { summary: SECRET.unpublished } }] } }));
	await client.xadd(keys.alerts.events, '*', 'e', JSON.stringify(ev(SECRET.rule, SECRET.serviceLabel, SECRET.internalTitle, now - 30 * MIN)));
	await client.xadd(keys.alerts.events, '*', 'e', JSON.stringify(ev('OtherRule', 'search-internal', SECRET.unpublished, now - 20 * MIN)));
	await incidents.applyEvents();
	const list = (await incidents.list({ limit: 10 })).incidents;
	incidentId = list.find((i) => i.service === SECRET.serviceLabel)!.id;
	unpublishedId = list.find((i) => i.service === 'search-internal')!.id;
	expect((await incidents.get(incidentId))!.title).toBe(SECRET.internalTitle);
	expect((await incidents.get(unpublishedId))!.title).toBe(SECRET.unpublished);
	await incidents.addNote(incidentId, SECRET.note, { actor: `user:${SECRET.user}` });
	await incidents.addNote(unpublishedId, SECRET.note, { actor: `user:${SECRET.user}` });
	await incidents.acknowledge(incidentId, { actor: `user:${SECRET.user}` });
	await new PublicUpdateStore(client, keys).add(incidentId, { status: 'investigating', title: `Checkout is slow ${XSS}`, text: `We are looking into slow checkouts. ${XSS}` }, { actor: `user:${SECRET.user}` });

	// A public maintenance window starting in two days, and one that is not public.
	const windows = new MaintenanceStore(client, keys, new AuditLog(client, keys));
	const input = (name: string, pub: boolean) =>
		parseWindowInput({
			name,
			matchers: `{service="${SECRET.windowMatcher}"}`,
			timeZone: 'UTC',
			schedule: { kind: 'once', start: new Date(now + 2 * DAY).toISOString(), end: new Date(now + 2 * DAY + HOUR).toISOString() },
			comment: SECRET.windowComment,
			...(pub ? { public: { title: 'Payment provider upgrade', description: 'Payments may pause for a minute.' } } : {})
		});
	await windows.create(input(SECRET.windowName, true), { actor: `user:${SECRET.user}` });
	await windows.create(input(`${SECRET.windowName}-2`, false), { actor: `user:${SECRET.user}` });

	vigil = await startVigilProcess({ config, redisUrl: redis.url, env: { ADDRESS_HEADER: 'x-forwarded-for' } });
	addVigilUser(vigil, redis.url, SECRET.user, 'engineer', PASSWORD);
	addVigilUser(vigil, redis.url, 'viewer-internal', 'viewer', PASSWORD);
}, 120_000);

afterAll(async () => {
	client?.disconnect();
	await vigil?.stop();
	await redis?.stop();
});

describe('without any session', () => {
	it('shows the public names, states, incident and maintenance, and none of the internal strings', async () => {
		const [html, jsonRes] = await Promise.all([get('/status', '203.0.113.1'), get('/status.json', '203.0.113.1')]);
		expect(html.status).toBe(200);
		expect(jsonRes.status).toBe(200);
		expect(html.headers.get('cache-control')).toBe('public, max-age=3');
		expect(jsonRes.headers.get('cache-control')).toBe('public, max-age=3');
		expect(html.headers.get('set-cookie')).toBeNull();
		const page = await html.text();
		const text = await jsonRes.text();
		const json = JSON.parse(text);

		// It is the real page: public names, states, the public incident and maintenance.
		expect(json.services.map((s: { name: string; state: string }) => [s.name, s.state])).toEqual([
			['Checkout', 'degraded'], // up, but an open incident concerns it
			['Payments', 'down']
		]);
		expect(json.services[0].days).toHaveLength(90);
		expect(json.services[0].days.slice(0, 86).every((d: { level: string }) => d.level === 'nodata')).toBe(true);
		expect(json.services[0].uptime).toBeGreaterThan(0.9999); // up all along (a second or two at the end may read as not yet collected)
		expect(json.incidents).toHaveLength(1);
		expect(json.incidents[0]).toMatchObject({ title: `Checkout is slow ${XSS}`, status: 'investigating', endedAt: null });
		expect(json.maintenance).toEqual([expect.objectContaining({ title: 'Payment provider upgrade', description: 'Payments may pause for a minute.', inProgress: false })]);
		expect(json.qualityReports).toEqual([]);
		expect(page).toContain('Shop status');
		expect(page).toContain('Checkout');
		expect(page).toContain('Payment provider upgrade');
		// Hostile text is escaped in the HTML.
		expect(page).toContain('Checkout is slow &lt;img src=x onerror="window.__xss=1">');
		expect(page).not.toContain('<img');
		// No navigation, no login link, no scripts.
		expect(page).not.toMatch(/site-nav|href="\/(rules|incidents|wall|admin|login|maintenance|reports)/);
		expect(page).not.toMatch(/<script/);

		// The leak search: every internal string, in any case, in the whole of both answers.
		for (const [what, secret] of Object.entries(SECRET)) {
			for (const [name, body] of [
				['/status', page],
				['/status.json', text]
			] as const) {
				expect(body.toLowerCase().includes(secret.toLowerCase()), `${what} (${secret}) in ${name}`).toBe(false);
			}
		}
		for (const body of [page, text]) {
			expect(body).not.toMatch(/service="|INC-\d|user:|viewer-internal|acknowledged/);
			expect(body).not.toMatch(new RegExp(`:${vigil.port}\\b`));
		}
	});

	it('shows no internal link or name to a logged-in user either', async () => {
		const { cookie } = await loginCookie(SECRET.user);
		const page = await (await fetch(`${vigil.url}/status`, { headers: { cookie, 'x-forwarded-for': '203.0.113.2' } })).text();
		expect(page).toContain('Checkout');
		expect(page.toLowerCase()).not.toContain(SECRET.user);
		expect(page).not.toMatch(/site-nav|href="\/(rules|incidents|wall|admin|account|maintenance)/);
	});
});

describe('public updates', () => {
	it('are posted by an engineer with the CSRF token, refused without it, to a viewer, and without a first title', async () => {
		const eng = await loginCookie(SECRET.user);
		const post = (who: { cookie: string; csrf?: string }, id: string, body: unknown) =>
			fetch(`${vigil.url}/api/v1/incidents/INC-${id}/public-updates`, { method: 'POST', headers: { cookie: who.cookie, 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.1', ...(who.csrf ? { 'x-csrf-token': who.csrf } : {}) }, body: JSON.stringify(body) });
		const noCsrf = await post({ cookie: eng.cookie }, incidentId, { status: 'identified', text: 'x' });
		expect(noCsrf.status).toBe(403);
		const viewer = await loginCookie('viewer-internal');
		expect((await post(viewer, incidentId, { status: 'identified', text: 'x' })).status).toBe(403);
		const untitled = await post(eng, unpublishedId, { status: 'investigating', text: 'Search is slow' });
		expect(untitled.status).toBe(400);
		expect((await untitled.json()).error).toMatch(/^title: the first public update/);
		const badStatus = await post(eng, incidentId, { status: 'fixed', text: 'x' });
		expect(badStatus.status).toBe(400);
		expect((await badStatus.json()).error).toMatch(/^status:/);
		const ok = await post(eng, incidentId, { status: 'identified', text: 'A payment provider is slow.' });
		expect(ok.status).toBe(201);
		const { updates } = await ok.json();
		expect(updates.map((u: { status: string }) => u.status)).toEqual(['investigating', 'identified']);
		expect(updates[1].by).toBe(`user:${SECRET.user}`);
		expect(await client.xlen(keys.audit)).toBeGreaterThan(0);
	});
});

describe('the cache and the rate', () => {
	it('shows a change only once status.cacheSeconds have passed', async () => {
		const first = await (await get('/status.json', '203.0.113.3')).json();
		await new PublicUpdateStore(client, keys).add(incidentId, { status: 'monitoring', text: 'A fix is out; watching.' }, { actor: 'user:x' });
		const cached = await (await get('/status.json', '203.0.113.3')).json();
		expect(cached.generatedAt).toBe(first.generatedAt);
		expect(cached.incidents[0].status).toBe(first.incidents[0].status);
		await new Promise((r) => setTimeout(r, 3200));
		const fresh = await (await get('/status.json', '203.0.113.3')).json();
		expect(fresh.generatedAt).not.toBe(first.generatedAt);
		expect(fresh.incidents[0].status).toBe('monitoring');
		expect(fresh.incidents[0].updates[0].text).toBe('A fix is out; watching.');
	});

	it('answers 429 with Retry-After past the requests per minute of one address, and not another', async () => {
		const codes: number[] = [];
		let retry: string | null = null;
		for (let i = 0; i < 15; i++) {
			const res = await get(i % 2 ? '/status' : '/status.json', '198.51.100.7');
			codes.push(res.status);
			if (res.status === 429) {
				retry = res.headers.get('retry-after');
				expect(await res.text()).toMatch(/at most 12 a minute/);
			} else await res.arrayBuffer();
		}
		expect(codes.slice(0, 12).every((c) => c === 200)).toBe(true);
		expect(codes.slice(12)).toEqual([429, 429, 429]);
		expect(Number(retry)).toBeGreaterThanOrEqual(1);
		expect(Number(retry)).toBeLessThanOrEqual(5);
		expect((await get('/status', '198.51.100.8')).status).toBe(200);
	});
});

describe('published quarterly reports', () => {
	it('are listed on the page and read at /status/reports/<quarter> without a session; unpublished or malformed quarters are 404', async () => {
		const quarter = '2026-Q3';
		const from = Date.UTC(2026, 6, 1);
		await new PublishedQualityReports(client, keys).publish(
			{
				quarter,
				title: 'Quarterly service-quality report',
				zone: 'UTC',
				from,
				to: Date.UTC(2026, 9, 1),
				policy: ['Satisfaction is the share of rated tickets rated 4 or 5.', XSS],
				targets: [
					{ id: 'satisfaction', name: 'Customer satisfaction', op: '>=', level: 0.9, figure: 0.9123, met: true },
					{ id: 'failureRate', name: 'System failure rate', op: '<', level: 0.001, figure: null, met: null }
				],
				uptimeObjective: 0.999,
				services: [{ name: 'Checkout', availability: 0.99871, met: false }],
				incidents: { count: 3, mttaMs: 240_000, mttrMs: 1_800_000 },
				complaints: { total: 42, previousTotal: 30, categories: [{ category: 'payment', count: 30, previous: 15 }] }
			},
			SECRET.user,
			Date.UTC(2026, 9, 2, 9)
		);
		// The page is cached for status.cacheSeconds (3 s): the link appears once it is computed again.
		let listed = false;
		for (let i = 0; i < 20 && !listed; i++) {
			listed = (await (await get('/status', '203.0.113.40')).text()).includes(`href="/status/reports/${quarter}"`);
			if (!listed) await new Promise((r) => setTimeout(r, 500));
		}
		expect(listed).toBe(true);
		const res = await get(`/status/reports/${quarter}`, '203.0.113.40');
		expect(res.status).toBe(200);
		expect(res.headers.get('cache-control')).toBe('public, max-age=3');
		expect(res.headers.get('set-cookie')).toBeNull();
		const html = await res.text();
		expect(html).toContain('Customer satisfaction');
		expect(html).toContain('91.230 %');
		expect(html).toContain('Checkout');
		expect(html).toContain('payment');
		expect(html).toContain('+100 %');
		// Policy text is text, and the publisher is never shown.
		expect(html).not.toContain('<img src=x');
		expect(html).toContain('&lt;img src=x');
		expect(html.toLowerCase()).not.toContain(SECRET.user);
		expect(html).not.toMatch(/href="\/(rules|incidents|silences|admin|wall)/);
		for (const path of ['/status/reports/2026-Q1', '/status/reports/not-a-quarter']) expect((await get(path, '203.0.113.40')).status).toBe(404);
	});
});

describe('off', () => {
	it('answers 404 for both paths when status is not configured', async () => {
		const off = await startVigilProcess({ config: `redis:\n  prefix: "${prefix}off:"\nroles: [web]\n`, redisUrl: redis.url });
		try {
			for (const path of ['/status', '/status.json']) {
				const res = await fetch(`${off.url}${path}`);
				expect(res.status).toBe(404);
				expect(await res.text()).not.toContain('Checkout');
			}
		} finally {
			await off.stop();
		}
	}, 60_000);
});

describe('which published incidents the page lists (real Redis)', () => {
	it('all unresolved ones, and those that started or ended in the last 90 days; never one without a public update', async () => {
		const k = createKeys(`${prefix}pub:`);
		const now = Date.now();
		let at = now;
		const incidents = new IncidentStore(client, k, { now: () => at });
		const open = async (rule: string, openedAt: number) => {
			const e = { ruleId: `shop/${rule}`, fingerprint: rule, labels: { alertname: rule, service: rule }, from: 'pending', to: 'firing', at: openedAt, value: 1 } as AlertEvent;
			await client.xadd(k.alerts.events, '*', 'e', JSON.stringify(e));
			await incidents.applyEvents();
			return (await incidents.list({ limit: 1, service: rule })).incidents[0]!.id;
		};
		const updates = new PublicUpdateStore(client, k, { now: () => at });
		const publish = (id: string, status: 'investigating' | 'resolved' = 'investigating') => updates.add(id, { status, title: `public ${id}`, text: 'x' }, { actor: 'user:x' });
		const old = await open('old', now - 200 * DAY);
		const oldOpen = await open('oldopen', now - 150 * DAY);
		const recent = await open('recent', now - 95 * DAY);
		const quiet = await open('quiet', now - 5 * DAY);
		for (const id of [old, oldOpen, recent]) {
			at = now - 140 * DAY;
			await publish(id);
		}
		at = now - 199 * DAY;
		await incidents.resolve(old, { actor: 'user:x' });
		at = now - 10 * DAY;
		await incidents.resolve(recent, { actor: 'user:x' });
		at = now;
		const listed = await updates.published(now - 90 * DAY);
		expect(listed.map((i) => [i.id, i.endedAt === null])).toEqual([
			[recent, false],
			[oldOpen, true]
		]);
		expect(listed.some((i) => i.id === quiet)).toBe(false);
		// A `resolved` public update ends the public story though the incident is still open.
		await publish(oldOpen, 'resolved');
		const [, again] = await updates.published(now - 90 * DAY);
		expect(again).toMatchObject({ id: oldOpen, status: 'resolved', endedAt: now });
	});
});
