/**
 * The rules list's data against a running `vigil` (web role) and a private redis-server: GET
 * /api/v1/rules/overview (rows with state counts, health, last evaluation, silences; access), and
 * the live feed's `rules:subscribe` -> `rules:rows` with a real socket.io client: rows at once and
 * on change only, one read per interval whatever the number of subscribers, the timer stopped when
 * nobody listens, kiosk links and malformed messages refused, the rate limit applied, and a read
 * that fails (Redis answers an error) logged while subscribers keep their rows.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuleRepository } from '../../src/lib/server/alerting/ruleset';
import { SilenceStore } from '../../src/lib/server/alerting/muting';
import { AlertStateStore } from '../../src/lib/server/alerting/state';
import { AuditLog } from '../../src/lib/server/audit';
import { createKeys } from '../../src/lib/server/keys';
import type { AlertInstance, RuleState } from '../../src/lib/server/rules/types';
import { ruleRowsMessage, type RuleRow, type RuleRowsMessage } from '../../src/lib/shared/live';
import { createKiosk } from '../helpers/kiosk';
import { connectLive, until, type LiveClient } from '../helpers/live-client';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { startVigilProcess, type VigilProcess } from '../helpers/vigil-process';
import { cliFor } from '../helpers/cli';

const PASSWORD = 'a long enough password';
let redis: TestRedis;
let vigil: VigilProcess;
let client: Redis;
let viewerToken = '';
let cookie = '';
const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-overview-'));
const configFile = join(dir, 'vigil.config.yaml');
const prefix = `rov${process.pid}:`;
const keys = createKeys(prefix);
const config = `redis:\n  prefix: "${prefix}"\n`;
const open: LiveClient[] = [];
const states = () => new AlertStateStore<RuleState>(client, keys);

const cli = cliFor(() => ({ redisUrl: redis.url, configFile, cwd: dir }));

function inst(labels: Record<string, string>, state: AlertInstance['state']): AlertInstance {
	return { fingerprint: Object.values(labels).join('-'), labels, annotations: {}, state, value: 1, activeAt: Date.now() - 60_000 };
}

function ruleState(ruleId: string, instances: AlertInstance[], extra: Partial<RuleState> = {}): RuleState {
	return { ruleId, health: 'ok', lastEvalAt: Date.now(), lastEvalDurationMs: 4, instances, ...extra };
}

async function saveStates(list: RuleState[]): Promise<void> {
	await states().save(1, Date.now(), list.map((state) => ({ ruleId: state.ruleId, state })));
}

async function login(username: string): Promise<string> {
	const res = await fetch(`${vigil.url}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', origin: vigil.url },
		body: new URLSearchParams({ username, password: PASSWORD }).toString()
	});
	expect(res.status).toBe(303);
	return res.headers.getSetCookie().find((c) => c.startsWith('vigil_session='))!.split(';')[0]!;
}

async function metric(name: string): Promise<number> {
	const text = await (await fetch(`${vigil.url}/metrics`)).text();
	let sum = 0;
	for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'gm'))) sum += Number(m[1]);
	return sum;
}

/** A subscriber of the rules list: the `rules:rows` messages it got, each checked against the schema. */
async function subscriber(auth: { cookie?: string; kiosk?: string } = { cookie }): Promise<LiveClient & { rows: RuleRowsMessage[] }> {
	const c = await connectLive(vigil.url, { ...auth, origin: vigil.url });
	open.push(c);
	const rows: RuleRowsMessage[] = [];
	c.socket.on('rules:rows', (m) => {
		expect(ruleRowsMessage.safeParse(m).success).toBe(true);
		rows.push(m);
	});
	c.socket.emit('rules:subscribe', {});
	return Object.assign(c, { rows });
}

const row = (msg: RuleRowsMessage | undefined, id: string): RuleRow | undefined => msg?.rows.find((r) => r.id === id);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
	redis = await startTestRedis();
	writeFileSync(configFile, config);
	vigil = await startVigilProcess({ config, redisUrl: redis.url, roles: 'web' });
	client = new Redis(redis.url);
	const u = cli(['users', 'add', 'vic', '--role', 'viewer'], `${PASSWORD}\n`);
	expect(u.code, u.err).toBe(0);
	const t = cli(['token', 'create', '--name', 'vic-token', '--user', 'vic']);
	expect(t.code, t.err).toBe(0);
	viewerToken = t.out.split('\n')[0]!.trim();
	cookie = await login('vic');

	await new RuleRepository(client, keys).save(
		[
			{
				name: 'shop',
				interval: '15s',
				rules: [
					{ alert: 'PaymentsDown', expr: 'up{service="payments"} == 0', severity: 'critical', labels: { service: 'payments', instance: '{{ $labels.instance }}' }, annotations: { summary: 'payments down' } },
					{ alert: 'PaymentsDown', expr: 'up{service="payments-eu"} == 0', severity: 'critical', labels: { service: 'payments-eu' } },
					{ alert: 'SearchSlow', expr: 'latency > 1', severity: 'warning', labels: { service: 'search' } }
				]
			},
			{ name: 'queues', rules: [{ alert: 'Backlog', expr: 'backlog > 50' }] }
		],
		{ author: 'ana' }
	);
	await saveStates([
		ruleState('shop/PaymentsDown', [inst({ alertname: 'PaymentsDown', service: 'payments', instance: 'a' }, 'firing'), inst({ alertname: 'PaymentsDown', service: 'payments', instance: 'b' }, 'pending'), inst({ alertname: 'PaymentsDown', service: 'payments', instance: 'c' }, 'inactive')]),
		ruleState('shop/SearchSlow', [inst({}, 'error')], { health: 'error', lastError: 'query timed out' }),
		ruleState('queues/Backlog', [inst({}, 'nodata')], { health: 'nodata' })
	]);
}, 90_000);

