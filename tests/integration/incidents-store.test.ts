/**
 * The incident store on a private redis-server: alert events open, join, reopen and auto-resolve
 * incidents; events are applied exactly once even by two stores at once; people's actions check
 * their transitions and are atomic against the feed; lists filter and page through years of
 * history completely, in order, without overlap; measures match hand-computed figures.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeToAcknowledge, IncidentStore, isIncidentConflict, isIncidentInputError, isIncidentNotFound, type IncidentSummary } from '../../src/lib/server/alerting/incidents';
import { AuditLog } from '../../src/lib/server/audit';
import { createKeys, type Keys } from '../../src/lib/server/keys';
import type { Logger } from '../../src/lib/server/log';
import type { AlertEvent } from '../../src/lib/server/rules/types';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

let redis: TestRedis;
let client: Redis;
let n = 0;
const MIN = 60_000;
const DAY = 86_400_000;

beforeAll(async () => {
	redis = await startTestRedis();
	client = redis.client();
});
afterAll(async () => {
	await redis?.stop();
});

/** A fresh key space per test. */
function fresh(): Keys {
	return createKeys(`inc${++n}:`);
}

function ev(over: Partial<AlertEvent> & { fp?: string; service?: string; severity?: string } = {}): AlertEvent {
	const { fp = 'a1', service = 'checkout', severity = 'warning', ...rest } = over;
	return { ruleId: 'shop/Slow', fingerprint: fp, labels: { alertname: 'Slow', service, severity, instance: fp }, from: 'pending', to: 'firing', at: 1000, value: 1, ...rest };
}

async function write(keys: Keys, events: AlertEvent[], c: Redis = client): Promise<void> {
	const pipe = c.pipeline();
	for (const e of events) pipe.xadd(keys.alerts.events, '*', 'e', JSON.stringify(e));
	await pipe.exec();
}

function memoryLog(): Logger & { lines: Array<{ level: string; msg: string }> } {
	const lines: Array<{ level: string; msg: string }> = [];
	const at = (level: string) => (a: unknown, b?: unknown) => lines.push({ level, msg: typeof a === 'string' ? a : String(b) });
	const log = { warn: at('warn'), info: at('info'), debug: at('debug'), error: at('error'), child: () => log, lines };
	return log as unknown as Logger & { lines: typeof lines };
}

