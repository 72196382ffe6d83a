/**
 * Silences and maintenance windows over HTTP against a running `vigil` (web role) and a private
 * redis-server: create, list, get, update (in place and by replacement), expire or end, previews
 * against alert state written as the alerts role writes it, role refusals, and bad input that
 * answers 400 and changes nothing. The notifier's check (`loadMuting`) reads what the API wrote.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMuting } from '../../src/lib/server/alerting/muting';
import { AlertStateStore } from '../../src/lib/server/alerting/state';
import { AuditLog } from '../../src/lib/server/audit';
import { createKeys } from '../../src/lib/server/keys';
import type { AlertInstance, RuleState } from '../../src/lib/server/rules/types';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { startVigilProcess, type VigilProcess } from '../helpers/vigil-process';
import { cliFor } from '../helpers/cli';

let redis: TestRedis;
let vigil: VigilProcess;
let client: Redis;
const dir = mkdtempSync(join(tmpdir(), 'vigil-silences-'));
const configFile = join(dir, 'vigil.config.yaml');
const prefix = `silences${process.pid}:`;
const keys = createKeys(prefix);
const config = `redis:\n  prefix: "${prefix}"\n`;
const tokens: Record<'viewer' | 'engineer', string> = { viewer: '', engineer: '' };

const cli = cliFor(() => ({ redisUrl: redis.url, configFile, cwd: dir }));

async function call(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: any }> {
	const headers: Record<string, string> = {};
	if (token) headers.authorization = `Bearer ${token}`;
	if (body !== undefined) headers['content-type'] = 'application/json';
	const res = await fetch(`${vigil.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await res.text();
	return { status: res.status, body: text ? JSON.parse(text) : null };
}

const eng = (method: string, path: string, body?: unknown) => call(method, path, tokens.engineer, body);

function instance(labels: Record<string, string>, state: AlertInstance['state'], at: number): AlertInstance {
	return { fingerprint: Object.values(labels).join('-'), labels, annotations: { summary: 'x' }, state, value: 1, activeAt: at - 60_000, ...(state === 'firing' ? { firedAt: at } : {}) };
}

beforeAll(async () => {
	redis = await startTestRedis();
	writeFileSync(configFile, config);
	vigil = await startVigilProcess({ config, redisUrl: redis.url, roles: 'web' });
	client = new Redis(redis.url);
	for (const role of ['viewer', 'engineer'] as const) {
		const u = cli(['users', 'add', `${role}-user`, '--role', role], 'a long enough password\n');
		expect(u.code, u.err).toBe(0);
		const t = cli(['token', 'create', '--name', `${role}-token`, '--user', `${role}-user`]);
		expect(t.code, t.err).toBe(0);
		tokens[role] = t.out.split('\n')[0]!.trim();
	}
	// Alert state as the alerts leader saves it: two payments alerts (firing, pending), one
	// resolved long ago (inactive), and one of another service.
	const now = Date.now();
	const states: RuleState[] = [
		{
			ruleId: 'shop/Payments',
			health: 'ok',
			lastEvalDurationMs: 1,
			instances: [
				instance({ alertname: 'PaymentsDown', service: 'payments', severity: 'critical' }, 'firing', now),
				instance({ alertname: 'PaymentsSlow', service: 'payments', severity: 'warning' }, 'pending', now),
				instance({ alertname: 'PaymentsDown', service: 'payments', instance: 'old' }, 'inactive', now)
			]
		},
		{ ruleId: 'shop/Search', health: 'ok', lastEvalDurationMs: 1, instances: [instance({ alertname: 'SearchDown', service: 'search' }, 'firing', now)] }
	];
	await new AlertStateStore<RuleState>(client, keys).save(1, now, states.map((state) => ({ ruleId: state.ruleId, state })));
}, 90_000);

afterAll(async () => {
	await vigil?.stop();
	client?.disconnect();
	await redis?.stop();
	rmSync(dir, { recursive: true, force: true });
});

/** Asserts that a request answers 400 with the message and leaves the hash as it was. */
async function refusedUnchanged(hash: string, method: string, path: string, body: unknown, message: string | RegExp): Promise<void> {
	const before = await client.hgetall(hash);
	const r = await eng(method, path, body);
	expect(r.status, JSON.stringify(r.body)).toBe(400);
	if (typeof message === 'string') expect(r.body.error).toBe(message);
	else expect(r.body.error).toMatch(message);
	expect(await client.hgetall(hash)).toEqual(before);
}