afterAll(async () => {
	for (const c of open.splice(0)) c.close();
	await vigil?.stop();
	client?.disconnect();
	await redis?.stop();
	rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/v1/rules/overview', () => {
	it('answers every rule in order with counts, health, last evaluation and silences', async () => {
		const silences = new SilenceStore(client, keys, new AuditLog(client, keys));
		const byInstance = await silences.create({ matchers: [{ name: 'instance', op: '=', value: 'b' }], durationMs: 3_600_000, comment: 'maintenance' }, { actor: 'user:ana', ip: '' });
		// Matches only the rule's inactive instance: not counted.
		await silences.create({ matchers: [{ name: 'instance', op: '=', value: 'c' }], durationMs: 3_600_000, comment: 'old' }, { actor: 'user:ana', ip: '' });
		// No active instance: its alertname and static labels decide.
		const byStatic = await silences.create({ matchers: [{ name: 'service', op: '=', value: 'payments-eu' }], durationMs: 3_600_000, comment: 'eu' }, { actor: 'user:ana', ip: '' });

		const res = await fetch(`${vigil.url}/api/v1/rules/overview`, { headers: { authorization: `Bearer ${viewerToken}` } });
		expect(res.status).toBe(200);
		expect(res.headers.get('cache-control')).toBe('no-store');
		const body = (await res.json()) as RuleRowsMessage;
		expect(ruleRowsMessage.safeParse(body).success).toBe(true);
		expect(body.revision).toBe(1);
		expect(body.rows.map((r) => [r.id, r.group, r.name, r.severity, r.health, r.counts, r.silences])).toEqual([
			['shop/PaymentsDown', 'shop', 'PaymentsDown', 'critical', 'ok', { firing: 1, pending: 1, nodata: 0, error: 0 }, [byInstance.id]],
			['shop/PaymentsDown#2', 'shop', 'PaymentsDown', 'critical', 'unknown', { firing: 0, pending: 0, nodata: 0, error: 0 }, [byStatic.id]],
			['shop/SearchSlow', 'shop', 'SearchSlow', 'warning', 'error', { firing: 0, pending: 0, nodata: 0, error: 1 }, []],
			['queues/Backlog', 'queues', 'Backlog', null, 'nodata', { firing: 0, pending: 0, nodata: 1, error: 0 }, []]
		]);
		const pay = row(body, 'shop/PaymentsDown')!;
		expect(pay).toMatchObject({ enabled: true, version: 1, author: 'ana', source: null, silenced: true, lastError: null, lastEvalDurationMs: 4, summary: 'payments down' });
		expect(pay.lastEvalAt).toBeGreaterThan(Date.now() - 120_000);
		expect(row(body, 'shop/SearchSlow')).toMatchObject({ lastError: 'query timed out', silenced: false });
		expect(row(body, 'shop/PaymentsDown#2')).toMatchObject({ lastEvalAt: null, silenced: true });
		await client.del(keys.alerts.silences);
	});

	it('needs rules:read: 401 without a credential, 403 for a kiosk cookie; a session may read', async () => {
		const none = await fetch(`${vigil.url}/api/v1/rules/overview`);
		expect(none.status).toBe(401);
		expect((await none.json()).error).toBeTypeOf('string');
		const kiosk = createKiosk(vigil, redis.url, 'rules-api');
		expect((await fetch(`${vigil.url}/api/v1/rules/overview`, { headers: { cookie: `vigil_kiosk=${kiosk.token}` } })).status).toBe(403);
		const bySession = await fetch(`${vigil.url}/api/v1/rules/overview`, { headers: { cookie } });
		expect(bySession.status).toBe(200);
		expect(((await bySession.json()) as RuleRowsMessage).rows).toHaveLength(4);
		expect((await fetch(`${vigil.url}/api/v1/rules/overview`, { method: 'POST', headers: { authorization: `Bearer ${viewerToken}` } })).status).toBe(405);
	});
});

