import { describe, expect, it } from 'vitest';
import { seriesId, seriesProblems } from './series';

describe('seriesId', () => {
	it('sorts labels and drops empty ones', () => {
		expect(seriesId('up', { service: 'checkout', instance: 'a' })).toBe('up{instance="a",service="checkout"}');
		expect(seriesId('up', { a: '' })).toBe('up');
	});
	it('escapes label values as Prometheus does', () => {
		expect(seriesId('m', { path: 'a"b\\c\nd' })).toBe('m{path="a\\"b\\\\c\\nd"}');
	});
});

describe('seriesProblems', () => {
	it('accepts Prometheus names', () => {
		expect(seriesProblems('http_requests_total', { code: '200', le: '0.5' })).toEqual([]);
		expect(seriesProblems('ns:rule:rate5m', {})).toEqual([]);
	});
	it('names what is wrong', () => {
		expect(seriesProblems('2xx', { 'bad-label': 'x', __name__: 'y' })).toEqual([
			'metric name "2xx" must match ^[a-zA-Z_:][a-zA-Z0-9_:]*$',
			'label name "bad-label" must match ^[a-zA-Z_][a-zA-Z0-9_]*$',
			'label name "__name__" is reserved (names starting with __ are internal)'
		]);
	});
});
