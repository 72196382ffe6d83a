import { describe, expect, it } from 'vitest';
import type { SeriesState } from '$lib/shared/live';
import { layout, reloadDue, thresholdPlacement, sloState, statItems, statusCells, thresholdTone, tileAge, trend, worstFirst } from './model';

const up = (service: string, value: number, ts: number): SeriesState => ({ id: service, name: 'up', labels: { service }, value, ts, intervalMs: 2000 });

describe('wall model', () => {
	it('thresholds: above by default, below when asked', () => {
		expect(thresholdTone(0.02, { crit: 0.01, warn: 0.001, direction: 'above' })).toBe('crit');
		expect(thresholdTone(0.005, { crit: 0.01, warn: 0.001, direction: 'above' })).toBe('warn');
		expect(thresholdTone(0, { crit: 0.01, warn: 0.001, direction: 'above' })).toBe('ok');
		expect(thresholdTone(3, { crit: 5, direction: 'below' })).toBe('crit');
		expect(thresholdTone(null, undefined)).toBe('none');
	});

	it('status cells: down is critical, a firing alert of the service colours it, stale data is not "up"', () => {
		const tile = { kind: 'status' as const, title: 'S', selector: 'up', by: 'service' };
		const cells = statusCells(tile, [up('search', 1, 1000), up('checkout', 0, 1000), up('old', 1, -10_000)], [
			{ ruleId: 'g/Slow', fingerprint: 'f', name: 'Slow', severity: 'warning', state: 'firing', service: 'search', summary: '', since: 0, acknowledged: false }
		], 1500);
		expect(cells.map((c) => [c.name, c.tone, c.fresh])).toEqual([
			['checkout', 'crit', 'fresh'],
			['search', 'warn', 'fresh'],
			['old', 'none', 'stale']
		]);
		expect(cells[1]!.alert).toBe('Slow');
	});

	it('freshness: the newest series counts, stale past two intervals, none without data', () => {
		expect(tileAge([up('a', 1, 1000)], 4000)).toEqual({ ageMs: 3000, fresh: 'fresh' });
		expect(tileAge([up('a', 1, 1000)], 5100)).toEqual({ ageMs: 4100, fresh: 'stale' });
		expect(tileAge([], 5100)).toEqual({ ageMs: null, fresh: 'none' });
	});

	it('trend against the mean of the reference window', () => {
		expect(trend(120, [100, 100])).toBeCloseTo(0.2);
		expect(trend(null, [1])).toBeNull();
		expect(trend(5, [])).toBeNull();
	});

	it("SLO: the budget is the calendar period's, spent by bad minutes whenever they fall", () => {
		const o = { op: '<' as const, target: 0.001, goal: 0.99 };
		// November 2026 in Berlin: 30 days, so 1 % is 432 minutes of budget.
		const from = Date.UTC(2026, 9, 31, 23);
		const month = { tile: 0, objective: 0, label: '2026-11', zone: 'Europe/Berlin', from, to: Date.UTC(2026, 10, 30, 23), stepMs: 60_000, through: from + 3 * 86_400_000 };
		// Three days in, 108 bad minutes: a quarter of the month's budget, whatever the share of the three days.
		const s = sloState(o, 0, { ...month, good: 3 * 1440 - 108, bad: 108 });
		expect(s.budgetLeft).toBeCloseTo(0.75);
		expect(s.compliance).toBeCloseTo(1 - 108 / (3 * 1440));
		expect(s).toMatchObject({ met: true, period: '2026-11', tone: 'ok' });
		// Past 3/4 spent: warning; all of it: critical (never below 0).
		expect(sloState(o, 0, { ...month, good: 100, bad: 330 }).tone).toBe('warn');
		expect(sloState(o, 0, { ...month, good: 0, bad: 500 })).toMatchObject({ budgetLeft: 0, tone: 'crit' });
		// Missing the target now is a warning even with budget left.
		expect(sloState(o, 0.5, { ...month, good: 10, bad: 0 })).toMatchObject({ met: false, budgetLeft: 1, tone: 'warn' });
		// Before the server's first tally: no budget yet.
		expect(sloState(o, null, undefined)).toMatchObject({ met: null, budgetLeft: null, period: null, budgetText: 'no tally yet', tone: 'none' });
		// A selector that matched nothing all period: no minute judged, so no figure that reads as healthy.
		expect(sloState(o, null, { ...month, good: 0, bad: 0 })).toMatchObject({ met: null, compliance: null, budgetText: 'no data this period', tone: 'none' });
		expect(s.budgetText).toBe('75% left');
		// Just started: a value now, but no minute of the period judged yet.
		expect(sloState(o, 0, { ...month, good: 0, bad: 0 }).budgetText).toBe('judging first minute');
	});

	it('orders items worst first, keeping the configured order within a tone', () => {
		const items = (['ok', 'none', 'warn', 'ok', 'crit', 'warn'] as const).map((tone, i) => ({ tone, i }));
		expect(worstFirst(items).map((x) => x.i)).toEqual([4, 2, 5, 0, 3, 1]);
	});

	it('a stat of several series: one value each, worst first, at most four, labelled by what differs', () => {
		const s = (service: string, value: number): SeriesState => ({ id: service, name: 'latency', labels: { service, env: 'prod' }, value, ts: 1000, intervalMs: 2000 });
		const r = statItems([s('search', 0.2), s('checkout', 3), s('cart', 0.1), s('payments', 1.5), s('auth', 0.3)], { warn: 1, crit: 2.5, direction: 'above' }, 1500);
		expect(r.items.map((x) => [x.label, x.tone])).toEqual([
			['checkout', 'crit'],
			['payments', 'warn'],
			['auth', 'ok'],
			['cart', 'ok']
		]);
		expect(r.more).toBe(1);
		expect(statItems([s('search', 0.2)], undefined, 1500)).toMatchObject({ items: [{ label: '', tone: 'ok' }], more: 0 });
	});

	it('the daily soft reload: due once the quiet hour passes after the page loaded, not again after it', () => {
		const at = (h: number, m: number, day = 23) => new Date(2026, 10, day, h, m).getTime();
		expect(reloadDue('04:00', at(1, 0), at(3, 59))).toBe(false);
		expect(reloadDue('04:00', at(1, 0), at(4, 0))).toBe(true);
		// Missed while Vigil did not answer: still due within the hour, not later.
		expect(reloadDue('04:00', at(1, 0), at(4, 59))).toBe(true);
		expect(reloadDue('04:00', at(1, 0), at(5, 1))).toBe(false);
		// The reloaded page (loaded after 04:00) is not due again that day.
		expect(reloadDue('04:00', at(4, 0) + 5000, at(4, 1))).toBe(false);
		// Just after midnight, the quiet hour of the day before counts.
		expect(reloadDue('23:30', at(23, 0, 22), at(0, 10))).toBe(true);
		expect(reloadDue('off', at(1, 0), at(4, 0))).toBe(false);
	});

	it('chart thresholds: a line near the data, an edge marker when far from it', () => {
		// Latency around 0.1–0.3 s against warn 1 s and crit 2.5 s: both off the top.
		expect(thresholdPlacement(0.1, 0.3, 1)).toBe('above');
		expect(thresholdPlacement(0.1, 0.3, 2.5)).toBe('above');
		// Slow (up to 0.8 s): the warning is near and drawn; the critical one stays a marker.
		expect(thresholdPlacement(0.1, 0.8, 1)).toBe('line');
		expect(thresholdPlacement(0.1, 0.8, 2.5)).toBe('above');
		expect(thresholdPlacement(50, 60, 5)).toBe('below');
		// A flat line: the span is a quarter of its size.
		expect(thresholdPlacement(100, 100, 120)).toBe('line');
		expect(thresholdPlacement(100, 100, 130)).toBe('above');
		expect(thresholdPlacement(Infinity, -Infinity, 3)).toBe('line');
	});

	it('layout: critical tiles first and 2×2, warnings next and 2×1, the rest in board order', () => {
		expect(layout(['ok', 'warn', 'ok', 'crit'], 4)).toEqual([
			{ index: 3, tone: 'crit', cols: 2, rows: 2 },
			{ index: 1, tone: 'warn', cols: 2, rows: 1 },
			{ index: 0, tone: 'ok', cols: 1, rows: 1 },
			{ index: 2, tone: 'ok', cols: 1, rows: 1 }
		]);
		expect(layout(['crit'], 2)).toEqual([{ index: 0, tone: 'crit', cols: 1, rows: 1 }]);
	});

	it('layout: failing tiles grow only into the cells the grid has to spare', () => {
		// The demo board in checkout-down: 9 tiles on 4 columns keep their 3 rows; the two critical
		// tiles and the warning take two columns each, and nothing takes a second row.
		const placed = layout(['crit', 'crit', 'warn', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'], 4);
		expect(placed.slice(0, 3).map((p) => [p.index, p.cols, p.rows])).toEqual([
			[0, 2, 1],
			[1, 2, 1],
			[2, 2, 1]
		]);
		expect(placed.reduce((n, p) => n + p.cols * p.rows, 0)).toBeLessThanOrEqual(12);
		// A full grid gets one more row to grow into.
		const full = layout(['ok', 'ok', 'ok', 'crit'], 4);
		expect(full[0]).toEqual({ index: 3, tone: 'crit', cols: 2, rows: 2 });
		expect(full.reduce((n, p) => n + p.cols * p.rows, 0)).toBe(7);
		// One critical tile among few: 2×2.
		expect(layout(['ok', 'crit', 'ok', 'ok', 'ok'], 4)[0]).toEqual({ index: 1, tone: 'crit', cols: 2, rows: 2 });
	});
});
