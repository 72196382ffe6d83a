import { describe, expect, it } from 'vitest';
import { compileSchedule, mergeIntervals, parseSchedule, parseTimeZone, type Interval, type Schedule } from './schedule';

const H = 3_600_000;
const M = 60_000;
const utc = (y: number, mo: number, d: number, h = 0, mi = 0) => Date.UTC(y, mo - 1, d, h, mi);
const iso = (list: Interval[]) => list.map((i) => `${new Date(i.start).toISOString()} - ${new Date(i.end).toISOString()}`);

function occ(schedule: unknown, zone: string, from: number, to: number): Interval[] {
	return compileSchedule(parseSchedule(schedule, zone), zone).occurrences(from, to);
}

describe('weekly windows', () => {
	const sat = { kind: 'weekly', days: ['sat'], start: '22:00', end: '02:00' };

	it('cross midnight when the end is before the start, and belong to the day they start', () => {
		expect(iso(occ(sat, 'UTC', utc(2026, 5, 2), utc(2026, 5, 4)))).toEqual(['2026-05-02T22:00:00.000Z - 2026-05-03T02:00:00.000Z']);
		// Asked from Sunday 01:00: Saturday's window still reaches into it.
		expect(iso(occ(sat, 'UTC', utc(2026, 5, 3, 1), utc(2026, 5, 3, 3)))).toEqual(['2026-05-02T22:00:00.000Z - 2026-05-03T02:00:00.000Z']);
		expect(occ(sat, 'UTC', utc(2026, 5, 3, 2), utc(2026, 5, 9, 22))).toEqual([]);
	});

	it('take several days and a whole day as 00:00-24:00', () => {
		const list = occ({ kind: 'weekly', days: ['monday', 'Wed'], start: '00:00', end: '24:00' }, 'UTC', utc(2026, 3, 1), utc(2026, 3, 8));
		expect(iso(list)).toEqual(['2026-03-02T00:00:00.000Z - 2026-03-03T00:00:00.000Z', '2026-03-04T00:00:00.000Z - 2026-03-05T00:00:00.000Z']);
	});

	it('Berlin spring forward (2026-03-29): 02:30 opens at 03:30 CEST; 02:00-03:00 is empty that night only', () => {
		const late = occ({ kind: 'weekly', days: ['sun'], start: '02:30', end: '04:00' }, 'Europe/Berlin', utc(2026, 3, 28), utc(2026, 3, 30));
		expect(iso(late)).toEqual(['2026-03-29T01:30:00.000Z - 2026-03-29T02:00:00.000Z']);
		const gap = occ({ kind: 'weekly', days: ['sun'], start: '02:00', end: '03:00' }, 'Europe/Berlin', utc(2026, 3, 20), utc(2026, 4, 6));
		expect(iso(gap)).toEqual(['2026-03-22T01:00:00.000Z - 2026-03-22T02:00:00.000Z', '2026-04-05T00:00:00.000Z - 2026-04-05T01:00:00.000Z']);
	});

	it('Berlin fall back (2026-10-25): 01:00-04:00 lasts four hours of elapsed time', () => {
		const list = occ({ kind: 'weekly', days: ['sun'], start: '01:00', end: '04:00' }, 'Europe/Berlin', utc(2026, 10, 24), utc(2026, 10, 26));
		expect(iso(list)).toEqual(['2026-10-24T23:00:00.000Z - 2026-10-25T03:00:00.000Z']);
	});

	it('New York: Saturday 22:00 to Sunday 06:00 over the spring-forward night lasts seven hours', () => {
		const list = occ({ kind: 'weekly', days: ['sat'], start: '22:00', end: '06:00' }, 'America/New_York', utc(2026, 3, 7), utc(2026, 3, 9));
		expect(iso(list)).toEqual(['2026-03-08T03:00:00.000Z - 2026-03-08T10:00:00.000Z']);
	});

	it('are cut to validFrom and validUntil (local dates in the zone)', () => {
		const list = occ({ ...sat, validFrom: '2026-05-02T23:00', validUntil: '2026-05-10' }, 'Europe/Berlin', utc(2026, 4, 1), utc(2026, 6, 1));
		expect(iso(list)).toEqual(['2026-05-02T21:00:00.000Z - 2026-05-03T00:00:00.000Z', '2026-05-09T20:00:00.000Z - 2026-05-09T22:00:00.000Z']);
	});
});

