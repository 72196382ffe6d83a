import { describe, expect, it } from 'vitest';
import type { SeriesState } from '$lib/shared/live';
import { layout, sloState, statusCells, thresholdTone, tileAge, trend } from './model';

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

	it('SLO: compliance over the window and the budget left', () => {
		const o = { op: '<' as const, target: 0.001, goal: 0.9 };
		const s = sloState(o, 0, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0.5]);
		expect(s.compliance).toBeCloseTo(0.9);
		expect(s.budgetLeft).toBeCloseTo(0);
		expect(s.tone).toBe('crit');
		expect(sloState(o, 0, Array(20).fill(0))).toMatchObject({ met: true, compliance: 1, budgetLeft: 1, tone: 'ok' });
		expect(sloState(o, null, [])).toMatchObject({ met: null, budgetLeft: null, tone: 'none' });
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
});