describe('incidents from alert events', () => {
	it('open, join, severity max, resolve after the quiet period (at the last alert\'s resolution), reopen within the window', async () => {
		const keys = fresh();
		const store = new IncidentStore(client, keys);
		await client.hset(keys.alerts.state, 'shop/Slow', JSON.stringify({ savedAt: 0, state: { ruleId: 'shop/Slow', instances: [{ fingerprint: 'a1', annotations: { summary: 'checkout p95 is 2s' } }] } }));
		await write(keys, [ev({ at: 1000 }), ev({ fp: 'a2', at: 2000, severity: 'critical' }), ev({ fp: 'other', at: 2500, service: 'search' })]);
		expect(await store.applyEvents()).toBe(3);
		const inc = (await store.get('1'))!;
		expect(inc).toMatchObject({ id: '1', ref: 'INC-1', title: 'checkout p95 is 2s', severity: 'critical', service: 'checkout', status: 'open', openedAt: 1000 });
		expect(inc.alerts.map((a) => a.fingerprint)).toEqual(['a1', 'a2']);
		expect((await store.get('2'))!.title).toBe('Slow on search');
		expect(await client.zrange(keys.alerts.incidents.active, 0, -1)).toEqual(['1', '2']);

		await write(keys, [ev({ from: 'firing', to: 'inactive', at: 10_000 }), ev({ fp: 'a2', from: 'firing', to: 'inactive', at: 20_000 })]);
		await store.applyEvents();
		expect(await store.resolveQuiet(20_000 + 5 * MIN - 1)).toEqual([]);
		expect(await store.resolveQuiet(20_000 + 5 * MIN)).toEqual(['1']);
		const done = (await store.get('1'))!;
		expect(done).toMatchObject({ status: 'resolved', resolvedAt: 20_000, resolvedBy: 'auto' });
		expect(await client.zrange(keys.alerts.incidents.active, 0, -1)).toEqual(['2']);
		expect(await store.resolveQuiet(10 * DAY)).toEqual([]);

		// Within 30 minutes of resolving: the same incident again.
		await write(keys, [ev({ fp: 'a2', at: 20_000 + 30 * MIN })]);
		await store.applyEvents();
		expect(await store.get('1')).toMatchObject({ status: 'open', reopened: 1 });
		expect((await store.get('1'))!.resolvedAt).toBeUndefined();
		const types = (await store.timeline('1')).map((e) => e.type);
		expect(types).toEqual(['opened', 'alert.joined', 'alert.resolved', 'alert.resolved', 'resolved', 'reopened', 'alert.fired']);
		const resolved = (await store.timeline('1')).find((e) => e.type === 'resolved')!;
		expect(resolved).toMatchObject({ at: 20_000, actor: 'vigil', by: 'auto', from: 'open', to: 'resolved', confirmedAt: 20_000 + 5 * MIN });
		expect(resolved.id).toMatch(/^\d+-\d+$/);

		// After the window: a new incident.
		await write(keys, [ev({ fp: 'a2', from: 'firing', to: 'inactive', at: 3_000_000 })]);
		await store.applyEvents();
		expect(await store.resolveQuiet(3_000_000 + 5 * MIN)).toEqual(['1']);
		await write(keys, [ev({ fp: 'a1', at: 3_000_000 + 30 * MIN + 1 })]);
		await store.applyEvents();
		expect((await store.get('3'))!.openedAt).toBe(3_000_000 + 30 * MIN + 1);
		expect(await store.currentIncidentIds([{ ruleId: 'shop/Slow', labels: { service: 'checkout' } }, { ruleId: 'shop/Slow', labels: { service: 'nowhere' } }])).toEqual(['3', null]);
	});

	it('applies each event exactly once when two stores apply the same stream at the same time', async () => {
		const keys = fresh();
		const events: AlertEvent[] = [];
		for (let i = 0; i < 600; i++) {
			const service = `svc${i % 40}`;
			const fp = `f${i % 7}`;
			events.push(ev({ service, fp, at: 1000 + i }));
			if (i % 3 === 0) events.push(ev({ service, fp, from: 'firing', to: 'inactive', at: 1000 + i }));
		}
		await write(keys, events);
		const other = redis.client();
		const a = new IncidentStore(client, keys, { batchSize: 50 });
		const b = new IncidentStore(other, keys, { batchSize: 50 });
		const applied = await Promise.all([a.applyEvents(), b.applyEvents(), a.applyEvents(), b.applyEvents()]);
		expect(applied.reduce((s, x) => s + x, 0)).toBe(events.length);

		// The same events applied once, by one store, in a key space of its own.
		const ref = fresh();
		await write(ref, events);
		await new IncidentStore(client, ref).applyEvents();
		const count = async (k: Keys) => {
			const ids = await client.zrange(k.alerts.incidents.byOpened, 0, -1);
			let entries = 0;
			for (const id of ids) entries += await client.xlen(k.alerts.incidents.timeline(id));
			return { incidents: ids.length, entries };
		};
		const got = await count(keys);
		expect(got).toEqual(await count(ref));
		expect(got.incidents).toBe(40);
		expect(await client.get(keys.alerts.incidents.cursor)).toBe((await client.xrevrange(keys.alerts.events, '+', '-', 'COUNT', 1))[0]![0]);
		// Nothing more to do, and a restarted store finds nothing either.
		expect(await new IncidentStore(other, keys).applyEvents()).toBe(0);
	});

	it('warns when the stream was trimmed past events not applied yet, and goes on', async () => {
		const keys = fresh();
		const log = memoryLog();
		const store = new IncidentStore(client, keys, { log });
		await write(keys, [ev({ at: 1 })]);
		await store.applyEvents();
		await write(keys, [ev({ fp: 'lost', service: 'lost', at: 2 }), ev({ fp: 'lost2', service: 'lost', at: 3 })]);
		await client.xtrim(keys.alerts.events, 'MAXLEN', 1);
		await write(keys, [ev({ fp: 'kept', service: 'kept', at: 4 })]);
		expect(await store.applyEvents()).toBe(2);
		expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([expect.stringContaining('trimmed past the last event applied to incidents')]);
		expect((await store.list()).incidents.map((i) => i.service).sort()).toEqual(['checkout', 'kept', 'lost']);
	});
});