describe('cron windows', () => {
	it('open at each local time of the expression for the duration (steps, lists, names)', () => {
		const list = occ({ kind: 'cron', cron: '0 */8 * * mon,WED-thu', duration: '30m' }, 'America/New_York', utc(2026, 6, 1, 4), utc(2026, 6, 4, 4));
		// 2026-06-01 is a Monday; New York is UTC-4 in June.
		expect(iso(list)).toEqual([
			'2026-06-01T04:00:00.000Z - 2026-06-01T04:30:00.000Z',
			'2026-06-01T12:00:00.000Z - 2026-06-01T12:30:00.000Z',
			'2026-06-01T20:00:00.000Z - 2026-06-01T20:30:00.000Z',
			'2026-06-03T04:00:00.000Z - 2026-06-03T04:30:00.000Z',
			'2026-06-03T12:00:00.000Z - 2026-06-03T12:30:00.000Z',
			'2026-06-03T20:00:00.000Z - 2026-06-03T20:30:00.000Z'
		]);
	});

	it('include an occurrence that started before the range and still runs', () => {
		const list = occ({ kind: 'cron', cron: '0 23 * * *', duration: '3h' }, 'UTC', utc(2026, 1, 2, 1), utc(2026, 1, 2, 2));
		expect(iso(list)).toEqual(['2026-01-01T23:00:00.000Z - 2026-01-02T02:00:00.000Z']);
	});

	it('a 02:30 cron in Berlin fires at 03:30 CEST on the spring-forward night, and once on the fall-back night', () => {
		const spring = occ({ kind: 'cron', cron: '30 2 * * *', duration: '1h' }, 'Europe/Berlin', utc(2026, 3, 28), utc(2026, 3, 31));
		expect(spring.map((i) => new Date(i.start).toISOString())).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
		const fall = occ({ kind: 'cron', cron: '30 2 * * *', duration: '1h' }, 'Europe/Berlin', utc(2026, 10, 25), utc(2026, 10, 26));
		expect(fall.map((i) => new Date(i.start).toISOString())).toEqual(['2026-10-25T00:30:00.000Z']);
		// Two times of the skipped hour land on the same instant: one occurrence.
		const both = occ({ kind: 'cron', cron: '0 2,3 * * *', duration: '10m' }, 'Europe/Berlin', utc(2026, 3, 29), utc(2026, 3, 29, 12));
		expect(both.map((i) => new Date(i.start).toISOString())).toEqual(['2026-03-29T01:00:00.000Z']);
	});

	it('day of month OR day of week, in the zone', () => {
		const list = occ({ kind: 'cron', cron: '0 12 1 * fri', duration: '1h' }, 'UTC', utc(2026, 5, 1), utc(2026, 5, 16));
		// May 1 is a Friday; then Fridays 8 and 15.
		expect(list.map((i) => new Date(i.start).toISOString().slice(0, 10))).toEqual(['2026-05-01', '2026-05-08', '2026-05-15']);
	});
});

describe('once windows', () => {
	it('take instants or local times in the zone (a skipped local time moves forward)', () => {
		expect(parseSchedule({ kind: 'once', start: '2026-03-29T02:30', end: '2026-03-29T05:00' }, 'Europe/Berlin')).toEqual({ kind: 'once', start: utc(2026, 3, 29, 1, 30), end: utc(2026, 3, 29, 3) });
		expect(parseSchedule({ kind: 'once', start: 1_800_000_000, end: '2027-01-16T08:00:00Z' }, 'UTC')).toEqual({ kind: 'once', start: 1_800_000_000_000, end: utc(2027, 1, 16, 8) });
		const s: Schedule = { kind: 'once', start: utc(2026, 1, 1), end: utc(2026, 1, 2) };
		expect(compileSchedule(s, 'UTC').occurrences(utc(2026, 1, 1, 12), utc(2026, 1, 3))).toEqual([{ start: s.start, end: s.end }]);
		expect(compileSchedule(s, 'UTC').occurrences(utc(2026, 1, 2), utc(2026, 1, 3))).toEqual([]);
	});
});

