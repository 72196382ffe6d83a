/**
 * Table tests of the report's pure computations: uptime in seconds by policy, periods in a zone,
 * incident figures.
 */
import { describe, expect, it } from 'vitest';
import type { IncidentSummary } from '../../alerting/incidents';
import { daysOf, monthPeriod, previousPeriod, quarterPeriod, weeksOf } from './period';
import { incidentFigures, sloResult, trend } from './report';
import { clipBuckets, uptimeOf, type UpBucket, type UptimePolicy } from './uptime';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const EXCLUDE_DOWN: UptimePolicy = { maintenance: 'exclude', noData: 'down' };
const UP_DOWN: UptimePolicy = { maintenance: 'up', noData: 'down' };
const EXCLUDE_EXCLUDE: UptimePolicy = { maintenance: 'exclude', noData: 'exclude' };
const UP_EXCLUDE: UptimePolicy = { maintenance: 'up', noData: 'exclude' };

/** Minute buckets of a 10 s series over [from, to): up except in `down` intervals (whole minutes). */
function minutes(from: number, to: number, down: Array<[number, number]> = [], gaps: Array<[number, number]> = []): UpBucket[] {
	const out: UpBucket[] = [];
	for (let t = from; t < to; t += MIN) {
		if (gaps.some(([a, b]) => t >= a && t < b)) continue;
		const isDown = down.some(([a, b]) => t >= a && t < b);
		out.push({ start: t, width: MIN, count: 6, sum: isDown ? 0 : 6 });
	}
	return out;
}

describe('uptime in seconds', () => {
	it('splits an outage across a month boundary between the two months', () => {
		const jan = monthPeriod('UTC', 2026, 0);
		const feb = monthPeriod('UTC', 2026, 1);
		const outage: [number, number] = [feb.from - 30 * MIN, feb.from + 45 * MIN];
		const buckets = minutes(jan.from, feb.to, [outage]);
		const a = uptimeOf(buckets, 10_000, [], jan.from, jan.to, EXCLUDE_DOWN);
		const b = uptimeOf(buckets, 10_000, [], feb.from, feb.to, EXCLUDE_DOWN);
		expect(a.down).toBe(30 * 60);
		expect(b.down).toBe(45 * 60);
		expect(a.period).toBe(31 * 86_400);
		expect(a.availability).toBeCloseTo(1 - 1800 / (31 * 86_400), 12);
		expect(b.availability).toBeCloseTo(1 - 2700 / (28 * 86_400), 12);
	});

	it('splits an hour bucket cut by the period in proportion when it is all one thing', () => {
		const buckets: UpBucket[] = [{ start: 0, width: HOUR, count: 360, sum: 0 }];
		expect(uptimeOf(buckets, 10_000, [], 30 * MIN, HOUR, EXCLUDE_DOWN).down).toBe(1800);
	});

	// An outage 10:00-11:00; maintenance 10:30-12:00 (its last hour was up).
	const day = Date.UTC(2026, 5, 1);
	const buckets = minutes(day, day + DAY, [[day + 10 * HOUR, day + 11 * HOUR]]);
	const maint = [{ start: day + 10 * HOUR + 30 * MIN, end: day + 12 * HOUR }];
	it.each([
		['maintenance excluded', EXCLUDE_DOWN, 1800, 86_400 - 5400, 1 - 1800 / (86_400 - 5400)],
		['maintenance counted as up', UP_DOWN, 1800, 86_400, 1 - 1800 / 86_400]
	])('a maintenance window overlapping an outage, %s', (_name, policy, down, counted, availability) => {
		const r = uptimeOf(buckets, 10_000, maint, day, day + DAY, policy);
		expect(r.down).toBe(down);
		expect(r.maintenance).toBe(5400);
		expect(r.maintenanceDown).toBe(1800);
		expect(r.counted).toBe(counted);
		expect(r.availability).toBeCloseTo(availability, 12);
	});

	// Three days; the middle one has no data at all; 1 h of maintenance in the gap.
	const d0 = Date.UTC(2026, 6, 1);
	const gapBuckets = minutes(d0, d0 + 3 * DAY, [], [[d0 + DAY, d0 + 2 * DAY]]);
	const gapMaint = [{ start: d0 + DAY + 2 * HOUR, end: d0 + DAY + 3 * HOUR }];
	it.each([
		['no data down, maintenance excluded', EXCLUDE_DOWN, 3 * 86_400 - 3600, 2 * 86_400],
		['no data down, maintenance up', UP_DOWN, 3 * 86_400, 2 * 86_400 + 3600],
		['no data excluded, maintenance excluded', EXCLUDE_EXCLUDE, 2 * 86_400, 2 * 86_400],
		['no data excluded, maintenance up', UP_EXCLUDE, 2 * 86_400 + 3600, 2 * 86_400 + 3600]
	])('a day without data: %s', (_name, policy, counted, countedUp) => {
		const r = uptimeOf(gapBuckets, 10_000, gapMaint, d0, d0 + 3 * DAY, policy);
		expect(r.noData).toBe(86_400 - 3600);
		expect(r.counted).toBe(counted);
		expect(r.countedUp).toBe(countedUp);
		const whole = uptimeOf(gapBuckets, 10_000, [], d0 + DAY, d0 + 2 * DAY, policy);
		expect(whole.availability).toBe(policy.noData === 'down' ? 0 : null);
	});

	it('a series watched from 10:00:30 to 10:03:20 (now), all up: the buckets holding its first sample and now hold no "no data"', () => {
		const t0 = Date.UTC(2026, 11, 7, 10);
		// 10 s samples from 10:00:30 to 10:03:10: minute buckets of 3, 6, 6 and 2 samples.
		const buckets: UpBucket[] = [3, 6, 6, 2].map((count, i) => ({ start: t0 + i * MIN, width: MIN, count, sum: count }));
		const from = t0 + 30_000;
		const now = t0 + 3 * MIN + 20_000;
		// Spread over whole minutes, the edge buckets read as half empty.
		expect(uptimeOf(buckets, 10_000, [], from, now, EXCLUDE_DOWN)).toMatchObject({ up: 15 + 120 + 6.667, noData: 28.333 });
		const r = uptimeOf(clipBuckets(buckets, from, now), 10_000, [], from, now, EXCLUDE_DOWN);
		expect(r).toMatchObject({ period: 170, up: 170, down: 0, noData: 0, availability: 1 });
		expect(clipBuckets(buckets, null, null)).toEqual(buckets);
	});

	it('counts time, not probes: a 60 s series and a 10 s series up the same time agree', () => {
		const ten: UpBucket[] = [{ start: 0, width: HOUR, count: 360, sum: 180 }];
		const sixty: UpBucket[] = [{ start: 0, width: HOUR, count: 60, sum: 30 }];
		expect(uptimeOf(ten, 10_000, [], 0, HOUR, EXCLUDE_DOWN).up).toBe(1800);
		expect(uptimeOf(sixty, 60_000, [], 0, HOUR, EXCLUDE_DOWN).up).toBe(1800);
	});
});

