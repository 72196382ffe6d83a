import { describe, expect, it } from 'vitest';
import { categoryRows, grew, overlaps, previousWindow } from './analysis';
import type { Ticket } from '../../tickets';

const complaint = (id: string, category: string, created: number, kind: Ticket['kind'] = 'complaint'): Ticket => ({ id, kind, created, firstResponse: null, resolved: null, closed: null, category, merchant: '', team: '', rating: null, updated: created });

describe('grew', () => {
	it('needs at least 5 more and at least 50 % more; a new category needs 5', () => {
		expect([grew(10, 5), grew(9, 4), grew(14, 10), grew(15, 10), grew(4, 0), grew(5, 0), grew(3, 1)]).toEqual([true, true, false, true, false, true, false]);
	});
});

describe('categoryRows', () => {
	it('counts complaints only, per bucket, and the previous window, busiest bucket first of equals', () => {
		const buckets = [
			{ label: 'a', from: 100, to: 200 },
			{ label: 'b', from: 200, to: 300 }
		];
		const range = { from: 100, to: 300 };
		const rows = categoryRows([complaint('1', 'x', 150), complaint('2', 'x', 250), complaint('3', 'x', 50), complaint('4', 'x', 260, 'ticket'), complaint('5', 'y', 120)], buckets, range, previousWindow(range));
		expect(rows.map((r) => [r.category, r.counts, r.total, r.previous, r.change, r.changeRatio, r.busiest])).toEqual([
			['x', [1, 1], 2, 1, 1, 1, 0],
			['y', [1, 0], 1, 0, 1, null, 0]
		]);
	});
});

describe('overlaps', () => {
	it('is open at some time in [from, to)', () => {
		const w = { from: 100, to: 200 };
		expect([overlaps({ openedAt: 50, resolvedAt: 100 }, w), overlaps({ openedAt: 50, resolvedAt: 101 }, w), overlaps({ openedAt: 200 }, w), overlaps({ openedAt: 10 }, w)]).toEqual([false, true, false, true]);
	});
});
