import { describe, expect, it } from 'vitest';
import type { MaintenanceWindow } from '../../alerting/muting';
import type { PublishedIncident } from '../../alerting/incidents';
import { MemoryStore } from '../../tsdb/memory-store';
import { DEFAULT_REPORT_SETTINGS, type DayUptime } from '../reports';
import { buildReport } from '../reports/load';
import { monthPeriod } from '../reports/period';
import { ComputedOnce } from './cache';
import { buildStatusPage, concerns, statusPeriod } from './load';
import { dayBar, overallState, overallText, publicIncident, publicMaintenance, serviceState, statusJson } from './model';

const NOW = Date.UTC(2026, 11, 7, 12, 0);
const H = 3_600_000;
const DAY = 24 * H;

describe('a service state now', () => {
	const l = (value: number, ageMs: number, extra: { stale?: boolean; intervalMs?: number } = {}) => ({ labels: {}, ts: NOW - ageMs, value, intervalMs: 10_000, ...extra });

	it('is no data without a fresh sample: none, stale markers, or older than three intervals', () => {
		expect(serviceState([], NOW, false)).toBe('nodata');
		expect(serviceState([l(1, 1000, { stale: true })], NOW, false)).toBe('nodata');
		expect(serviceState([l(1, 31_000)], NOW, false)).toBe('nodata');
		expect(serviceState([l(1, 29_000)], NOW, false)).toBe('operational');
		// A slow series is judged by its own interval.
		expect(serviceState([l(1, 200_000, { intervalMs: 120_000 })], NOW, false)).toBe('operational');
	});

	it('is down when every fresh series reads 0, degraded when some do or an alert concerns it', () => {
		expect(serviceState([l(0, 1000), l(0, 2000)], NOW, false)).toBe('down');
		expect(serviceState([l(0, 1000), l(1, 2000)], NOW, false)).toBe('degraded');
		expect(serviceState([l(1, 1000)], NOW, true)).toBe('degraded');
		// A stale series does not make a fresh one's outage partial.
		expect(serviceState([l(0, 1000), l(1, 90_000)], NOW, false)).toBe('down');
		expect(serviceState([l(0, 1000)], NOW, true)).toBe('down');
	});

	it('is concerned by alerts whose labels fit the selector\'s label matchers only', () => {
		const sel = [
			{ name: '__name__', op: '=' as const, value: 'up' },
			{ name: 'service', op: '=' as const, value: 'checkout' }
		];
		expect(concerns(sel, [{ alertname: 'ProbeDown', service: 'checkout' }])).toBe(true);
		expect(concerns(sel, [{ alertname: 'ProbeDown', service: 'search' }])).toBe(false);
		// A name-only selector concerns no alert (it would concern every one).
		expect(concerns([sel[0]!], [{ service: 'checkout' }])).toBe(false);
	});

	it('sums up the page: down only when every known service is down', () => {
		expect(overallState(['operational', 'nodata'])).toBe('operational');
		expect(overallState(['operational', 'down'])).toBe('degraded');
		expect(overallState(['down', 'down', 'nodata'])).toBe('down');
		expect(overallState(['nodata'])).toBe('nodata');
		// One service down among others up is said as a partial outage; a slow one as degraded.
		expect(overallText(['operational', 'down', 'operational'])).toBe('Partial outage: some systems are down');
		expect(overallText(['operational', 'degraded'])).toBe('Some systems are degraded');
		expect(overallText(['down', 'down'])).toBe('Major outage');
	});
});

describe('daily bars', () => {
	const day = (state: DayUptime['state'], availability: number | null): DayUptime => ({ day: '2026-12-01', state, availability, judged: 0, down: 0, noData: 0, maintenance: 0 });

	it('draws days before Vigil watched as no data, never up or down', () => {
		expect(dayBar(day('unwatched', null)).level).toBe('nodata');
		expect(dayBar(day('future', null)).level).toBe('nodata');
		expect(dayBar(day('whole', null)).level).toBe('nodata');
	});

	it('draws a day up, degraded or down by its availability', () => {
		expect(dayBar(day('whole', 1))).toEqual({ day: '2026-12-01', level: 'up', availability: 1, partial: false });
		expect(dayBar(day('whole', 0.999)).level).toBe('up');
		expect(dayBar(day('whole', 0.98)).level).toBe('degraded');
		expect(dayBar(day('partial', 0.5))).toMatchObject({ level: 'down', partial: true });
	});
});