describe('periods in a zone', () => {
	it('a month with the spring daylight-saving change in Berlin has 743 hours, and its day 23', () => {
		const march = monthPeriod('Europe/Berlin', 2026, 2);
		expect(march.from).toBe(Date.UTC(2026, 1, 28, 23));
		expect(march.to).toBe(Date.UTC(2026, 2, 31, 22));
		expect((march.to - march.from) / HOUR).toBe(743);
		const days = daysOf(march);
		expect(days).toHaveLength(31);
		const change = days.find((d) => d.label === '2026-03-29')!;
		expect((change.to - change.from) / HOUR).toBe(23);
		// A whole month up with an hour down on the short day.
		const buckets = minutes(march.from, march.to, [[change.from + 5 * HOUR, change.from + 6 * HOUR]]);
		const r = uptimeOf(buckets, 10_000, [], march.from, march.to, EXCLUDE_DOWN);
		expect(r.period).toBe(743 * 3600);
		expect(r.availability).toBeCloseTo(1 - 1 / 743, 12);
		expect(uptimeOf(buckets, 10_000, [], change.from, change.to, EXCLUDE_DOWN).availability).toBeCloseTo(22 / 23, 12);
	});

	it('a month with the autumn change has 745 hours', () => {
		const oct = monthPeriod('Europe/Berlin', 2026, 9);
		expect((oct.to - oct.from) / HOUR).toBe(745);
		expect(daysOf(oct).find((d) => d.label === '2026-10-25')!.to - daysOf(oct).find((d) => d.label === '2026-10-25')!.from).toBe(25 * HOUR);
	});

	it('quarters and previous periods', () => {
		const q1 = quarterPeriod('UTC', 2026, 1);
		expect(previousPeriod(q1).label).toBe('2025-Q4');
		expect(previousPeriod(monthPeriod('UTC', 2026, 0)).label).toBe('2025-12');
		expect(weeksOf(q1)[0]!.label).toBe('2026-01-01');
		expect(weeksOf(q1)[1]!.label).toBe('2026-01-05'); // a Monday
	});
});

function incident(id: number, over: Partial<IncidentSummary>): IncidentSummary {
	return { id: String(id), ref: `INC-${id}`, title: `t${id}`, severity: 'warning', service: 'checkout', status: 'resolved', openedAt: 0, group: 'g', reopened: 0, alertCount: 1, firingCount: 0, ...over };
}

