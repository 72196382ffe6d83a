import { describe, expect, it } from 'vitest';
import { incidentErrorStatus, parseListQuery, parseMeasuresQuery } from './incident-http';
import { IncidentConflictError, IncidentInputError, IncidentNotFoundError } from '../../alerting/incidents';

const NOW = Date.UTC(2026, 10, 15);
const q = (s: string) => new URLSearchParams(s);

describe('list query', () => {
	it('reads every filter', () => {
		expect(parseListQuery(q('from=2026-11-01T00:00:00Z&to=-1d&service=checkout&severity=critical,warning&status=open&owner=ana&q=disk&limit=20&order=asc&cursor=1700000000000.42'), NOW)).toEqual({
			ok: true,
			value: {
				from: Date.UTC(2026, 10, 1),
				to: NOW - 86_400_000,
				service: 'checkout',
				severity: ['critical', 'warning'],
				status: ['open'],
				owner: 'ana',
				q: 'disk',
				limit: 20,
				order: 'asc',
				cursor: '1700000000000.42'
			}
		});
		expect(parseListQuery(q(''), NOW)).toEqual({ ok: true, value: {} });
	});

	it('names the parameter of each problem', () => {
		const error = (s: string) => {
			const r = parseListQuery(q(s), NOW);
			return r.ok ? null : r.error;
		};
		expect(error('from=yesterday')).toMatch(/^from: expected RFC 3339/);
		expect(error('from=1700000000&to=1600000000')).toBe('to: must be after from');
		expect(error('severity=high')).toMatch(/^severity: expected one or more of info, warning, critical .*"high"/);
		expect(error('status=open,closed')).toMatch(/^status: .*"closed"/);
		expect(error('limit=0')).toMatch(/^limit: expected a whole number from 1 to 500/);
		expect(error('limit=5000')).toMatch(/^limit:/);
		expect(error('cursor=abc')).toBe('cursor: expected the nextCursor of a previous page');
		expect(error('order=up')).toMatch(/^order:/);
		expect(error('q=')).toBe('q: expected 1 to 200 characters');
		expect(error('serivce=checkout')).toMatch(/^serivce: unknown parameter/);
	});
});

describe('measures query', () => {
	it('defaults to the last 30 days; at most 5 years', () => {
		expect(parseMeasuresQuery(q(''), NOW)).toEqual({ ok: true, value: { from: NOW - 30 * 86_400_000, to: NOW } });
		expect(parseMeasuresQuery(q('from=-90d&service=search'), NOW)).toEqual({ ok: true, value: { from: NOW - 90 * 86_400_000, to: NOW, service: 'search' } });
		expect(parseMeasuresQuery(q('from=-3000d'), NOW)).toEqual({ ok: false, error: 'from: the period may be at most 5 years long' });
		expect(parseMeasuresQuery(q('limit=3'), NOW)).toMatchObject({ ok: false, error: expect.stringMatching(/^limit: unknown parameter/) });
	});
});

describe('store errors', () => {
	it('answer 404, 409 and 400; others are not the caller\'s', () => {
		expect(incidentErrorStatus(new IncidentNotFoundError('no incident INC-9'))).toEqual({ status: 404, error: 'no incident INC-9' });
		expect(incidentErrorStatus(new IncidentConflictError('INC-9 is already resolved'))).toEqual({ status: 409, error: 'INC-9 is already resolved' });
		expect(incidentErrorStatus(new IncidentInputError('text: too long'))).toEqual({ status: 400, error: 'text: too long' });
		// Told by name: an error from the other bundle is recognised too.
		const foreign = Object.assign(new Error('no incident INC-1'), { name: 'IncidentNotFoundError' });
		expect(incidentErrorStatus(foreign)?.status).toBe(404);
		expect(incidentErrorStatus(new Error('Connection is closed.'))).toBeNull();
	});
});
