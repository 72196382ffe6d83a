import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, zDuration } from './duration';

describe('parseDuration', () => {
	it.each([
		['500ms', 500],
		['15s', 15_000],
		['1m30s', 90_000],
		['2h', 7_200_000],
		['1d12h', 129_600_000],
		['1w', 604_800_000],
		['1y', 31_536_000_000],
		['0', 0],
		['1h0m5s', 3_605_000]
	])('parses %s', (text, ms) => {
		expect(parseDuration(text)).toBe(ms);
	});

	it.each(['', '15', 's', '1.5s', '-1s', '15 s', '30s1m', '1m1m', 'fifteen', '1s ', '15S'])(
		'refuses %j',
		(text) => {
			expect(parseDuration(text)).toBeNull();
		}
	);
});

describe('formatDuration', () => {
	it.each([
		[0, '0s'],
		[500, '500ms'],
		[90_000, '1m30s'],
		[3_605_000, '1h5s'],
		[604_800_000, '1w']
	])('formats %d as %s', (ms, text) => {
		expect(formatDuration(ms)).toBe(text);
	});

	it('round-trips through parseDuration', () => {
		for (const ms of [1, 999, 1000, 61_001, 86_400_000 + 1, 123_456_789]) {
			expect(parseDuration(formatDuration(ms))).toBe(ms);
		}
	});

	it('refuses negative and non-finite input', () => {
		expect(() => formatDuration(-1)).toThrow(/non-negative/);
		expect(() => formatDuration(Number.NaN)).toThrow(/finite/);
	});
});

describe('zDuration', () => {
	const schema = zDuration({ min: 100, max: 3_600_000 });
	it('outputs milliseconds', () => {
		expect(schema.parse('15s')).toBe(15_000);
	});
	it('names the problem', () => {
		const msg = (v: unknown) => schema.safeParse(v).error?.issues[0]?.message;
		expect(msg('fast')).toBe('expected a duration like "15s", got "fast"');
		expect(msg(15)).toBe('expected a duration like "15s", got 15 (add a unit: "15s")');
		expect(msg('50ms')).toBe('must be at least 100ms, got "50ms"');
		expect(msg('2h')).toBe('must be at most 1h, got "2h"');
	});
});
