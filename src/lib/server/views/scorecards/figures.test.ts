import { describe, expect, it } from 'vitest';
import type { Ticket } from '../../tickets';
import { cell, countTickets, MERCHANT_MEASURES, merchantFigures, TEAM_MEASURES, teamFigures } from './figures';
import { DEFAULT_SCORECARD_STANDARDS } from './standards';

const HOUR = 3_600_000;
const quarter = { label: '2026-Q4', from: 0, to: 1000 * HOUR };
const now = 900 * HOUR;

function complaint(i: number, merchant: string, answeredAfterH: number | null): Ticket {
	const created = i * HOUR;
	return { id: `c${i}`, kind: 'complaint', created, firstResponse: answeredAfterH === null ? null : created + answeredAfterH * HOUR, resolved: null, closed: null, category: 'payment', merchant, team: 'desk', rating: null, updated: created };
}

describe('scorecard figures: a figure is judged only on enough data', () => {
	it('shows 1 complaint in 4 orders without flagging it, and flags the same rate over 40 orders', () => {
		const few = countTickets([complaint(1, 'small', 1)], [quarter as never], 'merchant', now).get('small')![0];
		const small = merchantFigures(few, { completed: 4, failed: 0, cancelled: 0 });
		expect(small.complaintRate).toBe(0.25);
		expect(cell('2026-Q4', small, MERCHANT_MEASURES, DEFAULT_SCORECARD_STANDARDS).below).toEqual([]);

		const many = countTickets(Array.from({ length: 10 }, (_, i) => complaint(i, 'big', 1)), [quarter as never], 'merchant', now).get('big')![0];
		const big = merchantFigures(many, { completed: 38, failed: 2, cancelled: 0 });
		expect(big.complaintRate).toBe(0.25);
		expect(big.completion).toBe(0.95);
		expect(cell('2026-Q4', big, MERCHANT_MEASURES, DEFAULT_SCORECARD_STANDARDS).below).toEqual(['complaintRate']);
		// With a lower minimum the small merchant is judged too (its one complaint is not closed either).
		expect(cell('2026-Q4', small, MERCHANT_MEASURES, { ...DEFAULT_SCORECARD_STANDARDS, minSample: 1 }).below).toEqual(['complaintRate', 'closed48h']);
	});

	it('judges a team\'s 5-minute share only over enough decided tickets', () => {
		const late = (n: number) => countTickets(Array.from({ length: n }, (_, i) => ({ ...complaint(i, 'm', 1), team: 'slow' })), [quarter as never], 'team', now).get('slow')![0]!;
		expect(cell('2026-Q4', teamFigures(late(5)), TEAM_MEASURES, DEFAULT_SCORECARD_STANDARDS).below).toEqual([]);
		expect(cell('2026-Q4', teamFigures(late(25)), TEAM_MEASURES, DEFAULT_SCORECARD_STANDARDS).below).toEqual(['answered5m', 'resolution']);
	});
});
