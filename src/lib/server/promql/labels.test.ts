import { describe, expect, it } from 'vitest';
import { compareLabels, sortByLabels } from './labels';

describe('series order', () => {
	it('orders label sets as Prometheus does: sorted names, then values, pair by pair, a prefix first', () => {
		const sets: Array<Record<string, string>> = [{ b: '1' }, { a: '2' }, { a: '1', c: '1' }, { a: '1' }, { __name__: 'x', a: '1' }, {}, { a: '1', b: '0' }];
		const sorted = sortByLabels(sets.slice(), (s) => s);
		expect(sorted).toEqual([{}, { __name__: 'x', a: '1' }, { a: '1' }, { a: '1', b: '0' }, { a: '1', c: '1' }, { a: '2' }, { b: '1' }]);
		expect(sorted).toEqual(sets.slice().sort(compareLabels));
	});

	it('gives the order compareLabels gives on random label sets', () => {
		let seed = 7;
		const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
		const sets = Array.from({ length: 400 }, () => {
			const s: Record<string, string> = {};
			for (const name of ['a', 'b', 'c', 'job', '__name__']) if (rnd(2)) s[name] = String(rnd(3));
			return s;
		});
		expect(sortByLabels(sets.slice(), (s) => s)).toEqual(sets.slice().sort(compareLabels));
	});
});
