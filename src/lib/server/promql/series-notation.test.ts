import { describe, expect, it } from 'vitest';
import { expandSeries, NotationError, parseSeriesDescription, parseSeriesValues } from './series-notation';

describe('series values notation (as promtool 2.42 expands it)', () => {
	it.each([
		['1+1x3', [1, 2, 3, 4]],
		['_x2', [null, null]],
		['_', [null]],
		['stale', ['stale']],
		['3x2', [3, 3, 3]],
		['4-1x2', [4, 3, 2]],
		['-2.5+0.5x2', [-2.5, -2, -1.5]],
		// Added step by step: the third value is 0.1 + 0.2 + 0.2, not 0.1 + 2 * 0.2.
		['0.1+0.2x3', [0.1, 0.30000000000000004, 0.5, 0.7]],
		['1 +1x3', [1, 1, 1, 1, 1]],
		['-1x2', [-1, -1, -1]],
		['0x10', Array(11).fill(0)],
		['1e3+1e2x2', [1000, 1100, 1200]],
		['+5', [5]],
		['-Inf+1x2', [-Infinity, -Infinity, -Infinity]],
		['_x0 1', [1]],
		['1x0', [1]],
		['  1  2 ', [1, 2]],
		['.5 5.', [0.5, 5]],
		['010 08', [8, 8]],
		['inf NAN', [Infinity, NaN]],
		['1e+3 -.5', [1000, -0.5]],
		['', []]
	])('%s', (text, expected) => {
		expect(parseSeriesValues(text)).toEqual(expected);
	});

	it('a stale marker stepped is NaN, as in Prometheus', () => {
		expect(parseSeriesValues('stale+1x2')).toEqual(['stale', NaN, NaN]);
	});

	it.each(['0x1f', '1_000', 'NaNx1', '1ex2', '1+1x', '1 _+1x2', '1x3x2', '-_', '1,2', 'stalex2', 'foo'])('refuses %s', (text) => {
		expect(() => parseSeriesValues(text)).toThrow(NotationError);
	});
});

describe('series description', () => {
	it('reads names, labels and Go escapes', () => {
		expect(parseSeriesDescription('m{a="x\\"y",b=\'z\',}')).toEqual({ __name__: 'm', a: 'x"y', b: 'z' });
		expect(parseSeriesDescription('{__name__="q", a="b"}')).toEqual({ __name__: 'q', a: 'b' });
		expect(parseSeriesDescription('up')).toEqual({ __name__: 'up' });
	});

	it('reads `{}` as no labels at all, as Prometheus does (how aggregated results are written)', () => {
		expect(parseSeriesDescription('{}')).toEqual({});
		expect(parseSeriesDescription(' { } ')).toEqual({});
	});

	it.each(['m{a!="b"}', 'm{a="b"', 'm x', '', ' ', 'm{a="1",a="2"}'])('refuses %s', (text) => {
		expect(() => parseSeriesDescription(text)).toThrow(NotationError);
	});

	it('expands to samples at the interval, stale markers by index', () => {
		expect(expandSeries({ __name__: 'm' }, [1, null, 'stale', 4], 60_000)).toEqual({
			labels: { __name__: 'm' },
			ts: [0, 120_000, 180_000],
			values: [1, NaN, 4],
			stale: [1]
		});
	});
});
