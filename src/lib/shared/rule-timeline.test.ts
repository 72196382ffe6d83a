import { describe, expect, it } from 'vitest';
import { compareCount, instanceBands, instanceLabelText, summarizeReplay, type StateChange } from './rule-timeline';

const ch = (fingerprint: string, from: string, to: string, at: number): StateChange => ({ fingerprint, labels: { instance: fingerprint }, from, to, at });

describe('instanceBands', () => {
	it('turns state changes into spans inside the window, leaving inactive time out', () => {
		const bands = instanceBands([ch('a', 'pending', 'firing', 200), ch('a', 'inactive', 'pending', 100), ch('a', 'firing', 'inactive', 400)], 0, 1000);
		expect(bands).toEqual([
			{
				fingerprint: 'a',
				labels: { instance: 'a' },
				spans: [
					{ state: 'pending', from: 100, to: 200 },
					{ state: 'firing', from: 200, to: 400 }
				]
			}
		]);
	});

	it('starts with the first change\'s from-state and ends with the last change\'s to-state, clipped to the window', () => {
		const bands = instanceBands([ch('b', 'firing', 'inactive', 500), ch('c', 'inactive', 'nodata', 800)], 300, 900);
		expect(bands.map((b) => [b.fingerprint, b.spans])).toEqual([
			['b', [{ state: 'firing', from: 300, to: 500 }]],
			['c', [{ state: 'nodata', from: 800, to: 900 }]]
		]);
	});

	it('ignores changes after the window and instances that stayed inactive', () => {
		expect(instanceBands([ch('d', 'inactive', 'pending', 2000)], 0, 1000)).toEqual([]);
		expect(instanceBands([], 0, 1000)).toEqual([]);
	});
});

describe('summarizeReplay', () => {
	it('counts firing spans, the longest and the total firing time', () => {
		const s = summarizeReplay({
			notifications: 5,
			instances: [
				{ spans: [{ state: 'pending', from: 0, to: 10 }, { state: 'firing', from: 10, to: 70 }] },
				{ spans: [{ state: 'firing', from: 0, to: 30 }, { state: 'firing', from: 100, to: 110 }] }
			]
		});
		expect(s).toEqual({ alerts: 3, notifications: 5, longestFiringMs: 60, firingMs: 100 });
	});

	it('words the comparison', () => {
		expect(compareCount('notification', 41, 3)).toBe('draft: 3 notifications instead of 41');
		expect(compareCount('alert', 1, 1)).toBe('draft: the same 1 alert');
	});
});

describe('instanceLabelText', () => {
	it('writes labels as selectors do, without the alertname', () => {
		expect(instanceLabelText({ alertname: 'X', instance: 'a"b', target: 't' })).toBe('instance="a\\"b", target="t"');
		expect(instanceLabelText({ alertname: 'X' })).toBe('(no labels)');
	});
});