describe('people\'s actions', () => {
	it('acknowledge, assign, note, resolve, reopen; typed errors for missing incidents and invalid transitions; audited', async () => {
		const keys = fresh();
		const audit = new AuditLog(client, keys);
		let now = 100_000;
		const store = new IncidentStore(client, keys, { audit, now: () => now });
		await write(keys, [ev({ at: 1000 })]);
		await store.applyEvents();
		const ana = { actor: 'user:ana', ip: '10.0.0.1' };
		const bo = { actor: 'user:bo' };

		await expect(store.acknowledge('99', ana)).rejects.toSatisfy((e) => isIncidentNotFound(e) && /no incident INC-99/.test((e as Error).message));
		await expect(store.reopen('1', ana)).rejects.toSatisfy((e) => isIncidentConflict(e) && /INC-1 is open, not resolved/.test((e as Error).message));
		expect(await store.acknowledge('1', ana)).toMatchObject({ status: 'acknowledged', acknowledgedAt: 100_000, acknowledgedBy: 'user:ana' });
		now += 1000;
		await expect(store.acknowledge('1', bo)).rejects.toSatisfy((e) => isIncidentConflict(e) && (e as Error).message === 'INC-1 is already acknowledged (by user:ana)');
		expect(await store.assign('1', 'bo', ana)).toMatchObject({ owner: 'bo' });
		expect(() => store.assign('1', ' ', ana)).toThrow(/owner: expected 1 to 100/);
		expect(() => store.addNote('1', '', ana)).toThrow(/^text: expected 1 to 10000 characters/);
		await store.addNote('1', 'Rolled back the 14:02 deploy', bo);
		expect(await store.resolve('1', bo)).toMatchObject({ status: 'resolved', resolvedAt: 101_000, resolvedBy: 'user:bo' });
		await expect(store.resolve('1', bo)).rejects.toSatisfy((e) => isIncidentConflict(e) && (e as Error).message === 'INC-1 is already resolved');
		await expect(store.acknowledge('1', bo)).rejects.toSatisfy((e) => isIncidentConflict(e) && /INC-1 is resolved: reopen it before acknowledging/.test((e as Error).message));
		now += 1000;
		expect(await store.reopen('1', ana)).toMatchObject({ status: 'open', reopened: 1, acknowledgedAt: 100_000 });
		expect(await store.assign('1', null, ana)).not.toHaveProperty('owner');

		const tl = await store.timeline('1');
		expect(tl.map((e) => [e.type, e.actor])).toEqual([
			['opened', 'vigil'],
			['acknowledged', 'user:ana'],
			['assigned', 'user:ana'],
			['note', 'user:bo'],
			['resolved', 'user:bo'],
			['reopened', 'user:ana'],
			['assigned', 'user:ana']
		]);
		expect(tl[2]).toMatchObject({ owner: 'bo', previous: null });
		expect(tl[3]).toMatchObject({ text: 'Rolled back the 14:02 deploy', at: 101_000 });
		expect(tl[6]).toMatchObject({ owner: null, previous: 'bo' });
		const entries = (await audit.list()).reverse();
		expect(entries.map((e) => [e.action, e.actor, e.target])).toEqual([
			['incident.acknowledge', 'user:ana', 'INC-1'],
			['incident.assign', 'user:ana', 'INC-1'],
			['incident.note', 'user:bo', 'INC-1'],
			['incident.resolve', 'user:bo', 'INC-1'],
			['incident.reopen', 'user:ana', 'INC-1'],
			['incident.assign', 'user:ana', 'INC-1']
		]);
		expect(entries[0]).toMatchObject({ before: { status: 'open' }, after: { status: 'acknowledged' }, ip: '10.0.0.1' });
		expect(isIncidentInputError(new Error('x'))).toBe(false);
	});

	it('acknowledged while the quiet period confirms the resolution: the timeline is in time order, and the acknowledgement is no TTA', async () => {
		const keys = fresh();
		let now = 0;
		const store = new IncidentStore(client, keys, { now: () => now });
		await write(keys, [ev({ at: 1000 })]);
		await store.applyEvents();
		// The alert stops firing at 10 min; Eve acknowledges at 12 min and adds a note; the quiet
		// period confirms the resolution at 15 min, dated 10 min.
		await write(keys, [ev({ from: 'firing', to: 'inactive', at: 10 * MIN })]);
		await store.applyEvents();
		now = 12 * MIN;
		await store.acknowledge('1', { actor: 'user:eve' });
		await store.addNote('1', 'looking', { actor: 'user:eve' });
		expect(await store.resolveQuiet(15 * MIN)).toEqual(['1']);
		expect(await store.get('1')).toMatchObject({ status: 'resolved', resolvedAt: 10 * MIN, acknowledgedAt: 12 * MIN });
		const tl = await store.timeline('1');
		expect(tl.map((e) => [e.type, e.at])).toEqual([
			['opened', 1000],
			['alert.resolved', 10 * MIN],
			['resolved', 10 * MIN],
			['acknowledged', 12 * MIN],
			['note', 12 * MIN]
		]);
		// Written in another order: the resolution last.
		const written = (await client.xrange(keys.alerts.incidents.timeline('1'), '-', '+')).map(([, f]) => f[f.indexOf('type') + 1]);
		expect(written).toEqual(['opened', 'alert.resolved', 'acknowledged', 'note', 'resolved']);
		const m = await store.measures({ from: 0, to: DAY });
		expect(m.overall).toMatchObject({ count: 1, unacknowledged: 1, tta: null });
		expect(m.overall.ttr!.mean).toBe(10 * MIN - 1000);
		const page = await store.list({});
		expect(timeToAcknowledge(page.incidents[0]!)).toBeNull();
	});

	it('resolved by hand while alerts fire, it stays resolved; a new firing within the window reopens it', async () => {
		const keys = fresh();
		const store = new IncidentStore(client, keys, { now: () => 5000 });
		await write(keys, [ev({ at: 1000 })]);
		await store.applyEvents();
		await store.resolve('1', { actor: 'user:ana' });
		await write(keys, [ev({ fp: 'a1', from: 'firing', to: 'inactive', at: 6000 })]);
		await store.applyEvents();
		expect(await store.resolveQuiet(10 * DAY)).toEqual([]);
		expect(await store.get('1')).toMatchObject({ status: 'resolved', resolvedBy: 'user:ana', resolvedAt: 5000 });
		expect((await store.get('1'))!.alerts[0]!.resolvedAt).toBe(6000);
		await write(keys, [ev({ at: 7000 })]);
		await store.applyEvents();
		expect(await store.get('1')).toMatchObject({ status: 'open', reopened: 1 });
	});

	it('reopened by hand, it waits for a person: no auto-resolution until an alert fires and resolves again', async () => {
		const keys = fresh();
		const store = new IncidentStore(client, keys, { now: () => 1_000_000 });
		await write(keys, [ev({ at: 1000 }), ev({ from: 'firing', to: 'inactive', at: 2000 })]);
		await store.applyEvents();
		expect(await store.resolveQuiet(2000 + 5 * MIN)).toEqual(['1']);
		await store.reopen('1', { actor: 'user:ana' });
		expect(await store.resolveQuiet(10 * DAY)).toEqual([]);
		expect((await store.get('1'))!.status).toBe('open');
		await write(keys, [ev({ at: 2_000_000 }), ev({ from: 'firing', to: 'inactive', at: 2_000_100 })]);
		await store.applyEvents();
		expect(await store.resolveQuiet(2_000_100 + 5 * MIN)).toEqual(['1']);
	});

	it('actions and the feed at the same time: nothing is lost', async () => {
		const keys = fresh();
		const store = new IncidentStore(client, keys, { batchSize: 5 });
		await write(keys, [ev({ at: 1000 })]);
		await store.applyEvents();
		const events: AlertEvent[] = [];
		for (let i = 0; i < 200; i++) events.push(ev({ fp: `m${i}`, at: 2000 + i }));
		await write(keys, events);
		const others = Array.from({ length: 4 }, () => new IncidentStore(redis.client(), keys));
		const notes = Array.from({ length: 60 }, (_, i) => others[i % 4]!.addNote('1', `note ${i}`, { actor: `user:u${i}` }));
		await Promise.all([store.applyEvents(), ...notes]);
		const inc = (await store.get('1'))!;
		expect(inc.alerts).toHaveLength(201);
		const tl = await store.timeline('1');
		expect(tl.filter((e) => e.type === 'note')).toHaveLength(60);
		expect(tl.filter((e) => e.type === 'alert.joined')).toHaveLength(200);
		const page = await store.list({ q: 'NOTE 59' });
		expect(page.incidents.map((i) => i.id)).toEqual(['1']);
	});

	it('notifications go on the timelines of the incidents that exist', async () => {
		const keys = fresh();
		const store = new IncidentStore(client, keys);
		await write(keys, [ev({ at: 1000 }), ev({ service: 'search', at: 1000 })]);
		await store.applyEvents();
		expect(await store.recordNotification(['1', '2', '404'], { outcome: 'failed', channel: 'ops-slack', notificationId: 'n7', attempt: 2, status: 502, error: 'bad gateway', at: 5000 })).toBe(2);
		expect(await store.recordNotification(['1'], { outcome: 'sent', channel: 'ops-slack', notificationId: 'n7', attempt: 3, at: 6000 })).toBe(1);
		const tl = await store.timeline('1');
		expect(tl.slice(1)).toEqual([
			{ id: expect.any(String), type: 'notification.failed', at: 5000, actor: 'vigil', channel: 'ops-slack', notificationId: 'n7', attempt: 2, status: 502, error: 'bad gateway' },
			{ id: expect.any(String), type: 'notification.sent', at: 6000, actor: 'vigil', channel: 'ops-slack', notificationId: 'n7', attempt: 3 }
		]);
		expect(await client.exists(keys.alerts.incidents.timeline('404'))).toBe(0);
	});
});

