/**
 * The stores and the notifier's check on a private redis-server, with a driven clock: loadMuting
 * (silences by time, windows opening and closing, corrupt entries skipped and reported once, a
 * changed entry seen at once), currentAlerts, retention pruning, and compare-and-set under
 * concurrent changes.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentAlerts, AlertStateStore } from '../../src/lib/server/alerting/state';
import { MaintenanceStore, parseWindowInput, loadMuting, parseSilenceInput, SILENCE_RETENTION_MS, SilenceStore } from '../../src/lib/server/alerting/muting';
import type { AuditInput } from '../../src/lib/server/audit';
import { createKeys } from '../../src/lib/server/keys';
import type { RuleState } from '../../src/lib/server/rules/types';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

let server: TestRedis;
let redis: Redis;
let n = 0;
const H = 3_600_000;
const DAY = 24 * H;

beforeAll(async () => {
	server = await startTestRedis();
	redis = new Redis(server.url);
});
afterAll(async () => {
	redis.disconnect();
	await server.stop();
});

function setup(start = Date.UTC(2026, 5, 1, 12)) {
	const keys = createKeys(`mm${++n}:`);
	const clock = { now: start };
	const audit: AuditInput[] = [];
	const rec = { record: async (e: AuditInput) => (audit.push(e), String(audit.length)) };
	const silences = new SilenceStore(redis, keys, rec, { now: () => clock.now });
	const windows = new MaintenanceStore(redis, keys, rec, { now: () => clock.now });
	return { keys, clock, audit, silences, windows };
}

const by = { actor: 'user:ana' };

describe('loadMuting', () => {
	it('holds alerts by active silences only, and by windows only while they are open', async () => {
		const { keys, clock, silences, windows } = setup();
		const t0 = clock.now;
		const now = await silences.create(parseSilenceInput({ matchers: '{service="payments"}', duration: '1h', comment: 'deploy' }), by);
		const later = await silences.create(parseSilenceInput({ matchers: '{service="payments"}', startsAt: (t0 + 2 * H) / 1000, duration: '1h', comment: 'later' }), by);
		// Daily 13:00-14:00 UTC.
		const w = await windows.create(parseWindowInput({ name: 'daily', matchers: '{service=~"pay.*"}', timeZone: 'UTC', schedule: { kind: 'cron', cron: '0 13 * * *', duration: '1h' } }), by);
		const labels = { alertname: 'Down', service: 'payments' };

		let m = await loadMuting(redis, keys.alerts, t0);
		expect(m.silencedBy(labels)).toEqual([now.id]);
		expect(m.maintenanceBy(labels)).toEqual([]);
		m = await loadMuting(redis, keys.alerts, t0 + H + 30 * 60_000); // 13:30
		expect(m.silencedBy(labels)).toEqual([]);
		expect(m.maintenanceBy(labels)).toEqual([w.id]);
		expect(m.maintenanceBy({ service: 'search' })).toEqual([]);
		m = await loadMuting(redis, keys.alerts, t0 + 2 * H + 1); // 14:00: the window closed, the later silence began
		expect(m.silencedBy(labels)).toEqual([later.id]);
		expect(m.maintenanceBy(labels)).toEqual([]);
		m = await loadMuting(redis, keys.alerts, t0 + DAY + H); // 13:00 the next day
		expect(m.maintenanceBy(labels)).toEqual([w.id]);

		// Ended at 13:15 the next day: still cached for that hour, yet seen at once (its text changed).
		clock.now = t0 + DAY + H + 15 * 60_000;
		await windows.end(w.id, by);
		m = await loadMuting(redis, keys.alerts, clock.now + 1);
		expect(m.maintenanceBy(labels)).toEqual([]);
	});

	it('skips corrupt entries with one report each (until they change), never throwing', async () => {
		const { keys, silences } = setup();
		const good = await silences.create(parseSilenceInput({ matchers: '{a="1"}', duration: '1h', comment: 'c' }), by);
		await redis.hset(keys.alerts.silences, 'broken', '{not json', 'odd', JSON.stringify({ id: 'odd', matchers: [] }));
		await redis.hset(keys.alerts.windows, 'w', JSON.stringify({ id: 'w', name: 'x', timeZone: 'Mars/Base' }));
		const reports: string[] = [];
		const onBad = (kind: string, id: string) => reports.push(`${kind}:${id}`);
		const at = Date.UTC(2026, 5, 1, 12, 30);
		for (let i = 0; i < 3; i++) {
			const m = await loadMuting(redis, keys.alerts, at, onBad);
			expect(m.silencedBy({ a: '1' })).toEqual([good.id]);
		}
		expect(reports.sort()).toEqual(['silence:broken', 'silence:odd', 'window:w']);
		await redis.hset(keys.alerts.silences, 'broken', '{still not json');
		await loadMuting(redis, keys.alerts, at, onBad);
		expect(reports.filter((r) => r === 'silence:broken')).toHaveLength(2);
		// The API's reads skip them too.
		expect((await silences.list(['active', 'pending', 'expired'])).map((s) => s.id)).toEqual([good.id]);
	});
});

describe('currentAlerts', () => {
	it('lists instances that are not inactive, by rule and fingerprint, skipping corrupt states', async () => {
		const { keys } = setup();
		const inst = (fp: string, state: string) => ({ fingerprint: fp, labels: { alertname: fp }, annotations: {}, state, value: 'NaN', activeAt: 1, firedAt: 2 });
		const states = [
			{ ruleId: 'b/B', health: 'ok', lastEvalDurationMs: 0, instances: [inst('z', 'firing'), inst('y', 'inactive'), inst('x', 'nodata')] },
			{ ruleId: 'a/A', health: 'ok', lastEvalDurationMs: 0, instances: [inst('q', 'pending')] }
		] as unknown as RuleState[];
		await new AlertStateStore<RuleState>(redis, keys).save(1, 1000, states.map((state) => ({ ruleId: state.ruleId, state })));
		await redis.hset(keys.alerts.state, 'c/C', 'garbage');
		const bad: string[] = [];
		const alerts = await currentAlerts(redis, keys, (id) => bad.push(id));
		expect(alerts.map((a) => [a.ruleId, a.fingerprint, a.state])).toEqual([
			['a/A', 'q', 'pending'],
			['b/B', 'x', 'nodata'],
			['b/B', 'z', 'firing']
		]);
		expect(alerts[2]).toEqual({ ruleId: 'b/B', fingerprint: 'z', labels: { alertname: 'z' }, annotations: {}, state: 'firing', value: 'NaN', activeAt: 1, firedAt: 2 });
		expect(bad).toEqual(['c/C']);
	});
});

describe('retention and concurrent changes', () => {
	it('prunes silences a year after their end when a silence is made; newer history stays', async () => {
		const { keys, clock, silences } = setup();
		const old = await silences.create(parseSilenceInput({ matchers: '{a="1"}', duration: '1h', comment: 'old' }), by);
		clock.now += 100 * DAY;
		const recent = await silences.create(parseSilenceInput({ matchers: '{a="1"}', duration: '1h', comment: 'recent' }), by);
		clock.now = old.endsAt + SILENCE_RETENTION_MS + 1;
		await silences.create(parseSilenceInput({ matchers: '{a="1"}', duration: '1h', comment: 'new' }), by);
		const ids = Object.keys(await redis.hgetall(keys.alerts.silences));
		expect(ids).not.toContain(old.id);
		expect(ids).toContain(recent.id);
		expect(ids).toHaveLength(2);
	});

	it('prunes windows two years after their last moment; open-ended ones stay', async () => {
		const { keys, clock, windows } = setup();
		const once = await windows.create(parseWindowInput({ name: 'once', matchers: '{a="1"}', timeZone: 'UTC', schedule: { kind: 'once', start: '2026-06-02T00:00', end: '2026-06-02T02:00' } }), by);
		const weekly = await windows.create(parseWindowInput({ name: 'weekly', matchers: '{a="1"}', timeZone: 'UTC', schedule: { kind: 'weekly', days: ['sun'], start: '01:00', end: '02:00' } }), by);
		expect(once.schedule).toEqual({ kind: 'once', start: Date.UTC(2026, 5, 2), end: Date.UTC(2026, 5, 2, 2) });
		clock.now = Date.UTC(2026, 5, 2, 2) + 2 * 365 * DAY + 1;
		await windows.create(parseWindowInput({ name: 'new', matchers: '{a="1"}', timeZone: 'UTC', schedule: { kind: 'weekly', days: ['mon'], start: '01:00', end: '02:00' } }), by);
		const ids = Object.keys(await redis.hgetall(keys.alerts.windows));
		expect(ids).not.toContain(once.id);
		expect(ids).toContain(weekly.id);
	});

	it('two changes of one silence at once: both apply, one after the other, none lost', async () => {
		const { silences, audit } = setup();
		const s = await silences.create(parseSilenceInput({ matchers: '{a="1"}', duration: '1h', comment: 'c' }), by);
		const a = silences.update(s.id, parseSilenceInput({ matchers: '{a="1"}', duration: '2h', comment: 'first' }), { actor: 'user:a' });
		const b = silences.update(s.id, parseSilenceInput({ matchers: '{a="1"}', duration: '3h', comment: 'second' }), { actor: 'user:b' });
		await Promise.all([a, b]);
		const updates = audit.filter((e) => e.action === 'silence.update');
		expect(updates).toHaveLength(2);
		// The second writer saw the first one's result as its "before".
		const [first, second] = updates;
		expect((second!.before as { comment: string }).comment).toBe((first!.after as { comment: string }).comment);
		const final = await silences.get(s.id);
		expect(final!.comment).toBe((second!.after as { comment: string }).comment);
	});
});
