import { describe, expect, it } from 'vitest';
import { compareQuarters, lastEndedQuarter, parseQuarter, quarterEnded, recentQuarters } from './quarter';

describe('quarters', () => {
	it('names a quarter YYYY-Qn and starts it at local midnight in the zone', () => {
		const utc = parseQuarter('2026-Q4', 'UTC');
		expect(utc.ok && [utc.value.label, new Date(utc.value.from).toISOString(), new Date(utc.value.to).toISOString()]).toEqual(['2026-Q4', '2026-10-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
		// Berlin: summer time on 1 October (UTC+2), winter time on 1 January (UTC+1).
		const berlin = parseQuarter('2026-q4', 'Europe/Berlin');
		expect(berlin.ok && [berlin.value.label, new Date(berlin.value.from).toISOString(), new Date(berlin.value.to).toISOString()]).toEqual(['2026-Q4', '2026-09-30T22:00:00.000Z', '2026-12-31T23:00:00.000Z']);
		const q1 = parseQuarter('2027-Q1', 'America/New_York');
		expect(q1.ok && new Date(q1.value.from).toISOString()).toBe('2027-01-01T05:00:00.000Z');
	});

	it('refuses other names, naming the field and what it expects', () => {
		for (const bad of ['2026-Q5', '2026-Q0', '2026-10', 'Q4-2026', '2026Q4', '', '26-Q1', '2026-Q4x']) {
			const r = parseQuarter(bad, 'UTC');
			expect(r.ok).toBe(false);
			expect(!r.ok && r.error).toMatch(/^quarter: expected a quarter like 2026-Q4/);
		}
	});

	it('has ended once its last local day is over, not a millisecond before', () => {
		const q = parseQuarter('2026-Q3', 'Europe/Berlin');
		if (!q.ok) throw new Error(q.error);
		expect(quarterEnded(q.value, Date.parse('2026-09-30T21:59:59.999Z'))).toBe(false);
		expect(quarterEnded(q.value, Date.parse('2026-09-30T22:00:00.000Z'))).toBe(true);
	});

	it('lists the current quarter and those before it, and knows the last ended one', () => {
		const now = Date.parse('2026-12-07T12:00:00Z');
		expect(recentQuarters('UTC', now, 5)).toEqual(['2026-Q4', '2026-Q3', '2026-Q2', '2026-Q1', '2025-Q4']);
		expect(lastEndedQuarter('UTC', now).label).toBe('2026-Q3');
		// 2027-01-01 00:30 in Berlin is still 2026 in UTC: the zone decides.
		const newYearBerlin = Date.parse('2026-12-31T23:30:00Z');
		expect(lastEndedQuarter('Europe/Berlin', newYearBerlin).label).toBe('2026-Q4');
		expect(lastEndedQuarter('UTC', newYearBerlin).label).toBe('2026-Q3');
	});

	it('orders quarter names by time', () => {
		expect(['2026-Q1', '2025-Q4', '2026-Q3', '2024-Q2'].sort(compareQuarters)).toEqual(['2024-Q2', '2025-Q4', '2026-Q1', '2026-Q3']);
	});
});