describe('silences', () => {
	const hour = 3_600_000;
	let active: any;
	let pending: any;

	it('preview matches the current alerts (not inactive ones) and writes nothing', async () => {
		const r = await call('POST', '/api/v1/silences/preview', tokens.viewer, { matchers: '{service="payments"}', duration: '2h' });
		expect(r.status, JSON.stringify(r.body)).toBe(200);
		expect(r.body.matchersText).toBe('{service="payments"}');
		expect(r.body.alerts.map((a: any) => [a.ruleId, a.labels.alertname, a.state])).toEqual([
			['shop/Payments', 'PaymentsDown', 'firing'],
			['shop/Payments', 'PaymentsSlow', 'pending']
		]);
		expect(r.body.alertsTotal).toBe(3);
		expect(r.body.state).toBe('active');
		expect(r.body.endsAt - r.body.startsAt).toBe(2 * hour);
		const regex = await eng('POST', '/api/v1/silences/preview', { matchers: [{ name: 'alertname', value: '.*Down', isRegex: true }] });
		expect(regex.body.alerts.map((a: any) => a.labels.alertname)).toEqual(['PaymentsDown', 'SearchDown']);
		expect(await client.hlen(keys.alerts.silences)).toBe(0);
	});

	it('refuses nobody (401) and a viewer (403) on writes; a viewer may read', async () => {
		const body = { matchers: '{service="payments"}', duration: '1h', comment: 'deploy' };
		expect((await call('POST', '/api/v1/silences', null, body)).status).toBe(401);
		const viewer = await call('POST', '/api/v1/silences', tokens.viewer, body);
		expect(viewer.status).toBe(403);
		expect(viewer.body.error).toContain('may not silences:write');
		expect(await client.hlen(keys.alerts.silences)).toBe(0);
		expect((await call('GET', '/api/v1/silences', tokens.viewer)).body).toEqual({ silences: [], total: 0 });
	});

	it('creates active and pending silences, lists them newest first, and gets one', async () => {
		const a = await eng('POST', '/api/v1/silences', { matchers: '{service="payments", alertname=~"Pay.*"}', duration: '2h', comment: 'payments deploy' });
		expect(a.status, JSON.stringify(a.body)).toBe(201);
		active = a.body.silence;
		expect(active).toMatchObject({ state: 'active', comment: 'payments deploy', matchersText: '{service="payments", alertname=~"Pay.*"}' });
		expect(active.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
		expect(active.createdBy).toMatch(/^token:\S+ \(engineer-user\)$/);
		expect(active.endsAt - active.startsAt).toBe(2 * hour);

		const start = Math.floor(Date.now() / 1000) + 3600;
		const p = await eng('POST', '/api/v1/silences', {
			matchers: [{ name: 'service', value: 'search', isRegex: false, isEqual: true }],
			startsAt: start,
			endsAt: new Date((start + 7200) * 1000).toISOString(),
			comment: 'search reindex',
			createdBy: 'ignored'
		});
		expect(p.status, JSON.stringify(p.body)).toBe(201);
		pending = p.body.silence;
		expect(pending).toMatchObject({ state: 'pending', startsAt: start * 1000, endsAt: (start + 7200) * 1000, matchers: [{ name: 'service', op: '=', value: 'search' }] });
		expect(pending.createdBy).not.toBe('ignored');

		const list = await call('GET', '/api/v1/silences', tokens.viewer);
		expect(list.body.silences.map((s: any) => s.id)).toEqual([pending.id, active.id]);
		expect((await call('GET', '/api/v1/silences?state=pending', tokens.viewer)).body.silences.map((s: any) => s.id)).toEqual([pending.id]);
		expect((await call('GET', `/api/v1/silences/${active.id}`, tokens.viewer)).body.silence).toEqual(active);
		expect((await call('GET', '/api/v1/silences/nosuchsilence', tokens.viewer)).status).toBe(404);
		expect((await call('GET', '/api/v1/silences?state=later', tokens.viewer)).body.error).toBe('state: expected pending, active, expired or all (comma-separated), got "later"');
	});

	it('filters the list by the silences\' matchers, as Alertmanager does, and pages it', async () => {
		const ids = async (query: string) => {
			const r = await call('GET', `/api/v1/silences?${query}`, tokens.viewer);
			expect(r.status, JSON.stringify(r.body)).toBe(200);
			return r.body.silences.map((s: any) => s.id);
		};
		const f = (text: string) => `filter=${encodeURIComponent(text)}`;
		expect(await ids(f('service="payments"'))).toEqual([active.id]);
		expect(await ids(f('{service=~"pay.*|search"}'))).toEqual([pending.id, active.id]);
		// A filter on the matcher's text: the silence matches alertname=~"Pay.*", whose text is Pay.*.
		expect(await ids(f('alertname="Pay.*"'))).toEqual([active.id]);
		// A name the silence does not match on counts as "".
		expect(await ids(f('alertname=""'))).toEqual([pending.id]);
		// Repeated filters all apply.
		expect(await ids(`${f('service=~".+"')}&${f('alertname!=""')}`)).toEqual([active.id]);
		expect(await ids(`${f('service="nope"')}`)).toEqual([]);

		// Pages, newest first; total counts what the filter kept.
		const first = await call('GET', '/api/v1/silences?limit=1', tokens.viewer);
		expect([first.body.silences.map((s: any) => s.id), first.body.total]).toEqual([[pending.id], 2]);
		expect(await ids('limit=1&offset=1')).toEqual([active.id]);
		expect(await ids('offset=5')).toEqual([]);

		for (const [query, error] of [
			[f('service="payments'), /^filter\[0\]: /],
			[f(''), /^filter\[0\]: at least one matcher is needed/],
			[`${f('a="1"')}&${f('b=~"("')}`, /^filter\[1\]\[0\]\.value: invalid regular expression/],
			['limit=0', /^limit: expected a whole number from 1 to 1000, got "0"$/],
			['limit=5000', /^limit: /],
			['offset=-1', /^offset: expected a whole number/]
		] as const) {
			const r = await call('GET', `/api/v1/silences?${query}`, tokens.viewer);
			expect(r.status, query).toBe(400);
			expect(r.body.error, query).toMatch(error);
		}
	});

	it('the notifier sees the active silence, not the pending one', async () => {
		const muting = await loadMuting(client, keys.alerts, Date.now());
		expect(muting.silencedBy({ alertname: 'PaymentsDown', service: 'payments' })).toEqual([active.id]);
		expect(muting.silencedBy({ alertname: 'SearchDown', service: 'search' })).toEqual([]);
		expect(muting.silencedBy({ alertname: 'Other', service: 'payments' })).toEqual([]);
	});

	it('refuses bad input with 400 naming the field, and stores nothing', async () => {
		const ok = { matchers: '{service="payments"}', duration: '1h', comment: 'c' };
		const h = keys.alerts.silences;
		await refusedUnchanged(h, 'POST', '/api/v1/silences', { ...ok, matchers: [{ name: 'service', op: '=', value: 'x' }, { name: 'alertname', op: '=~', value: 'Pay(' }] }, /^matchers\[1\]\.value: invalid regular expression "Pay\(": /);
		const now = Math.floor(Date.now() / 1000);
		await refusedUnchanged(h, 'POST', '/api/v1/silences', { ...ok, duration: undefined, startsAt: now + 7200, endsAt: now + 3600 }, 'endsAt: must be after startsAt');
		await refusedUnchanged(h, 'POST', '/api/v1/silences', { ...ok, matchers: 'up' }, /^matchers: "up" is a bare metric name/);
		await refusedUnchanged(h, 'POST', '/api/v1/silences', { ...ok, matchers: '{service=~".*"}' }, /^matchers: every matcher also matches the empty string/);
		await refusedUnchanged(h, 'POST', '/api/v1/silences', { ...ok, comment: '' }, 'comment: required (say why these alerts are silenced)');
		await refusedUnchanged(h, 'PUT', `/api/v1/silences/${active.id}`, { ...ok, matchers: [{ name: 'a', op: '=~', value: '(' }] }, /^matchers\[0\]\.value: invalid regular expression/);
		await refusedUnchanged(h, 'POST', '/api/v1/silences/preview', { matchers: '{a=~"("}' }, /^matchers\[0\]\.value: invalid regular expression/);
		const notJson = await fetch(`${vigil.url}/api/v1/silences`, { method: 'POST', headers: { authorization: `Bearer ${tokens.engineer}`, 'content-type': 'application/json' }, body: '{' });
		expect(notJson.status).toBe(400);
		expect(await client.hlen(h)).toBe(2);
	});

	it('updates an active silence in place when only its end and comment change', async () => {
		const endsAt = Math.floor(active.endsAt / 1000) + 3600;
		const r = await eng('PUT', `/api/v1/silences/${active.id}`, { matchers: active.matchersText, startsAt: active.startsAt / 1000, endsAt, comment: 'deploy takes longer' });
		expect(r.status, JSON.stringify(r.body)).toBe(200);
		expect(r.body.replaced).toBeUndefined();
		expect(r.body.silence).toMatchObject({ id: active.id, startsAt: active.startsAt, endsAt: endsAt * 1000, comment: 'deploy takes longer', createdBy: active.createdBy, state: 'active' });
		expect(r.body.silence.updatedBy).toBe(active.createdBy);
		active = r.body.silence;
	});

	it('replaces an active silence whose matchers change: the old one is expired, the new one links back', async () => {
		const r = await eng('PUT', `/api/v1/silences/${active.id}`, { matchers: '{service="payments"}', endsAt: Math.floor(active.endsAt / 1000), comment: 'all of payments' });
		expect(r.status, JSON.stringify(r.body)).toBe(200);
		expect(r.body.replaced).toBe(active.id);
		const next = r.body.silence;
		expect(next.id).not.toBe(active.id);
		expect(next).toMatchObject({ replaces: active.id, state: 'active', matchersText: '{service="payments"}' });
		const old = (await call('GET', `/api/v1/silences/${active.id}`, tokens.viewer)).body.silence;
		expect(old).toMatchObject({ state: 'expired', replacedBy: next.id, matchersText: active.matchersText });
		expect((await call('GET', '/api/v1/silences?state=expired', tokens.viewer)).body.silences.map((s: any) => s.id)).toEqual([active.id]);
		const muting = await loadMuting(client, keys.alerts, Date.now());
		expect(muting.silencedBy({ alertname: 'Other', service: 'payments' })).toEqual([next.id]);
		// An expired silence does not change.
		const again = await eng('PUT', `/api/v1/silences/${active.id}`, { matchers: '{service="payments"}', duration: '1h', comment: 'x' });
		expect(again.status).toBe(409);
		expect(again.body.error).toMatch(/expired silences stay as history/);
		active = next;
	});

	it('expires a silence (a pending one never starts); it stays in history; twice is 409', async () => {
		const r = await eng('DELETE', `/api/v1/silences/${pending.id}`);
		expect(r.status, JSON.stringify(r.body)).toBe(200);
		expect(r.body.silence.state).toBe('expired');
		expect(r.body.silence.endsAt).toBe(r.body.silence.startsAt);
		expect((await call('GET', `/api/v1/silences/${pending.id}`, tokens.viewer)).body.silence.state).toBe('expired');
		expect((await eng('DELETE', `/api/v1/silences/${pending.id}`)).status).toBe(409);
		expect((await call('DELETE', `/api/v1/silences/${active.id}`, tokens.viewer)).status).toBe(403);
		expect((await call('GET', '/api/v1/silences?state=all', tokens.viewer)).body.silences).toHaveLength(3);
		expect(await client.hlen(keys.alerts.silences)).toBe(3);
	});

	it('every change is in the audit log with its actor', async () => {
		const entries = (await new AuditLog(client, keys).list({ limit: 50 })).filter((e) => e.action.startsWith('silence.')).reverse();
		expect(entries.map((e) => e.action)).toEqual(['silence.create', 'silence.create', 'silence.update', 'silence.expire', 'silence.create', 'silence.expire']);
		expect(new Set(entries.map((e) => e.actor))).toEqual(new Set([active.createdBy]));
		expect(entries[2]!.before).toMatchObject({ comment: 'payments deploy' });
		expect(entries[2]!.after).toMatchObject({ comment: 'deploy takes longer' });
	});

	it('answers 405 to a wrong method on the preview', async () => {
		expect((await eng('GET', '/api/v1/silences/preview')).status).toBe(405);
	});
});

describe('maintenance windows', () => {
	const always = { kind: 'weekly', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' };
	let open: any;

	it('preview lists the matching alerts and the next occurrences, writing nothing', async () => {
		const r = await call('POST', '/api/v1/maintenance-windows/preview', tokens.viewer, {
			matchers: '{service="search"}',
			timeZone: 'Europe/Berlin',
			schedule: { kind: 'cron', cron: '0 2 * * sun', duration: '2h' },
			count: 3
		});
		expect(r.status, JSON.stringify(r.body)).toBe(200);
		expect(r.body.alerts.map((a: any) => a.labels.alertname)).toEqual(['SearchDown']);
		expect(r.body.occurrences).toHaveLength(3);
		for (const o of r.body.occurrences) {
			expect(o.end - o.start).toBe(2 * 3_600_000);
			const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(o.start);
			expect(parts).toBe('Sun 02:00');
		}
		expect(await client.hlen(keys.alerts.windows)).toBe(0);
	});

	it('refuses an unknown time zone, a bad schedule and a viewer; nothing is stored', async () => {
		const ok = { name: 'upkeep', matchers: '{service="payments"}', timeZone: 'Europe/Berlin', schedule: always };
		const h = keys.alerts.windows;
		await refusedUnchanged(h, 'POST', '/api/v1/maintenance-windows', { ...ok, timeZone: 'Mars/Base' }, 'timeZone: unknown time zone "Mars/Base"');
		await refusedUnchanged(h, 'POST', '/api/v1/maintenance-windows', { ...ok, schedule: { kind: 'cron', cron: '0 25 * * *', duration: '1h' } }, 'schedule.cron: hour: 25 is out of range 0-23');
		await refusedUnchanged(h, 'POST', '/api/v1/maintenance-windows', { ...ok, schedule: { kind: 'once', start: '2020-01-01T00:00:00Z', end: '2020-01-02T00:00:00Z' } }, 'schedule.end: must be in the future');
		await refusedUnchanged(h, 'POST', '/api/v1/maintenance-windows', { ...ok, matchers: [{ name: 'a', op: '=~', value: '[' }] }, /^matchers\[0\]\.value: invalid regular expression/);
		expect((await call('POST', '/api/v1/maintenance-windows', tokens.viewer, ok)).status).toBe(403);
		expect(await client.hlen(h)).toBe(0);
	});

	it('creates a window that is open now; the list shows activeNow and the next occurrence; the notifier sees it', async () => {
		const r = await eng('POST', '/api/v1/maintenance-windows', { name: 'payments move', matchers: '{service="payments"}', timeZone: 'europe/berlin', schedule: always, comment: 'data centre move' });
		expect(r.status, JSON.stringify(r.body)).toBe(201);
		open = r.body.window;
		expect(open).toMatchObject({ state: 'active', activeNow: true, timeZone: 'Europe/Berlin', name: 'payments move' });
		expect(open.next.start).toBeGreaterThan(Date.now());
		const list = await call('GET', '/api/v1/maintenance-windows', tokens.viewer);
		expect(list.body.windows.map((w: any) => [w.id, w.activeNow])).toEqual([[open.id, true]]);
		const muting = await loadMuting(client, keys.alerts, Date.now());
		expect(muting.maintenanceBy({ alertname: 'PaymentsDown', service: 'payments' })).toEqual([open.id]);
		expect(muting.maintenanceBy({ alertname: 'SearchDown', service: 'search' })).toEqual([]);
	});

	it('renames in place, and replaces a window that has been open when its schedule changes', async () => {
		const body = { name: 'payments move (phase 1)', matchers: '{service="payments"}', timeZone: 'Europe/Berlin', schedule: always, comment: 'data centre move' };
		// Let the window be open for a moment, so it has history.
		await new Promise((r) => setTimeout(r, 20));
		const renamed = await eng('PUT', `/api/v1/maintenance-windows/${open.id}`, body);
		expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
		expect(renamed.body).toMatchObject({ window: { id: open.id, name: 'payments move (phase 1)', effectiveFrom: open.effectiveFrom } });
		const moved = await eng('PUT', `/api/v1/maintenance-windows/${open.id}`, { ...body, schedule: { kind: 'cron', cron: '0 2 * * sun', duration: '2h' } });
		expect(moved.status, JSON.stringify(moved.body)).toBe(200);
		expect(moved.body.replaced).toBe(open.id);
		expect(moved.body.window).toMatchObject({ replaces: open.id, schedule: { kind: 'cron', cron: '0 2 * * sun', duration: '2h' } });
		const old = (await call('GET', `/api/v1/maintenance-windows/${open.id}`, tokens.viewer)).body.window;
		expect(old).toMatchObject({ state: 'ended', replacedBy: moved.body.window.id });
		expect(old.endedAt).toBeGreaterThan(old.effectiveFrom);
		open = moved.body.window;
	});

	it('ends a window (kept as history), and refuses to end it twice', async () => {
		const r = await eng('DELETE', `/api/v1/maintenance-windows/${open.id}`);
		expect(r.status, JSON.stringify(r.body)).toBe(200);
		expect(r.body.window).toMatchObject({ state: 'ended', activeNow: false, next: null });
		expect((await eng('DELETE', `/api/v1/maintenance-windows/${open.id}`)).status).toBe(409);
		expect((await call('GET', '/api/v1/maintenance-windows', tokens.viewer)).body.windows).toEqual([]);
		expect((await call('GET', '/api/v1/maintenance-windows?state=ended', tokens.viewer)).body.windows).toHaveLength(2);
		const actions = (await new AuditLog(client, keys).list({ limit: 50 })).filter((e) => e.action.startsWith('window.')).map((e) => e.action).reverse();
		expect(actions).toEqual(['window.create', 'window.update', 'window.end', 'window.create', 'window.end']);
	});
});
