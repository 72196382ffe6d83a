import { describe, expect, it } from 'vitest';
import { parseTimeArg, parseTimestamp } from './time-arg';

describe('time arguments', () => {
	const now = Date.UTC(2026, 10, 22, 12, 0, 0);
	it.each([
		['2026-11-01T00:00:00Z', Date.UTC(2026, 10, 1)],
		['2026-11-01T01:00:00.5+01:00', Date.UTC(2026, 10, 1) + 500],
		['1730419200', 1_730_419_200_000],
		['1730419200.25', 1_730_419_200_250]
	])('reads %s', (text, ms) => {
		expect(parseTimestamp(text)).toBe(ms);
		expect(parseTimeArg(text, now)).toBe(ms);
	});

	it('reads now and offsets from it', () => {
		expect(parseTimeArg('now', now)).toBe(now);
		expect(parseTimeArg('-7d', now)).toBe(now - 7 * 86_400_000);
		expect(parseTimeArg('now-1h30m', now)).toBe(now - 5_400_000);
		expect(parseTimeArg('+5m', now)).toBe(now + 300_000);
	});

	it.each(['yesterday', '2026-11-01', '-7x', '', '1e3', 'now-'])('refuses %j', (text) => {
		expect(parseTimeArg(text, now)).toBeNull();
	});
});
