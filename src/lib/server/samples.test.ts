import { describe, expect, it } from 'vitest';
import { decodeLiveEntry, encodeValue } from './samples';

describe('live entries', () => {
	it('carry every value kind, including the ones JSON lacks', () => {
		const values = [0, 1.5, -273.15, 1e300, 5e-324, Number.NaN, Infinity, -Infinity];
		const text = JSON.stringify(values.map((v, i) => [`s${i}`, 1000 + i, encodeValue(v)]));
		const back = decodeLiveEntry(text);
		expect(back.map(([, , v]) => v)).toEqual(values);
		expect(back[0]).toEqual(['s0', 1000, 0]);
	});
	it('refuse entries that are not lists of points', () => {
		expect(() => decodeLiveEntry('{"a":1}')).toThrow(/expected a list/);
		expect(() => decodeLiveEntry('[[1,2,3]]')).toThrow(/bad point/);
	});
});
