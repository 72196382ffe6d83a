/**
 * The incidents API against a running `vigil` (web role) and a private redis-server: incidents are
 * opened by alert events written to the event stream as the alerts leader writes them (applied by
 * the store here), then listed, read with their timeline and measures, acknowledged, assigned,
 * noted, resolved and reopened over HTTP by the roles allowed to; bad input answers 400 naming the
 * field, a missing incident 404 naming it, an invalid transition 409, and none of them changes
 * anything. Every action is in the audit log.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentStore } from '../../src/lib/server/alerting/incidents';
import { AuditLog } from '../../src/lib/server/audit';
import { createKeys } from '../../src/lib/server/keys';
import type { AlertEvent } from '../../src/lib/server/rules/types';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { startVigilProcess, type VigilProcess } from '../helpers/vigil-process';
import { cliFor } from '../helpers/cli';

let redis: TestRedis;
let vigil: VigilProcess;
let client: Redis;
let store: IncidentStore;
const dir = mkdtempSync(join(tmpdir(), 'vigil-incidents-'));
const configFile = join(dir, 'vigil.config.yaml');
const prefix = `incidents${process.pid}:`;
const keys = createKeys(prefix);
const config = `redis:\n  prefix: "${prefix}"\n`;
const ROLES = ['viewer', 'engineer', 'manager'] as const;
const tokens: Record<(typeof ROLES)[number], string> = { viewer: '', engineer: '', manager: '' };
const T0 = Date.UTC(2026, 9, 1);
const MIN = 60_000;

const cli = cliFor(() => ({ redisUrl: redis.url, configFile, cwd: dir }));

async function call(method: string, path: string, token: string | null, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: any }> {
	const headers: Record<string, string> = {};
	if (token) headers.authorization = `Bearer ${token}`;
	if (body !== undefined) headers['content-type'] = contentType;
	const res = await fetch(`${vigil.url}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
	const text = await res.text();
	return { status: res.status, body: text ? JSON.parse(text) : null };
}
const as = (role: keyof typeof tokens) => ({
	get: (path: string) => call('GET', path, tokens[role]),
	post: (path: string, body?: unknown, contentType?: string) => call('POST', path, tokens[role], body, contentType)
});

function ev(ruleId: string, service: string, severity: string, at: number, over: Partial<AlertEvent> = {}): AlertEvent {
	return { ruleId, fingerprint: `${ruleId}-${service}`, labels: { alertname: ruleId.split('/')[1]!, service, severity }, from: 'pending', to: 'firing', at, value: 1, ...over };
}

/** How many timeline entries and audit entries there are (to show a refusal changed nothing). */
async function footprint(id: string): Promise<{ timeline: number; audit: number; record: Record<string, string> }> {
	return { timeline: await client.xlen(keys.alerts.incidents.timeline(id)), audit: await client.xlen(keys.audit), record: await client.hgetall(keys.alerts.incidents.record(id)) };
}

beforeAll(async () => {
	redis = await startTestRedis();
	writeFileSync(configFile, config);
	vigil = await startVigilProcess({ config, redisUrl: redis.url, roles: 'web' });
	client = new Redis(redis.url);
	for (const role of ROLES) {
		const u = cli(['users', 'add', `${role}-user`, '--role', role], 'a long enough password\n');
		expect(u.code, u.err).toBe(0);
		const t = cli(['token', 'create', '--name', `${role}-token`, '--user', `${role}-user`]);
		expect(t.code, t.err).toBe(0);
		tokens[role] = t.out.split('\n')[0]!.trim();
	}
	// Alert events as the alerts leader writes them: checkout slow (warning, then a critical one
	// joins), search down (critical), and payments errors that fired and resolved.
	const events = [
		ev('shop/CheckoutSlow', 'checkout', 'warning', T0),
		ev('shop/CheckoutSlow', 'checkout', 'critical', T0 + MIN, { fingerprint: 'second' }),
		ev('shop/SearchDown', 'search', 'critical', T0 + 2 * MIN),
		ev('shop/PaymentsErrors', 'payments', 'info', T0 + 3 * MIN),
		ev('shop/PaymentsErrors', 'payments', 'info', T0 + 13 * MIN, { from: 'firing', to: 'inactive' })
	];
	for (const e of events) await client.xadd(keys.alerts.events, '*', 'e', JSON.stringify(e));
	store = new IncidentStore(client, keys);
	expect(await store.applyEvents()).toBe(events.length);
	expect(await store.resolveQuiet(T0 + 20 * MIN)).toEqual(['3']);
}, 90_000);