describe('lists and measures over years', () => {
	const keys = createKeys('incyears:');
	const T0 = Date.UTC(2023, 0, 1);
	const SPAN = 3 * 365 * DAY;
	const COUNT = 3000;
	const SERVICES = ['checkout', 'search', 'payments', 'catalog'];
	const SEVERITIES = ['info', 'warning', 'critical'];
	let store: IncidentStore;
	let all: IncidentSummary[];

	beforeAll(async () => {
		store = new IncidentStore(client, keys, { batchSize: 500, now: () => T0 + SPAN });
		const events: AlertEvent[] = [];
		for (let i = 0; i < COUNT; i++) {
			// Spread over 3 years; every tenth shares its time with the one before (ties in the index).
			const at = T0 + Math.floor(((i - (i % 10 === 9 ? 1 : 0)) * SPAN) / COUNT);
			events.push(ev({ ruleId: `r/${i}`, fp: `f${i}`, service: SERVICES[i % 4]!, severity: SEVERITIES[i % 3]!, at }));
		}
		await write(keys, events);
		expect(await store.applyEvents()).toBe(COUNT);
		for (let i = 1; i <= COUNT; i += 7) await store.acknowledge(String(i), { actor: 'user:ana' });
		for (let i = 1; i <= COUNT; i += 5) await store.resolve(String(i), { actor: 'user:bo' });
		for (let i = 3; i <= COUNT; i += 11) await store.assign(String(i), i % 2 ? 'ana' : 'bo', { actor: 'user:ana' });
		await store.addNote('1234', 'Root cause: a full disk on db-3', { actor: 'user:ana' });
		await store.addNote('77', 'FULL DISK again', { actor: 'user:bo' });
		all = (await store.list({ limit: 500, order: 'asc' })).incidents;
		let page = await store.list({ limit: 500, order: 'asc' });
		all = [...page.incidents];
		while (page.nextCursor) {
			page = await store.list({ limit: 500, order: 'asc', cursor: page.nextCursor });
			all.push(...page.incidents);
		}
		expect(all).toHaveLength(COUNT);
	}, 120_000);

	/** Every page of a query, checking each is at most `limit` long. */
	async function pages(q: Parameters<IncidentStore['list']>[0], limit: number): Promise<{ ids: string[]; count: number }> {
		const ids: string[] = [];
		let cursor: string | undefined;
		let count = 0;
		do {
			const p = await store.list({ ...q, limit, cursor });
			expect(p.incidents.length).toBeLessThanOrEqual(limit);
			ids.push(...p.incidents.map((i) => i.id));
			cursor = p.nextCursor ?? undefined;
			count++;
		} while (cursor && count < 1000);
		return { ids, count };
	}

	const byOpened = (order: 'asc' | 'desc') => (a: IncidentSummary, b: IncidentSummary) => {
		const d = a.openedAt - b.openedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
		return order === 'asc' ? d : -d;
	};

	const cases: Array<[string, Parameters<IncidentStore['list']>[0], (i: IncidentSummary) => boolean]> = [
		['everything, newest first', {}, () => true],
		['one month', { from: Date.UTC(2024, 5, 1), to: Date.UTC(2024, 6, 1) }, (i) => i.openedAt >= Date.UTC(2024, 5, 1) && i.openedAt < Date.UTC(2024, 6, 1)],
		['one month of one service', { from: Date.UTC(2024, 5, 1), to: Date.UTC(2024, 6, 1), service: 'search' }, (i) => i.service === 'search' && i.openedAt >= Date.UTC(2024, 5, 1) && i.openedAt < Date.UTC(2024, 6, 1)],
		['critical and unresolved', { severity: ['critical'], status: ['open', 'acknowledged'] }, (i) => i.severity === 'critical' && i.status !== 'resolved'],
		['acknowledged, oldest first', { status: ['acknowledged'], order: 'asc' }, (i) => i.status === 'acknowledged'],
		['owned by ana in 2025', { owner: 'ana', from: Date.UTC(2025, 0, 1), to: Date.UTC(2026, 0, 1) }, (i) => i.owner === 'ana' && i.openedAt >= Date.UTC(2025, 0, 1) && i.openedAt < Date.UTC(2026, 0, 1)],
		['resolved payments', { service: 'payments', status: ['resolved'] }, (i) => i.service === 'payments' && i.status === 'resolved']
	];

	for (const [name, q, match] of cases) {
		it(`pages are complete, ordered and disjoint: ${name}`, async () => {
			const expected = all.filter(match).sort(byOpened(q?.order ?? 'desc')).map((i) => i.id);
			expect(expected.length).toBeGreaterThan(0);
			for (const limit of [7, 50]) {
				const got = await pages(q, limit);
				expect(new Set(got.ids).size).toBe(got.ids.length);
				expect(got.ids).toEqual(expected);
			}
		});
	}

	it('a page of the whole history reads only the page: no cursor after the last page', async () => {
		const first = await store.list({ limit: 5 });
		expect(first.incidents.map((i) => i.id)).toEqual([...all].sort(byOpened('desc')).slice(0, 5).map((i) => i.id));
		const last = await store.list({ limit: 5, order: 'asc', to: T0 + 1 });
		expect(last.nextCursor).toBeNull();
	});

	it('text search finds titles and notes, case-insensitive', async () => {
		expect((await pages({ q: 'full disk' }, 20)).ids).toEqual(['1234', '77']);
		expect((await pages({ q: 'slow on payments', from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 1, 1) }, 20)).ids).toEqual(
			all.filter((i) => i.service === 'payments' && i.openedAt >= Date.UTC(2024, 0, 1) && i.openedAt < Date.UTC(2024, 1, 1)).sort(byOpened('desc')).map((i) => i.id)
		);
	});

	it('measures of a quarter count the incidents opened in it', async () => {
		const from = Date.UTC(2024, 3, 1);
		const to = Date.UTC(2024, 6, 1);
		const m = await store.measures({ from, to });
		const inQuarter = all.filter((i) => i.openedAt >= from && i.openedAt < to);
		expect(m.overall.count).toBe(inQuarter.length);
		expect(m.overall.unresolved).toBe(inQuarter.filter((i) => i.status !== 'resolved').length);
		expect(m.overall.unacknowledged).toBe(inQuarter.filter((i) => i.acknowledgedAt === undefined).length);
		expect(m.services.map((s) => s.service)).toEqual(['catalog', 'checkout', 'payments', 'search']);
		const search = await store.measures({ from, to, service: 'search' });
		expect(search.overall.count).toBe(inQuarter.filter((i) => i.service === 'search').length);
	});
});

