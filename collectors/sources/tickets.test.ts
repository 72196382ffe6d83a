import { describe, expect, it } from 'vitest';
import { ticketOfRow } from './tickets';

const now = Date.UTC(2026, 11, 7, 12);
const row = { id: 'T-9', kind: 'complaint', created_at: new Date(now - 3_600_000), first_response_at: null, resolved_at: null, closed_at: null, category: 'payment', merchant: null, team: 'desk', satisfaction: null, updated_at: new Date(now - 60_000) };

describe('tickets source rows', () => {
	it('reads a row of the documented table as a ticket', () => {
		expect(ticketOfRow(row, now)).toEqual({ id: 'T-9', kind: 'complaint', created: now - 3_600_000, firstResponse: null, resolved: null, closed: null, category: 'payment', merchant: '', team: 'desk', rating: null, updated: now - 60_000 });
	});

	it('refuses a bad row by its id and the column, in the table\'s words', () => {
		expect(ticketOfRow({ ...row, satisfaction: 7 }, now)).toBe('row id="T-9": satisfaction: expected a whole number from 1 to 5, or null, got 7');
		expect(ticketOfRow({ ...row, closed_at: new Date(now - 7_200_000) }, now)).toMatch(/^row id="T-9": closed_at: is before created/);
		expect(ticketOfRow({ ...row, kind: 'question' }, now)).toBe('row id="T-9": kind: expected "ticket" or "complaint", got "question"');
	});
});