afterAll(async () => {
	await vigil?.stop();
	client?.disconnect();
	await redis?.stop();
	rmSync(dir, { recursive: true, force: true });
});

describe('reading incidents', () => {
	it('lists newest first with filters and a cursor; 401 for nobody', async () => {
		expect((await call('GET', '/api/v1/incidents', null)).status).toBe(401);
		const all = await as('viewer').get('/api/v1/incidents');
		expect(all.status).toBe(200);
		expect(all.body.incidents.map((i: { ref: string }) => i.ref)).toEqual(['INC-3', 'INC-2', 'INC-1']);
		expect(all.body.nextCursor).toBeNull();
		expect(all.body.incidents[2]).toMatchObject({ id: '1', title: 'CheckoutSlow on checkout', severity: 'critical', service: 'checkout', status: 'open', openedAt: T0, alertCount: 2, firingCount: 2 });
		expect(all.body.incidents[2]).not.toHaveProperty('notes');

		const first = await as('viewer').get('/api/v1/incidents?limit=2');
		expect(first.body.incidents.map((i: { id: string }) => i.id)).toEqual(['3', '2']);
		const next = await as('viewer').get(`/api/v1/incidents?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
		expect(next.body).toEqual({ incidents: [expect.objectContaining({ id: '1' })], nextCursor: null });

		const critical = await as('viewer').get(`/api/v1/incidents?severity=critical&status=open,acknowledged&from=${new Date(T0).toISOString()}&to=${new Date(T0 + 5 * MIN).toISOString()}`);
		expect(critical.body.incidents.map((i: { id: string }) => i.id)).toEqual(['2', '1']);
		expect((await as('viewer').get('/api/v1/incidents?service=payments&status=resolved')).body.incidents.map((i: { resolvedBy: string }) => i.resolvedBy)).toEqual(['auto']);
		expect((await as('viewer').get('/api/v1/incidents?q=SearchDOWN%20on')).body.incidents.map((i: { id: string }) => i.id)).toEqual(['2']);
	});

	it('answers 400 naming the parameter', async () => {
		for (const [query, message] of [
			['severity=high', /^severity: expected one or more of info, warning, critical/],
			['limit=0', /^limit: expected a whole number from 1 to 500/],
			['from=soon', /^from: expected RFC 3339/],
			['cursor=x', /^cursor: expected the nextCursor/],
			['sevrity=critical', /^sevrity: unknown parameter/]
		] as const) {
			const r = await as('viewer').get(`/api/v1/incidents?${query}`);
			expect(r.status, query).toBe(400);
			expect(r.body.error).toMatch(message);
		}
	});

	it('one incident with its timeline and measures, by "INC-1" or "1"; 404 naming a missing one', async () => {
		const r = await as('viewer').get('/api/v1/incidents/INC-3');
		expect(r.status).toBe(200);
		expect(r.body.incident).toMatchObject({ id: '3', status: 'resolved', resolvedAt: T0 + 13 * MIN, alerts: [expect.objectContaining({ ruleId: 'shop/PaymentsErrors', resolvedAt: T0 + 13 * MIN })] });
		expect(r.body.timeline.map((e: { type: string }) => e.type)).toEqual(['opened', 'alert.resolved', 'resolved']);
		expect(r.body.timeline[0]).toMatchObject({ at: T0 + 3 * MIN, actor: 'vigil', ruleId: 'shop/PaymentsErrors', labels: { service: 'payments' } });
		expect(r.body.measures).toEqual({ tta: null, ttr: 10 * MIN });
		expect((await as('viewer').get('/api/v1/incidents/3')).body.incident.id).toBe('3');
		expect(await as('viewer').get('/api/v1/incidents/INC-404')).toEqual({ status: 404, body: { error: 'no incident "INC-404"' } });
		expect((await as('viewer').get('/api/v1/incidents/drop%20table')).status).toBe(404);
	});
});

describe('acting on incidents', () => {
	it('an engineer acknowledges; a viewer may not (403); twice is a conflict (409); a missing incident 404; nothing changes on refusal', async () => {
		const before = await footprint('1');
		expect((await as('viewer').post('/api/v1/incidents/INC-1/acknowledge')).status).toBe(403);
		expect(await footprint('1')).toEqual(before);
		const ok = await as('engineer').post('/api/v1/incidents/INC-1/acknowledge');
		expect(ok.status).toBe(200);
		expect(ok.body.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: expect.stringMatching(/^token:\w{8} \(engineer-user\)$/) });
		const after = await footprint('1');
		expect(await as('engineer').post('/api/v1/incidents/INC-1/acknowledge')).toEqual({ status: 409, body: { error: expect.stringMatching(/^INC-1 is already acknowledged \(by token:\w{8} \(engineer-user\)\)$/) } });
		expect(await as('engineer').post('/api/v1/incidents/INC-77/acknowledge')).toEqual({ status: 404, body: { error: 'no incident INC-77' } });
		expect(await footprint('1')).toEqual(after);
		expect(await as('engineer').post('/api/v1/incidents/INC-3/acknowledge')).toEqual({ status: 409, body: { error: 'INC-3 is resolved: reopen it before acknowledging it' } });
		expect((await call('GET', '/api/v1/incidents/INC-1/acknowledge', tokens.engineer)).status).toBe(405);
	});

	it('assign takes a user name or null; bad bodies answer 400 naming the field and change nothing', async () => {
		const before = await footprint('2');
		for (const [body, message] of [
			[{ owner: 'nobody-here' }, 'owner: no user named "nobody-here"'],
			[{ owner: 42 }, /^owner: /],
			[{ owner: 'engineer-user', extra: 1 }, /^body: |extra/],
			[{}, /^owner: /]
		] as const) {
			const r = await as('engineer').post('/api/v1/incidents/INC-2/assign', body);
			expect(r.status, JSON.stringify(body)).toBe(400);
			expect(r.body.error).toMatch(message);
		}
		expect((await as('engineer').post('/api/v1/incidents/INC-2/assign', '{"owner":', 'application/json')).status).toBe(400);
		expect((await as('engineer').post('/api/v1/incidents/INC-2/assign', '<owner>x</owner>', 'application/xml')).status).toBe(415);
		expect((await as('manager').post('/api/v1/incidents/INC-2/assign', { owner: 'engineer-user' })).status).toBe(403);
		expect(await footprint('2')).toEqual(before);

		expect((await as('engineer').post('/api/v1/incidents/INC-2/assign', { owner: 'Engineer-User' })).body.incident.owner).toBe('engineer-user');
		expect((await as('viewer').get('/api/v1/incidents?owner=engineer-user')).body.incidents.map((i: { id: string }) => i.id)).toEqual(['2']);
		expect((await as('engineer').post('/api/v1/incidents/INC-2/assign', { owner: null })).body.incident).not.toHaveProperty('owner');
	});

	it('managers and engineers add notes (found by search); a viewer may not; an empty note is 400', async () => {
		expect((await as('manager').post('/api/v1/incidents/INC-2/notes', { text: 'Customer support is informed' })).status).toBe(200);
		expect((await as('engineer').post('/api/v1/incidents/INC-2/notes', { text: 'Index rebuilt; latency back to normal' })).status).toBe(200);
		expect((await as('viewer').post('/api/v1/incidents/INC-2/notes', { text: 'x' })).status).toBe(403);
		const empty = await as('manager').post('/api/v1/incidents/INC-2/notes', { text: '   ' });
		expect(empty.status).toBe(400);
		expect(empty.body.error).toMatch(/^text: /);
		expect((await as('manager').post('/api/v1/incidents/INC-2/notes', { text: 'x'.repeat(10_001) })).body.error).toMatch(/^text: /);
		expect((await as('viewer').get('/api/v1/incidents?q=index%20rebuilt')).body.incidents.map((i: { id: string }) => i.id)).toEqual(['2']);
		const tl = (await as('viewer').get('/api/v1/incidents/INC-2')).body.timeline;
		expect(tl.filter((e: { type: string }) => e.type === 'note').map((e: { text: string; actor: string }) => [e.text, e.actor.replace(/\w{8}/, 'ID')])).toEqual([
			['Customer support is informed', 'token:ID (manager-user)'],
			['Index rebuilt; latency back to normal', 'token:ID (engineer-user)']
		]);
	});

	it('resolve and reopen, with conflicts; every action is audited', async () => {
		const resolved = await as('engineer').post('/api/v1/incidents/INC-2/resolve');
		expect(resolved.status).toBe(200);
		expect(resolved.body.incident).toMatchObject({ status: 'resolved', resolvedBy: expect.stringMatching(/engineer-user/) });
		expect(await as('engineer').post('/api/v1/incidents/INC-2/resolve')).toEqual({ status: 409, body: { error: 'INC-2 is already resolved' } });
		expect((await as('engineer').post('/api/v1/incidents/INC-2/reopen')).body.incident).toMatchObject({ status: 'open', reopened: 1 });
		expect(await as('engineer').post('/api/v1/incidents/INC-2/reopen')).toEqual({ status: 409, body: { error: 'INC-2 is open, not resolved: only a resolved incident can be reopened' } });
		expect((await as('manager').post('/api/v1/incidents/INC-2/resolve')).status).toBe(403);

		const audit = (await new AuditLog(client, keys).list({ limit: 100 })).filter((e) => e.action.startsWith('incident.')).reverse();
		expect(audit.map((e) => [e.action, e.target])).toEqual([
			['incident.acknowledge', 'INC-1'],
			['incident.assign', 'INC-2'],
			['incident.assign', 'INC-2'],
			['incident.note', 'INC-2'],
			['incident.note', 'INC-2'],
			['incident.resolve', 'INC-2'],
			['incident.reopen', 'INC-2']
		]);
		expect(audit[0]!.actor).toMatch(/^token:\w{8} \(engineer-user\)$/);
		expect(audit[0]!.ip).toBeTruthy();
	});

	it('measures per service and overall for a period', async () => {
		const r = await as('viewer').get(`/api/v1/incidents/measures?from=${new Date(T0).toISOString()}&to=${new Date(T0 + 60 * MIN).toISOString()}`);
		expect(r.status).toBe(200);
		expect(r.body.overall).toMatchObject({ count: 3, unresolved: 2, unacknowledged: 2 });
		expect(r.body.overall.ttr).toEqual({ count: 1, mean: 10 * MIN, median: 10 * MIN, p90: 10 * MIN });
		expect(r.body.services.map((s: { service: string; count: number }) => [s.service, s.count])).toEqual([
			['checkout', 1],
			['payments', 1],
			['search', 1]
		]);
		expect((await as('viewer').get(`/api/v1/incidents/measures?service=search&from=${T0 / 1000}&to=${T0 / 1000 + 3600}`)).body.overall.count).toBe(1);
		expect(await as('viewer').get('/api/v1/incidents/measures?from=later')).toEqual({ status: 400, body: { error: expect.stringMatching(/^from: expected RFC 3339/) } });
		expect((await call('GET', '/api/v1/incidents/measures', null)).status).toBe(401);
	});
});