describe('incident figures', () => {
	it('leaves an incident never acknowledged out of the MTTA and counts it', () => {
		const list = [
			incident(1, { openedAt: 0, acknowledgedAt: 60_000, resolvedAt: 600_000 }),
			incident(2, { openedAt: 0, acknowledgedAt: 180_000, resolvedAt: 1_200_000, severity: 'critical' }),
			incident(3, { openedAt: 0, resolvedAt: 300_000, service: 'search' })
		];
		const f = incidentFigures(list, [{ label: 'w', from: 0, to: DAY }], DAY);
		expect(f.measures.count).toBe(3);
		expect(f.measures.unacknowledged).toBe(1);
		expect(f.measures.tta).toEqual({ count: 2, mean: 120_000, median: 120_000, p90: 168_000 });
		expect(f.measures.ttr!.count).toBe(3);
		expect(f.bySeverity).toEqual({ critical: 1, warning: 2, info: 0 });
		expect(f.longest.map((l) => l.id)).toEqual(['2', '1', '3']);
		expect(f.perWeek).toEqual([{ week: 'w', count: 3 }]);
		expect(f.byService.find((s) => s.service === 'search')!.unacknowledged).toBe(1);
	});

	it('SLO compliance and error budget', () => {
		const r = sloResult({ name: 'x', expr: 'x', op: '<', threshold: 0.001, objective: 0.9, unit: 'ratio' }, [0, 0, 0.002, 0, NaN, 0, 0, 0, 0, 0, 0]);
		expect(r.steps).toBe(10);
		expect(r.good).toBe(9);
		expect(r.compliance).toBe(0.9);
		expect(r.budgetUsed).toBeCloseTo(1, 12);
		expect(r.met).toBe(true);
		expect(trend(0.99, 0.98, true)).toMatchObject({ direction: 'up', better: true });
		expect(trend(5, 3, false)).toMatchObject({ direction: 'up', better: false, delta: 2 });
	});

	it('SLO with a next stage: each hour judged by the level in force when it began, and the gap to the next', () => {
		const H = 3_600_000;
		const day = Date.UTC(2027, 6, 1);
		const stage = { level: 0.95, from: '2027-07-01', fromMs: day };
		// Six hours: three before the day (ending 22:00, 23:00, 00:00), three after (01:00, 02:00, 03:00).
		const ts = [day - 2 * H, day - H, day, day + H, day + 2 * H, day + 3 * H];
		const values = [0.92, 0.96, 0.93, 0.93, 0.97, NaN];
		const t = { name: 'satisfaction', expr: 'x', op: '>=' as const, threshold: 0.9, objective: 0.8, unit: 'ratio' as const, next: { threshold: 0.95, from: '2027-07-01' } };
		const r = sloResult(t, values, ts, { stepMs: H, stage, end: day + 3 * H });
		// Before: 0.92, 0.96, 0.93 meet 90 %; after: 0.93 fails 95 %, 0.97 meets it.
		expect(r.steps).toBe(5);
		expect(r.good).toBe(4);
		expect(r.compliance).toBeCloseTo(0.8, 12);
		expect(r.levelInForce).toBe(0.95);
		expect(r.next).toMatchObject({ threshold: 0.95, from: '2027-07-01', reached: true, stepsUnderNext: 2, good: 2 });
		expect(r.next!.compliance).toBeCloseTo(0.4, 12);
		expect(r.next!.gap).toBeCloseTo(-0.4, 12);
		expect(r.next!.meets).toBe(false);
		expect(r.next!.meanShortfall).toBeCloseTo(0.95 - (0.92 + 0.96 + 0.93 + 0.93 + 0.97) / 5, 12);
		// The same hours in a period that ends before the day: not reached, the current level in force.
		const before = sloResult(t, values.slice(0, 2), ts.slice(0, 2), { stepMs: H, stage, end: day - H });
		expect(before.levelInForce).toBe(0.9);
		expect(before.next).toMatchObject({ reached: false, stepsUnderNext: 0, good: 1 });
		// Without a stage: no next, every hour by the current level.
		expect(sloResult({ ...t, next: undefined }, values, ts, { stepMs: H }).good).toBe(5);
		expect(sloResult({ ...t, next: undefined }, values, ts, { stepMs: H }).next).toBeNull();
	});
});

describe('uptime: probes taken a little late are not missing time', () => {
	it('a sample that fell into the next minute fills the minute it left, whatever the split', () => {
		// A 2 s probe, all up: one run late across the minute edge gives 29 then 31 samples.
		const b: UpBucket[] = [
			{ start: 0, width: MIN, count: 29, sum: 29 },
			{ start: MIN, width: MIN, count: 31, sum: 31 }
		];
		const r = uptimeOf(b, 2000, [], 0, 2 * MIN, EXCLUDE_DOWN);
		expect(r.availability).toBe(1);
		expect(r.noData).toBe(0);
		// And early: 31 then 29.
		expect(uptimeOf([{ ...b[0]!, count: 31, sum: 31 }, { ...b[1]!, count: 29, sum: 29 }], 2000, [], 0, 2 * MIN, EXCLUDE_DOWN).availability).toBe(1);
	});

	it('a real gap stays a gap, and down samples move with their share', () => {
		// Minute 2 has no samples at all: nothing is carried into it.
		const gap = uptimeOf([{ start: 0, width: MIN, count: 31, sum: 31 }, { start: 2 * MIN, width: MIN, count: 30, sum: 30 }], 2000, [], 0, 3 * MIN, EXCLUDE_DOWN);
		expect(gap.noData).toBe(60);
		const mixed = uptimeOf([{ start: 0, width: MIN, count: 29, sum: 0 }, { start: MIN, width: MIN, count: 31, sum: 0 }], 2000, [], 0, 2 * MIN, EXCLUDE_DOWN);
		expect(mixed.down).toBe(120);
		expect(mixed.noData).toBe(0);
	});
});
