import { describe, expect, it } from 'vitest';
import { groupSamples } from './sink';

describe('groupSamples', () => {
	it('groups by series, sorts each series by time, and keeps stale markers at their samples', () => {
		const groups = groupSamples([
			{ name: 'a', labels: { x: '1' }, ts: 30, value: 3 },
			{ name: 'b', labels: {}, ts: 10, value: 1 },
			{ name: 'a', labels: { x: '1' }, ts: 40, value: 7, stale: true },
			{ name: 'a', labels: { x: '1' }, ts: 10, value: 1 },
			{ name: 'a', labels: { x: '1' }, ts: 20, value: Number.NaN }
		]);
		const a = groups.find((g) => g.name === 'a')!;
		expect(a.ts).toEqual([10, 20, 30, 40]);
		expect(Array.from(a.values).slice(0, 3)).toEqual([1, Number.NaN, 3]);
		expect(Number.isNaN(a.values[3])).toBe(true); // a stale marker's value is NaN whatever was given
		expect(a.stale).toEqual([3]);
		const b = groups.find((g) => g.name === 'b')!;
		expect(b.stale).toBeUndefined();
	});
});
