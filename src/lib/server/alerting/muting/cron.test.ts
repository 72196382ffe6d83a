import { describe, expect, it } from 'vitest';
import { parseCron } from './cron';

const hm = (times: readonly number[]) => times.map((t) => `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`);

describe('cron fields', () => {
	it('steps, ranges with steps, starts with steps and lists', () => {
		expect(hm(parseCron('*/20 1 * * *').times)).toEqual(['01:00', '01:20', '01:40']);
		expect(hm(parseCron('0 8-17/3 * * *').times)).toEqual(['08:00', '11:00', '14:00', '17:00']);
		expect(hm(parseCron('45/5 22 * * *').times)).toEqual(['22:45', '22:50', '22:55']);
		expect(hm(parseCron('0,30 2,23 * * *').times)).toEqual(['02:00', '02:30', '23:00', '23:30']);
		expect(parseCron('* * * * *').times).toHaveLength(1440);
	});

	it('month and weekday names (any case), 7 is Sunday', () => {
		const c = parseCron('0 2 * Jan,mar-APR sat-sun');
		expect(c.matchesDay(1, 10, 6)).toBe(true);
		expect(c.matchesDay(4, 12, 0)).toBe(true);
		expect(c.matchesDay(2, 14, 6)).toBe(false);
		expect(c.matchesDay(3, 11, 3)).toBe(false);
		expect(parseCron('0 0 * * 7').matchesDay(5, 3, 0)).toBe(true);
		expect(parseCron('0 0 * * mon-fri/2').matchesDay(5, 6, 3)).toBe(true); // mon, wed, fri
		expect(parseCron('0 0 * * mon-fri/2').matchesDay(5, 5, 2)).toBe(false);
	});

	it('day of month OR day of week when both are restricted, AND when one is *', () => {
		const either = parseCron('0 3 1 * mon');
		expect(either.matchesDay(6, 1, 1)).toBe(true);
		expect(either.matchesDay(6, 1, 4)).toBe(true); // the 1st, a Thursday
		expect(either.matchesDay(6, 8, 1)).toBe(true); // a Monday
		expect(either.matchesDay(6, 9, 2)).toBe(false);
		const firstOnly = parseCron('0 3 1 * *');
		expect(firstOnly.matchesDay(6, 1, 4)).toBe(true);
		expect(firstOnly.matchesDay(6, 8, 1)).toBe(false);
		const stepped = parseCron('0 3 */2 * mon'); // starts with *: both must hold
		expect(stepped.matchesDay(6, 3, 1)).toBe(true);
		expect(stepped.matchesDay(6, 3, 2)).toBe(false);
	});

	it('macros', () => {
		expect(hm(parseCron('@daily').times)).toEqual(['00:00']);
		expect(parseCron('@weekly').matchesDay(3, 4, 0)).toBe(true);
		expect(parseCron('@weekly').matchesDay(3, 5, 1)).toBe(false);
		expect(parseCron('@hourly').times).toHaveLength(24);
	});

	it.each([
		['0 2 * *', 'expected 5 fields (minute hour day-of-month month day-of-week), got 4'],
		['0 0 2 * * *', 'expected 5 fields (minute hour day-of-month month day-of-week), got 6'],
		['60 * * * *', 'minute: 60 is out of range 0-59'],
		['0 24 * * *', 'hour: 24 is out of range 0-23'],
		['0 0 0 * *', 'day-of-month: 0 is out of range 1-31'],
		['0 0 * 13 *', 'month: 13 is out of range 1-12'],
		['0 0 * * 8', 'day-of-week: 8 is out of range 0-7'],
		['0 0 * * fri2', 'day-of-week: "fri2" is not a value (a number 0-7 or a name such as mon)'],
		['0 0 * foo *', 'month: "foo" is not a value (a number 1-12 or a name such as feb)'],
		['0 5-2 * * *', 'hour: the range "5-2" runs backwards'],
		['*/0 * * * *', 'minute: the step of "*/0" must be at least 1'],
		['1,,2 * * * *', 'minute: empty item in "1,,2"'],
		['@often', 'unknown macro "@often": use one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly']
	])('refuses %j', (text, message) => {
		expect(() => parseCron(text)).toThrow(message);
	});
});