describe('schedule refusals name the field', () => {
	it.each([
		[{ kind: 'daily' }, 'schedule.kind: expected "once", "weekly" or "cron", got "daily"'],
		[{ kind: 'once', start: '2026-01-02T00:00:00Z', end: '2026-01-01T00:00:00Z' }, 'schedule.end: must be after start'],
		[{ kind: 'once', start: '2026-02-30T10:00', end: '2026-03-01T00:00' }, 'schedule.start: "2026-02-30T10:00" is not a valid date and time'],
		[{ kind: 'once', start: 'tomorrow', end: '2026-03-01T00:00' }, 'schedule.start: expected RFC 3339'],
		[{ kind: 'weekly', days: [], start: '01:00', end: '02:00' }, 'schedule.days: expected a list of days'],
		[{ kind: 'weekly', days: ['mon', 'funday'], start: '01:00', end: '02:00' }, 'schedule.days[1]: expected one of sun, mon, tue, wed, thu, fri, sat, got "funday"'],
		[{ kind: 'weekly', days: ['mon'], start: '1:00', end: '02:00' }, 'schedule.start: expected a local time "HH:MM"'],
		[{ kind: 'weekly', days: ['mon'], start: '24:00', end: '02:00' }, 'schedule.start: expected a local time "HH:MM"'],
		[{ kind: 'weekly', days: ['mon'], start: '02:00', end: '02:00' }, 'schedule.end: must differ from start'],
		[{ kind: 'weekly', days: ['mon'], start: '02:00', end: '03:00', validFrom: '2026-02-01', validUntil: '2026-01-01' }, 'schedule.validUntil: must be after validFrom'],
		[{ kind: 'weekly', days: ['mon'], start: '02:00', end: '03:00', every: 2 }, 'schedule.every: unknown field'],
		[{ kind: 'cron', cron: '0 2 * * funday', duration: '1h' }, 'schedule.cron: day-of-week: "funday" is not a value'],
		[{ kind: 'cron', cron: '0 2 * * *', duration: 'long' }, 'schedule.duration: expected a duration such as "2h"'],
		[{ kind: 'cron', cron: '0 2 * * *', duration: '32d' }, 'schedule.duration: at most 31 days'],
		['weekly', 'schedule: expected a JSON object']
	])('%j', (schedule, message) => {
		expect(() => parseSchedule(schedule, 'Europe/Berlin')).toThrow(message);
	});

	it('an unknown time zone', () => {
		expect(() => parseTimeZone('Mars/Base')).toThrow('timeZone: unknown time zone "Mars/Base"');
		expect(() => parseTimeZone(undefined)).toThrow('timeZone: required');
		expect(parseTimeZone('america/new_york')).toBe('America/New_York');
	});
});

describe('merging intervals', () => {
	it('merges overlapping and touching intervals, in any order, keeping gaps', () => {
		expect(
			mergeIntervals([
				{ start: 50, end: 60 },
				{ start: 0, end: 10 },
				{ start: 10, end: 20 },
				{ start: 15, end: 18 },
				{ start: 30, end: 40 },
				{ start: 35, end: 55 }
			])
		).toEqual([
			{ start: 0, end: 20 },
			{ start: 30, end: 60 }
		]);
		expect(mergeIntervals([])).toEqual([]);
		// The input is not changed.
		const input = [{ start: 0, end: 5 * M }, { start: H, end: 2 * H }];
		expect(mergeIntervals(input)).toEqual(input);
		expect(mergeIntervals(input)[0]).not.toBe(input[0]);
	});
});