describe('the page over a store', () => {
	it('gives 90 bars ending today, no data before the first sample, and the report\'s figure', async () => {
		const store = new MemoryStore({ now: () => NOW });
		// Watched for the last 10 days (every minute), down for 6 hours 3 days ago.
		const first = Math.floor(NOW / DAY) * DAY - 9 * DAY;
		const ts: number[] = [];
		const values: number[] = [];
		const outage = [Math.floor(NOW / DAY) * DAY - 3 * DAY, Math.floor(NOW / DAY) * DAY - 3 * DAY + 6 * H];
		for (let t = first; t <= NOW; t += 60_000) {
			ts.push(t);
			values.push(t >= outage[0]! && t < outage[1]! ? 0 : 1);
		}
		await store.write([{ name: 'up', labels: { service: 'checkout', instance: '127.0.0.1:3100' }, ts, values, intervalMs: 60_000 }]);
		const page = await buildStatusPage(
			{ store, windows: [], firing: [], openIncidentAlerts: [], published: async () => [], now: NOW },
			{ title: 'Shop', services: [{ name: 'Checkout', selector: [{ name: '__name__', op: '=', value: 'up' }, { name: 'service', op: '=', value: 'checkout' }] }, { name: 'Nothing yet', selector: [{ name: '__name__', op: '=', value: 'up' }, { name: 'service', op: '=', value: 'none' }] }], report: DEFAULT_REPORT_SETTINGS }
		);
		const [checkout, none] = page.services;
		expect(checkout!.bars).toHaveLength(90);
		expect(checkout!.bars[89]!.day).toBe('2026-12-07');
		expect(checkout!.bars.slice(0, 80).every((b) => b.level === 'nodata' && b.availability === null)).toBe(true);
		expect(checkout!.bars[86]).toMatchObject({ day: '2026-12-04', level: 'down', availability: 0.75 });
		expect(checkout!.bars[88]!.level).toBe('up');
		expect(checkout!.state).toBe('operational');
		// Uptime over the watched time only: 6 h down in 9 days 12 h.
		expect(checkout!.uptime).toBeCloseTo(1 - 6 / (9 * 24 + 12), 4);
		expect(none).toMatchObject({ state: 'nodata', uptime: null });
		expect(none!.bars).toHaveLength(90);
		expect(none!.bars.every((b) => b.level === 'nodata')).toBe(true);
		expect(page.qualityReports).toEqual([]);
		// The same days' figures as the report of December computes for the service.
		const report = await buildReport({ store, incidents: { list: async () => ({ incidents: [], nextCursor: null }) }, windows: [], now: NOW, retention: store.retention }, DEFAULT_REPORT_SETTINGS, monthPeriod('UTC', 2026, 11), null);
		const daily = report.services.find((s) => s.service === 'checkout')!.daily.filter((d) => d.state !== 'future');
		expect(daily).toHaveLength(7);
		expect(checkout!.bars.slice(83).map((b) => [b.day, b.availability])).toEqual(daily.map((d) => [d.day, d.availability]));
		expect(JSON.stringify(statusJson(page))).not.toMatch(/service=|"service"|instance|127\.0\.0\.1|up\{|"checkout"/);
	});

	it('covers 90 days in the zone, today last', () => {
		const p = statusPeriod('Europe/Berlin', NOW);
		expect(new Date(p.from).toISOString()).toBe('2026-09-08T22:00:00.000Z');
		expect(new Date(p.to).toISOString()).toBe('2026-12-07T23:00:00.000Z');
	});
});

describe('incidents and maintenance for customers', () => {
	it('keeps only the public title, updates (newest first, without their author) and times', () => {
		const p: PublishedIncident = {
			id: '7',
			title: 'Payments are slow',
			status: 'monitoring',
			startedAt: NOW - H,
			endedAt: null,
			internalStatus: 'acknowledged',
			updates: [
				{ at: NOW - 50 * 60_000, status: 'investigating', title: 'Payments are slow', text: 'Looking into it', by: 'user:ana' },
				{ at: NOW - 10 * 60_000, status: 'monitoring', text: 'Fixed, watching', by: 'user:bob' }
			]
		};
		const out = publicIncident(p);
		expect(out).toEqual({ title: 'Payments are slow', status: 'monitoring', startedAt: NOW - H, endedAt: null, updates: [{ at: NOW - 10 * 60_000, status: 'monitoring', text: 'Fixed, watching' }, { at: NOW - 50 * 60_000, status: 'investigating', text: 'Looking into it' }] });
		expect(JSON.stringify(out)).not.toMatch(/ana|bob|acknowledged|"7"/);
	});

	it('lists public windows open now or within 14 days, with their times and notice only', () => {
		const base = { matchers: [{ name: 'service', op: '=' as const, value: 'payments' }], timeZone: 'UTC', comment: 'internal', createdBy: 'user:ana', createdAt: NOW - DAY, updatedAt: NOW - DAY, effectiveFrom: NOW - DAY };
		const windows: MaintenanceWindow[] = [
			{ ...base, id: 'a', name: 'db move', schedule: { kind: 'once', start: NOW - H, end: NOW + H }, public: { title: 'Payment upgrade', description: 'Short pauses' } },
			{ ...base, id: 'b', name: 'later', schedule: { kind: 'once', start: NOW + 20 * DAY, end: NOW + 20 * DAY + H }, public: { title: 'Far off', description: '' } },
			{ ...base, id: 'c', name: 'not public', schedule: { kind: 'once', start: NOW + DAY, end: NOW + DAY + H } },
			{ ...base, id: 'd', name: 'weekly', schedule: { kind: 'weekly', days: ['sun'], start: '02:00', end: '03:00' }, public: { title: 'Sunday upkeep', description: '' } }
		];
		const out = publicMaintenance(windows, NOW);
		expect(out.map((m) => [m.title, new Date(m.start).toISOString(), m.inProgress])).toEqual([
			['Payment upgrade', new Date(NOW - H).toISOString(), true],
			['Sunday upkeep', '2026-12-13T02:00:00.000Z', false],
			['Sunday upkeep', '2026-12-20T02:00:00.000Z', false]
		]);
		expect(JSON.stringify(out)).not.toMatch(/db move|internal|payments|ana/);
	});
});

describe('the page cache', () => {
	it('computes once per window however many ask, and again after it', async () => {
		let t = 0;
		let n = 0;
		const once = new ComputedOnce(30_000, async () => ++n, () => t);
		const first = await Promise.all([once.get(), once.get(), once.get()]);
		expect(first.map((r) => r.value)).toEqual([1, 1, 1]);
		t = 29_999;
		expect((await once.get()).value).toBe(1);
		t = 30_000;
		expect((await once.get()).value).toBe(2);
		expect(once.computations).toBe(2);
	});

	it('keeps no failure', async () => {
		let fail = true;
		const once = new ComputedOnce(30_000, async () => {
			if (fail) throw new Error('redis down');
			return 'ok';
		});
		await expect(once.get()).rejects.toThrow('redis down');
		fail = false;
		expect((await once.get()).value).toBe('ok');
	});
});
