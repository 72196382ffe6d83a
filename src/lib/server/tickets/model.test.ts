import { describe, expect, it } from 'vitest';
import { describeError, parseTicket, parseTickets } from './model';

const now = Date.UTC(2026, 11, 7, 12);
const base = { id: 'T-1', kind: 'complaint', created: now - 3_600_000 };

describe('parseTicket', () => {
	it('takes epoch ms or ISO 8601 times, null or absent for what has not happened, and defaults', () => {
		const r = parseTicket({ ...base, firstResponse: new Date(now - 3_000_000).toISOString(), resolved: null, rating: '4', team: ' payments ' }, now, now);
		expect(r).toEqual({ ok: true, value: { id: 'T-1', kind: 'complaint', created: now - 3_600_000, firstResponse: now - 3_000_000, resolved: null, closed: null, category: '', merchant: '', team: 'payments', rating: 4, updated: now } });
	});

	it('names the field of each problem', () => {
		const cases: Array<[Record<string, unknown>, string]> = [
			[{ ...base, id: '' }, 'id'],
			[{ ...base, id: { a: 1 } }, 'id'],
			[{ ...base, kind: 'question' }, 'kind'],
			[{ ...base, created: undefined }, 'created'],
			[{ ...base, created: -5 }, 'created'],
			[{ ...base, closed: now - 7_200_000 }, 'closed'],
			[{ ...base, resolved: now + 3_600_000 }, 'resolved'],
			[{ ...base, rating: 0 }, 'rating'],
			[{ ...base, rating: 4.5 }, 'rating'],
			[{ ...base, merchant: 7 }, 'merchant'],
			[{ ...base, category: 'x'.repeat(201) }, 'category'],
			[{ ...base, updated: 'later' }, 'updated'],
			[{ ...base, assignee: 'bob' }, 'assignee']
		];
		for (const [item, field] of cases) {
			const r = parseTicket(item, now, now);
			expect(r.ok ? 'accepted' : r.field, JSON.stringify(item).slice(0, 80)).toBe(field);
		}
	});

	it('answers a bad item of a list as tickets[i].field, keeping the good ones', () => {
		const r = parseTickets([base, { ...base, id: 'T-2', rating: 9 }, 'nope'], now, 10);
		expect(r.ok && r.tickets.map((t) => t.id)).toEqual(['T-1']);
		expect(r.ok && r.errors.map(describeError)).toEqual(['tickets[1].rating: expected a whole number from 1 to 5, or null, got 9', 'tickets[2]: expected an object with id, kind, created, firstResponse, resolved, closed, category, merchant, team, rating, updated']);
		expect(parseTickets(new Array(11).fill(base), now, 10)).toEqual({ ok: false, error: 'at most 10 tickets per request, got 11' });
	});
});
