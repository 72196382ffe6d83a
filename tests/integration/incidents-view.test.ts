/**
 * What the incident page and its postmortem say of a real incident, from the stores: the outage
 * starts at the service's first failed probe (before the rule's `for:` let it fire) and ends at
 * its recovery; the downtime is counted over it exactly; the budget share is of the whole month,
 * so a resolved incident's figures are the same whenever the page is read; an acknowledgement
 * made after the (automatic) resolution is no time to acknowledge, and neither it nor a review
 * note afterwards makes a responder; the timeline is in time order.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IncidentStore } from '../../src/lib/server/alerting/incidents';
import { AuditLog } from '../../src/lib/server/audit';
import { createKeys } from '../../src/lib/server/keys';
import { DEFAULT_REPORT_SETTINGS } from '../../src/lib/server/views/reports/load';
import { incidentView } from '../../src/lib/server/views/reports/incident-view';
import type { ReportDeps } from '../../src/lib/server/views/reports/settings';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { resolveRetention } from '../../src/lib/server/tsdb/types';
import type { AlertEvent } from '../../src/lib/server/rules/types';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

const MIN = 60_000;
const DAY = 86_400_000;
let redis: TestRedis;
// The shop's payments probe every 2 s from 06:20 UTC; it fails from 06:30:04 to 06:34:46 (the
// first good sample after). ProbeDown (for: 1m, evaluated every 15 s) fires at 06:31:15 and stops
// 2 min after the recovery (keep_firing_for); the quiet period (5 min) confirms it at 06:41:46.
const START = Date.UTC(2026, 11, 7, 6, 20);
const DOWN: [number, number] = [Date.UTC(2026, 11, 7, 6, 30, 4), Date.UTC(2026, 11, 7, 6, 34, 46)];
const OPENED = Date.UTC(2026, 11, 7, 6, 31, 15);
const STOPPED = DOWN[1] + 2 * MIN;
let clock = START;
let store: RedisStore;
let deps: ReportDeps;

async function writeUp(from: number, to: number): Promise<void> {
	const ts: number[] = [];
	const values: number[] = [];
	for (let t = from; t < to; t += 2000) {
		ts.push(t);
		values.push(t >= DOWN[0] && t < DOWN[1] ? 0 : 1);
	}
	clock = to;
	await store.write([{ name: 'up', labels: { kind: 'http', service: 'payments', target: 'payments' }, ts, values, intervalMs: 2000 }]);
	while ((await store.sealDue(5000)) > 0) {
		// seal what is due, as the store's sealer would
	}
}

beforeAll(async () => {
	redis = await startTestRedis();
	const client = redis.client();
	const keys = createKeys('iv:');
	store = new RedisStore(client, { prefix: 'iv:', now: () => clock, liveKey: null });
	await writeUp(START, STOPPED + 20 * MIN);
	let now = 0;
	const incidents = new IncidentStore(client, keys, { now: () => now });
	const event = (over: Partial<AlertEvent>): AlertEvent => ({ ruleId: 'demo-shop.availability/ProbeDown', fingerprint: 'p', labels: { alertname: 'ProbeDown', kind: 'http', service: 'payments', target: 'payments', severity: 'critical' }, from: 'pending', to: 'firing', at: OPENED, value: 0, ...over });
	await client.xadd(keys.alerts.events, '*', 'e', JSON.stringify(event({})));
	await incidents.applyEvents();
	now = OPENED + 2 * MIN;
	await incidents.assign('1', 'bob', { actor: 'user:bob' });
	await client.xadd(keys.alerts.events, '*', 'e', JSON.stringify(event({ from: 'firing', to: 'inactive', at: STOPPED })));
	await incidents.applyEvents();
	now = STOPPED + MIN; // in the quiet period: the incident is over, the page still offers Acknowledge
	await incidents.acknowledge('1', { actor: 'user:eve' });
	expect(await incidents.resolveQuiet(STOPPED + 5 * MIN)).toEqual(['1']);
	now = STOPPED + 15 * MIN;
	await incidents.addNote('1', 'Reviewed on Monday', { actor: 'user:meg' });
	const log = { warn: () => {}, info: () => {}, debug: () => {}, error: () => {}, child: () => log };
	deps = {
		redis: client,
		keys,
		store,
		audit: new AuditLog(client, keys),
		log,
		reports: { settings: { ...DEFAULT_REPORT_SETTINGS, timeZone: 'Europe/Berlin' }, retention: resolveRetention(undefined) }
	} as unknown as ReportDeps;
}, 60_000);

afterAll(async () => {
	await redis?.stop();
});

it('the outage from the first failed probe to the recovery, its downtime exactly, and the same figures on every later reading', async () => {
	const first = (await incidentView(deps, 'INC-1', { chart: false }, STOPPED + 20 * MIN))!;
	expect(first.incident).toMatchObject({ status: 'resolved', resolvedAt: STOPPED, acknowledgedAt: STOPPED + MIN });
	expect(first.impact.outage).toEqual({ start: DOWN[0], end: DOWN[1] });
	expect(first.impact.downSeconds).toBe((DOWN[1] - DOWN[0]) / 1000);
	// December in Berlin has 31 days: 0.1 % of them is 2,678.4 s.
	expect(first.impact.month).toBe('2026-12');
	expect(first.impact.budgetSeconds).toBeCloseTo(0.001 * 31 * 86_400, 6);
	expect(first.impact.budgetUsed).toBeCloseTo((DOWN[1] - DOWN[0]) / 1000 / (0.001 * 31 * 86_400), 9);
	// Later: the shop kept running, the hour was sealed, days passed.
	await writeUp(STOPPED + 20 * MIN, STOPPED + 3 * 60 * MIN);
	const later = (await incidentView(deps, 'INC-1', { chart: false }, STOPPED + 3 * DAY))!;
	expect(later.impact).toEqual(first.impact);
	expect([later.tta, later.ttr]).toEqual([first.tta, first.ttr]);
});

it('an acknowledgement after the resolution is no TTA; responders acted before it; the timeline in time order', async () => {
	const v = (await incidentView(deps, 'INC-1', { chart: false }, STOPPED + DAY))!;
	expect(v.ttr).toBe(STOPPED - OPENED);
	expect(v.tta).toBeNull();
	expect(v.responders).toEqual(['bob']);
	expect(v.timeline.map((e) => e.type)).toEqual(['opened', 'assigned', 'alert.resolved', 'resolved', 'acknowledged', 'note']);
	const times = v.timeline.map((e) => e.at);
	expect(times).toEqual([...times].sort((a, b) => a - b));
});