describe('live rules feed', () => {
	it('sends the rows at once, then only when a row changed, one read per interval for every subscriber', async () => {
		const readsBefore = await metric('vigil_live_rules_reads_total');
		const a = await subscriber();
		await until(() => a.rows.length === 1, 5000, 'rows at subscription');
		expect(row(a.rows[0], 'shop/PaymentsDown')?.counts.firing).toBe(1);
		const b = await subscriber();
		const c = await subscriber();
		await until(() => b.rows.length === 1 && c.rows.length === 1, 5000, 'rows for later subscribers');
		// Nothing changed: no more messages, and about one read per 2 s for the three of them.
		await sleep(4500);
		expect([a.rows.length, b.rows.length, c.rows.length]).toEqual([1, 1, 1]);
		const reads = (await metric('vigil_live_rules_reads_total')) - readsBefore;
		expect(reads).toBeGreaterThanOrEqual(2);
		expect(reads).toBeLessThanOrEqual(4);
		// A subscriber is off the board's room: no wall deltas.
		const points = a.points.length + a.statuses.length;

		// A rule starts firing: every subscriber hears it within an interval or two.
		await saveStates([ruleState('queues/Backlog', [inst({ alertname: 'Backlog', q: '1' }, 'firing'), inst({ alertname: 'Backlog', q: '2' }, 'firing')])]);
		await until(() => [a, b, c].every((s) => row(s.rows.at(-1), 'queues/Backlog')?.counts.firing === 2), 5000, 'the change on every subscriber');
		expect([a.rows.length, b.rows.length, c.rows.length]).toEqual([2, 2, 2]);
		expect(row(a.rows.at(-1), 'queues/Backlog')?.health).toBe('ok');
		expect(a.points.length + a.statuses.length).toBe(points);

		// A second subscribe on the same connection is no second subscription.
		a.socket.emit('rules:subscribe', {});
		await sleep(500);
		expect(a.rows.length).toBe(2);

		// Everyone leaves: reads stop.
		for (const s of [a, b, c]) s.close();
		await sleep(2500);
		const stopped = await metric('vigil_live_rules_reads_total');
		await sleep(4500);
		expect(await metric('vigil_live_rules_reads_total')).toBe(stopped);

		// The next subscriber reads afresh and gets the rows at once.
		const d = await subscriber();
		await until(() => d.rows.length === 1, 5000, 'rows after a restart of the feed');
		expect(row(d.rows[0], 'queues/Backlog')?.counts.firing).toBe(2);
		d.close();
	}, 60_000);

	it('gives kiosk links nothing and counts malformed subscriptions as invalid', async () => {
		const invalidBefore = await metric('vigil_live_invalid_messages_total');
		const kiosk = createKiosk(vigil, redis.url, 'rules-live');
		const screen = await subscriber({ kiosk: kiosk.token });
		const bad = await connectLive(vigil.url, { cookie, origin: vigil.url });
		open.push(bad);
		const badRows: unknown[] = [];
		bad.socket.on('rules:rows', (m) => badRows.push(m));
		for (const body of [{ extra: 1 }, 'x', 42, [1], { b: null }]) bad.socket.emit('rules:subscribe', body as never);
		await until(async () => (await metric('vigil_live_invalid_messages_total')) - invalidBefore >= 5, 5000, 'invalid subscriptions counted');
		await sleep(2500);
		expect(screen.rows).toEqual([]);
		expect(badRows).toEqual([]);
		// The kiosk screen still gets its board.
		expect(screen.snapshots.length).toBe(1);
		expect(screen.socket.connected && bad.socket.connected).toBe(true);
		screen.close();
		bad.close();
	});

	it('counts subscriptions against the per-connection rate limit', async () => {
		const droppedBefore = await metric('vigil_live_dropped_messages_total');
		const s = await subscriber();
		await until(() => s.rows.length === 1, 5000, 'rows');
		for (let i = 0; i < 60; i++) s.socket.emit('rules:subscribe', {});
		await until(async () => (await metric('vigil_live_dropped_messages_total')) - droppedBefore >= 10, 5000, 'dropped subscriptions');
		s.close();
	});

	it('survives a read that fails: logs it, keeps the subscribers and sends again once reads work', async () => {
		const s = await subscriber();
		await until(() => s.rows.length === 1, 5000, 'rows');
		// The rule set's group index is not a string: every read fails (WRONGTYPE) until it is again.
		const groups = (await client.get(keys.rules.groups))!;
		await client.del(keys.rules.groups);
		await client.hset(keys.rules.groups, 'x', '1');
		await vigil.waitForOutput(/could not read the rules overview/, 6000);
		await sleep(2500);
		expect(s.socket.connected).toBe(true);
		expect(s.rows.length).toBe(1);
		await client.del(keys.rules.groups);
		await client.set(keys.rules.groups, groups);
		await saveStates([ruleState('queues/Backlog', [inst({ alertname: 'Backlog', q: '1' }, 'firing')])]);
		await until(() => row(s.rows.at(-1), 'queues/Backlog')?.counts.firing === 1, 6000, 'rows again after the failure');
		expect(vigil.output()).toMatch(/the rules overview can be read again/);
		s.close();
	}, 30_000);
});
