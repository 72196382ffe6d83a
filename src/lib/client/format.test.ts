import { describe, expect, it } from 'vitest';
import { formatAge, formatValue, formatWithUnit, freshness, humanizeMetric } from './format';

describe('formatAge', () => {
	it.each([
		[0, '0.0 s'],
		[400, '0.4 s'],
		[9_949, '9.9 s'],
		[12_500, '12 s'],
		[185_000, '3 min'],
		[7_300_000, '2 h'],
		[3 * 86_400_000, '3 d'],
		[-50, '0.0 s']
	])('%d ms reads %s', (ms, text) => expect(formatAge(ms)).toBe(text));
});

describe('formatValue', () => {
	it('groups thousands and limits decimals', () => {
		expect(formatValue(1234567.891)).toBe('1,234,567.89');
		expect(formatValue(42)).toBe('42');
	});
	it('shows a dash for no value', () => {
		expect(formatValue(null)).toBe('—');
		expect(formatValue(Number.NaN)).toBe('—');
	});
});

describe('freshness', () => {
	it('is stale past two intervals, and none without data', () => {
		expect(freshness(1_900, 1_000)).toBe('fresh');
		expect(freshness(2_100, 1_000)).toBe('stale');
		expect(freshness(null, 1_000)).toBe('none');
	});
});

describe('humanizeMetric', () => {
	it('turns a metric name into words', () => {
		expect(humanizeMetric('demo_orders_per_minute')).toBe('Demo orders per minute');
	});
});

describe('formatWithUnit', () => {
	it('reads up as UP or DOWN with a tone', () => {
		expect(formatWithUnit(1, 'up')).toEqual({ text: 'UP', suffix: '', tone: 'ok' });
		expect(formatWithUnit(0, 'up')).toEqual({ text: 'DOWN', suffix: '', tone: 'crit' });
	});
	it('shows short seconds as ms, ratios as percent, infinity as ∞', () => {
		expect(formatWithUnit(0.1234, 's')).toEqual({ text: '123', suffix: 'ms', tone: 'none' });
		expect(formatWithUnit(2.5, 's')).toEqual({ text: '2.5', suffix: 's', tone: 'none' });
		expect(formatWithUnit(0.9312, '%')).toEqual({ text: '93.12', suffix: '%', tone: 'none' });
		expect(formatWithUnit(Infinity, 's').text).toBe('∞');
		expect(formatWithUnit(null, 's').text).toBe('—');
		expect(formatWithUnit(42, 'jobs')).toEqual({ text: '42', suffix: 'jobs', tone: 'none' });
	});
});
