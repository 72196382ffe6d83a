import { describe, expect, it } from 'vitest';
import type { Matcher } from '../tsdb/matchers';
import type { RawResult, Selector } from '../tsdb/types';
import { evalInstant, selectorsOf, usesAbsent } from './eval';
import { parseExpr } from './parse';
import { dataNeeds, loadSource, MemorySource } from './source';

describe('MemorySource', () => {
	const src = new MemorySource([
		{ labels: { __name__: 'up', job: 'b' }, ts: [0], values: [1] },
		{ labels: { __name__: 'up', job: 'a' }, ts: [0, 10], values: [1, 0] },
		{ labels: { __name__: 'down', job: 'a' }, ts: [0], values: [1] },
		// The same series read twice (two windows): merged, the stale marker kept.
		{ labels: { __name__: 'up', job: 'a' }, ts: [10, 20], values: [0, NaN], stale: [1] }
	]);

	it('selects by metric name and matchers, in label order, each series once', () => {
		const got = src.select([{ name: '__name__', op: '=', value: 'up' }]);
		expect(got.map((s) => s.labels.job)).toEqual(['a', 'b']);
		expect(got[0]).toEqual({ labels: { __name__: 'up', job: 'a' }, ts: [0, 10, 20], values: [1, 0, NaN], stale: [2] });
		expect(src.select([{ name: 'job', op: '=~', value: 'a' }]).map((s) => s.labels.__name__)).toEqual(['down', 'up']);
		expect(src.select([{ name: '__name__', op: '!~', value: 'up|x' }])).toHaveLength(1);
	});
});

describe('dataNeeds', () => {
	it('spans every offset, range and lookback a selector is used with, once per selector', () => {
		const e = parseExpr('rate(x[5m]) / rate(x[5m] offset 1h) > on() y offset -1m and x');
		expect(dataNeeds(e, 1_000_000_000, 1_000_060_000)).toEqual([
			{ matchers: [{ name: '__name__', op: '=', value: 'x' }], from: 1_000_000_000 - 3_600_000 - 300_000, to: 1_000_060_000 },
			{ matchers: [{ name: '__name__', op: '=', value: 'y' }], from: 1_000_000_000 + 60_000 - 300_000, to: 1_000_060_000 + 60_000 }
		]);
		expect(dataNeeds(parseExpr('x'), 0, 0, { lookbackMs: 60_000 })[0]).toMatchObject({ from: -60_000, to: 0 });
	});

	it('asks for the last sample only where an instant selector is evaluated at one time and nothing else reads it', () => {
		const last = (q: string, start = 1_000_000, end = start) => dataNeeds(parseExpr(q), start, end).map((n) => `${n.matchers.map((m) => m.value).join(',')}:${n.lastOnly === true}`);
		expect(last('x > 1')).toEqual(['x:true']);
		expect(last('sum by (job) (x{job="a"}) / y offset 5m')).toEqual(['a,x:true', 'y:true']);
		expect(last('timestamp(x @ 5000)')).toEqual(['x:true']);
		// Evaluated at many times (a range query, a subquery), or also read as a range or at another offset: whole windows.
		expect(last('x > 1', 1_000_000, 1_060_000)).toEqual(['x:false']);
		expect(last('max_over_time((x > 1)[5m:1m])')).toEqual(['x:false']);
		expect(last('x and rate(x[5m]) > 0')).toEqual(['x:false']);
		expect(last('x - x offset 1h')).toEqual(['x:false']);
		expect(last('x / x')).toEqual(['x:true']);
	});
});

describe('loadSource', () => {
	it('reads each need once from the store and evaluates from memory', async () => {
		const calls: { selector: Selector; from: number; to: number }[] = [];
		const store = {
			async raw(selector: Selector, from: number, to: number): Promise<RawResult[]> {
				calls.push({ selector, from, to });
				const name = (selector as Matcher[]).find((m) => m.name === '__name__')!.value;
				return [{ labels: { __name__: name, job: 'a' }, ts: [0, 60_000, 120_000], values: [0, 60, 120] }];
			}
		};
		const e = parseExpr('rate(req_total[2m]) + on(job) errors_total');
		const source = await loadSource(store, e, 120_000, 120_000);
		expect(calls).toEqual([
			{ selector: [{ name: '__name__', op: '=', value: 'req_total' }], from: 0, to: 120_000 },
			{ selector: [{ name: '__name__', op: '=', value: 'errors_total' }], from: -180_000, to: 120_000 }
		]);
		expect(evalInstant(e, 120_000, source)).toEqual({ type: 'vector', samples: [{ labels: { job: 'a' }, value: 121 }] });
	});
});

describe('selectorsOf and usesAbsent', () => {
	it('lists selectors with range and offset', () => {
		expect(selectorsOf(parseExpr('sum(rate(x{a="1"}[5m] offset 1m)) > y'))).toEqual([
			{ matchers: [{ name: 'a', op: '=', value: '1' }, { name: '__name__', op: '=', value: 'x' }], range: 300_000, offset: 60_000 },
			{ matchers: [{ name: '__name__', op: '=', value: 'y' }], offset: 0 }
		]);
	});

	it('tells absent() and absent_over_time()', () => {
		expect(usesAbsent(parseExpr('absent(up{job="x"})'))).toBe(true);
		expect(usesAbsent(parseExpr('x or absent_over_time(y[5m])'))).toBe(true);
		expect(usesAbsent(parseExpr('rate(x[5m]) > 0'))).toBe(false);
	});
});
