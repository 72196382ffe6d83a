import { describe, expect, it } from 'vitest';
import { checkSelectable, formatSeries, matchesAll, parseSelector, SelectorError } from './matchers';

describe('parseSelector', () => {
	it('reads a metric name with matchers of every kind', () => {
		expect(parseSelector('http_latency_ms{service="checkout", quantile!="0.5",path=~"/api/.*" , code!~"5.."}')).toEqual([
			{ name: '__name__', op: '=', value: 'http_latency_ms' },
			{ name: 'service', op: '=', value: 'checkout' },
			{ name: 'quantile', op: '!=', value: '0.5' },
			{ name: 'path', op: '=~', value: '/api/.*' },
			{ name: 'code', op: '!~', value: '5..' }
		]);
	});

	it('reads escapes and other quotes', () => {
		expect(parseSelector(`{__name__="up", a="x\\"y", b='z'}`)).toEqual([
			{ name: '__name__', op: '=', value: 'up' },
			{ name: 'a', op: '=', value: 'x"y' },
			{ name: 'b', op: '=', value: 'z' }
		]);
	});

	it.each([
		['up{', 'expected a label name'],
		['up{a}', 'expected one of =, !=, =~, !~ after a'],
		['up{a=b}', 'expected a quoted label value'],
		['up{a="b"', 'expected "," or "}"'],
		['up{a="b} ', 'unterminated label value'],
		['up x', 'unexpected text'],
		['up{a=~"("}', 'invalid regular expression']
	])('refuses %j: %s', (text, message) => {
		expect(() => parseSelector(text)).toThrow(SelectorError);
		expect(() => parseSelector(text)).toThrow(message);
	});
});

describe('matchesAll', () => {
	const labels = { __name__: 'up', service: 'checkout', env: 'prod' };
	it('treats a missing label as empty, and anchors regular expressions', () => {
		expect(matchesAll(labels, parseSelector('up{zone=""}'))).toBe(true);
		expect(matchesAll(labels, parseSelector('up{zone!=""}'))).toBe(false);
		expect(matchesAll(labels, parseSelector('up{service=~"check"}'))).toBe(false);
		expect(matchesAll(labels, parseSelector('up{service=~"check.*"}'))).toBe(true);
		expect(matchesAll(labels, parseSelector('up{env!~"dev|test"}'))).toBe(true);
	});
});

describe('checkSelectable', () => {
	it('refuses selectors that match everything', () => {
		expect(() => checkSelectable(parseSelector('{a!="x"}'))).toThrow(/at least one matcher/);
		expect(() => checkSelectable(parseSelector('{a=~".*"}'))).toThrow(/at least one matcher/);
		expect(() => checkSelectable(parseSelector('{a=~".+"}'))).not.toThrow();
	});
});

describe('formatSeries', () => {
	it('prints the name and sorted labels', () => {
		expect(formatSeries({ service: 'a', __name__: 'up', env: 'p"q' })).toBe('up{env="p\\"q", service="a"}');
	});
});
