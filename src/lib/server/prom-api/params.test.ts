import { describe, expect, it } from 'vitest';
import { parseDuration, parseTime, readParams } from './params';
import { admitToolForm, TOOL_FORM_TYPE } from './tool-form';

describe('Prometheus parameters', () => {
	it('reads times as unix seconds (ms precision) or RFC 3339', () => {
		expect(parseTime('time', '1735689600')).toBe(1_735_689_600_000);
		expect(parseTime('time', '1735689600.123')).toBe(1_735_689_600_123);
		expect(parseTime('time', '1.7356896e9')).toBe(1_735_689_600_000);
		expect(parseTime('time', '2025-01-01T00:00:00Z')).toBe(1_735_689_600_000);
		expect(parseTime('time', '2025-01-01T01:00:00.5+01:00')).toBe(1_735_689_600_500);
		expect(() => parseTime('start', 'yesterday')).toThrow('invalid parameter "start": cannot parse "yesterday" to a valid timestamp');
		expect(() => parseTime('end', '')).toThrow('invalid parameter "end": cannot parse "" to a valid timestamp');
	});

	it('reads durations as float seconds or Prometheus durations', () => {
		expect(parseDuration('step', '15')).toBe(15_000);
		expect(parseDuration('step', '0.5')).toBe(500);
		expect(parseDuration('step', '1m30s')).toBe(90_000);
		expect(parseDuration('step', '1h')).toBe(3_600_000);
		expect(() => parseDuration('step', '1 minute')).toThrow('invalid parameter "step": cannot parse "1 minute" to a valid duration');
	});

	it('takes a POST form body before the query string', async () => {
		const req = new Request('http://x/api/v1/query?query=b&time=1', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'query=a&match%5B%5D=up' });
		const p = await readParams(req, new URL(req.url));
		expect(p.get('query')).toBe('a');
		expect(p.getAll('query')).toEqual(['a', 'b']);
		expect(p.getAll('match[]')).toEqual(['up']);
		expect(p.get('time')).toBe('1');
	});

	it('relabels tools\' form posts without an Origin to the read endpoints only', () => {
		const req = (url: string, headers: Record<string, string>) => ({ method: 'POST', url, headers: { ...headers } as Record<string, string | undefined> });
		const tool = req('/api/v1/query_range?x=1', { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' });
		admitToolForm(tool);
		expect(tool.headers['content-type']).toBe(TOOL_FORM_TYPE);
		const browser = req('/api/v1/query', { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' });
		admitToolForm(browser);
		expect(browser.headers['content-type']).toBe('application/x-www-form-urlencoded');
		const other = req('/api/v1/silences', { 'content-type': 'application/x-www-form-urlencoded' });
		admitToolForm(other);
		expect(other.headers['content-type']).toBe('application/x-www-form-urlencoded');
	});
});
