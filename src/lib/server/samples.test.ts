import { describe, expect, it } from 'vitest';
import { decodeLiveEntry, encodeLiveEntry } from './samples';

describe('live entries', () => {
	it('round-trip every value kind, including the ones JSON lacks', () => {
		const values = [0, -0, 1.5, -273.15, 1e300, 5e-324, Number.NaN, Infinity, -Infinity];
		const text = encodeLiveEntry(values.map((value, i) => ({ name: 'm', labels: { i: String(i) }, ts: 1000 + i, value })));
		const back = decodeLiveEntry(text);
		expect(back.map(([, , v]) => v)).toEqual(values.map((v) => (Object.is(v, -0) ? 0 : v)));
		expect(back[0]).toEqual(['m{i="0"}', 1000, 0]);
	});
	it('refuses entries that are not lists of points', () => {
		expect(() => decodeLiveEntry('{"a":1}')).toThrow(/expected a list/);
		expect(() => decodeLiveEntry('[[1,2,3]]')).toThrow(/bad point/);
	});
});