describe('measures from records', () => {
	it('match hand-computed MTTA, MTTR, median and p90', async () => {
		const keys = fresh();
		let now = 0;
		const store = new IncidentStore(client, keys, { now: () => now });
		// Four incidents opened at 0, 0, 0 and 0 (+ i ms) of services a, a, a, b.
		await write(keys, [ev({ ruleId: 'r/1', service: 'a', at: 0 }), ev({ ruleId: 'r/2', service: 'a', at: 1 }), ev({ ruleId: 'r/3', service: 'a', at: 2 }), ev({ ruleId: 'r/4', service: 'b', at: 3 })]);
		await store.applyEvents();
		const by = { actor: 'user:ana' };
		now = 1 * MIN;
		await store.acknowledge('1', by); // TTA 60000
		now = 3 * MIN + 1;
		await store.acknowledge('2', by); // TTA 180000
		now = 10 * MIN + 2;
		await store.acknowledge('3', by); // TTA 600000
		now = 20 * MIN;
		await store.resolve('1', by); // TTR 1200000
		now = 40 * MIN + 1;
		await store.resolve('2', by); // TTR 2400000
		const m = await store.measures({ from: 0, to: 10 });
		// TTA 1, 3, 10 min: mean 14/3 min, median 3 min, p90 (rank 1.8) 3 + 0.8 × 7 = 8.6 min.
		expect(m.overall.tta!.mean).toBeCloseTo((14 / 3) * MIN, 6);
		expect(m.overall.tta!.median).toBe(3 * MIN);
		expect(m.overall.tta!.p90).toBeCloseTo(8.6 * MIN, 6);
		// TTR 20, 40 min: mean 30, median 30, p90 (rank 0.9) 20 + 0.9 × 20 = 38 min.
		expect(m.overall.ttr).toEqual({ count: 2, mean: 30 * MIN, median: 30 * MIN, p90: 38 * MIN });
		expect(m.overall).toMatchObject({ count: 4, unacknowledged: 1, unresolved: 2 });
		expect(m.services.map((s) => [s.service, s.count, s.unacknowledged])).toEqual([
			['a', 3, 0],
			['b', 1, 1]
		]);
	});
});
