import { describe, expect, it } from 'vitest';
import { deriveTicketSeries, deriveTicketSeriesInSlices } from './derive';
import { TICKET_METRICS } from './metadata';
import type { Ticket } from './model';

const now = Date.UTC(2026, 11, 7, 12);
const MIN = 60_000;
const ticket = (id: string, over: Partial<Ticket>): Ticket => ({ id, kind: 'ticket', created: now - 10 * MIN, firstResponse: null, resolved: null, closed: null, category: 'c', merchant: 'm', team: 't', rating: null, updated: now, ...over });
const value = (samples: ReturnType<typeof deriveTicketSeries>, name: string, labels: Record<string, string>) =>
	samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length === Object.keys(labels).length)?.value;

describe('deriveTicketSeries', () => {
	it('counts a deadline only once it is decided: answered, or past it unanswered', () => {
		const samples = deriveTicketSeries(
			[
				ticket('fast', { firstResponse: now - 9 * MIN }), // answered in 1 min: in time
				ticket('late', { firstResponse: now - 2 * MIN }), // answered in 8 min: late
				ticket('waiting', {}), // 10 min, no answer: late
				ticket('new', { created: now - 2 * MIN }) // 2 min, no answer: not decided
			],
			{ now, maxLabelValues: 5 }
		);
		expect(value(samples, 'vigil_tickets_answered_within_5m_ratio', { by: 'all', window: '24h' })).toBeCloseTo(1 / 3);
		expect(value(samples, 'vigil_tickets_answered_within_1m_ratio', { by: 'all', window: '24h' })).toBeCloseTo(1 / 4);
		expect(value(samples, 'vigil_tickets_created', { by: 'all', window: '24h', kind: 'ticket' })).toBe(4);
		expect(value(samples, 'vigil_tickets_open', { by: 'all', kind: 'ticket', age: '0-1h' })).toBe(4);
	});

	it('writes counts but no ratio when nothing is decided, and folds values beyond the limit into other', () => {
		const samples = deriveTicketSeries(
			['a', 'b', 'b', 'c', 'c', 'c'].map((m, i) => ticket(`T${i}`, { merchant: m, created: now - 30_000 })),
			{ now, maxLabelValues: 2 }
		);
		expect(samples.filter((s) => s.name.endsWith('_ratio')).map((s) => s.name)).toEqual(samples.filter((s) => s.name === 'vigil_tickets_resolved_ratio').map((s) => s.name));
		expect(value(samples, 'vigil_tickets_created', { by: 'merchant', merchant: 'other', window: '7d', kind: 'ticket' })).toBe(1);
		expect(value(samples, 'vigil_tickets_created', { by: 'merchant', merchant: 'c', window: '7d', kind: 'ticket' })).toBe(3);
		expect(value(samples, 'vigil_tickets_label_values_folded', { by: 'merchant' })).toBe(1);
	});

	it('has metadata for every series it writes, and gives the same series in slices', async () => {
		const tickets = Array.from({ length: 12_000 }, (_, i) => ticket(`T${i}`, { kind: i % 3 ? 'ticket' : 'complaint', merchant: `m${i % 30}`, created: now - i * MIN, firstResponse: now - i * MIN + (i % 7) * MIN, rating: (i % 5) + 1, closed: i % 2 ? now - i * MIN + 5 * MIN : null, resolved: i % 2 ? now - i * MIN + 5 * MIN : null }));
		const samples = deriveTicketSeries(tickets, { now, maxLabelValues: 20 });
		const names = new Set(samples.map((s) => s.name.replace(/_(bucket|count|sum)$/, '')));
		const described = new Set(TICKET_METRICS.map((m) => m.metric));
		expect([...names].filter((n) => !described.has(n))).toEqual([]);
		expect(await deriveTicketSeriesInSlices(tickets, { now, maxLabelValues: 20 })).toEqual(samples);
	});
});
