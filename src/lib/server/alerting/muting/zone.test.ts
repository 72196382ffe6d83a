import { describe, expect, it } from 'vitest';
import { canonicalZone, DAY, fromLocal, localDay, toLocal, weekday, zoneOffset } from './zone';

const H = 3_600_000;
const local = (y: number, mo: number, d: number, h = 0, mi = 0) => Date.UTC(y, mo - 1, d, h, mi);

describe('zones', () => {
	it('knows IANA names (canonical spelling) and refuses others', () => {
		expect(canonicalZone('Europe/Berlin')).toBe('Europe/Berlin');
		expect(canonicalZone('UTC')).toBe('UTC');
		expect(canonicalZone('europe/berlin')).toBe('Europe/Berlin');
		expect(canonicalZone('Mars/Base')).toBeNull();
		expect(canonicalZone('')).toBeNull();
	});

	it('gives the offset at an instant, summer and winter', () => {
		expect(zoneOffset('Europe/Berlin', Date.UTC(2026, 0, 15))).toBe(H);
		expect(zoneOffset('Europe/Berlin', Date.UTC(2026, 6, 15))).toBe(2 * H);
		expect(zoneOffset('America/New_York', Date.UTC(2026, 0, 15))).toBe(-5 * H);
		expect(zoneOffset('Asia/Kolkata', Date.UTC(2026, 0, 15))).toBe(5.5 * H);
		expect(toLocal('America/New_York', Date.UTC(2026, 6, 15, 12))).toBe(local(2026, 7, 15, 8));
	});
});

describe('local time -> instant across daylight-saving changes', () => {
	it('Berlin spring forward (2026-03-29, 02:00 -> 03:00): 02:30 does not exist and moves forward by the gap', () => {
		expect(fromLocal('Europe/Berlin', local(2026, 3, 29, 1, 59))).toBe(Date.UTC(2026, 2, 29, 0, 59));
		expect(fromLocal('Europe/Berlin', local(2026, 3, 29, 2, 30))).toBe(Date.UTC(2026, 2, 29, 1, 30)); // 03:30 CEST
		expect(fromLocal('Europe/Berlin', local(2026, 3, 29, 3, 0))).toBe(Date.UTC(2026, 2, 29, 1, 0));
	});

	it('Berlin fall back (2026-10-25, 03:00 -> 02:00): 02:30 happens twice and is the first', () => {
		expect(fromLocal('Europe/Berlin', local(2026, 10, 25, 2, 30))).toBe(Date.UTC(2026, 9, 25, 0, 30)); // 02:30 CEST
		expect(fromLocal('Europe/Berlin', local(2026, 10, 25, 3, 0))).toBe(Date.UTC(2026, 9, 25, 2, 0)); // 03:00 CET
	});

	it('New York spring forward (2026-03-08) and fall back (2026-11-01)', () => {
		expect(fromLocal('America/New_York', local(2026, 3, 8, 2, 30))).toBe(Date.UTC(2026, 2, 8, 7, 30)); // 03:30 EDT
		expect(fromLocal('America/New_York', local(2026, 3, 8, 3, 0))).toBe(Date.UTC(2026, 2, 8, 7, 0));
		expect(fromLocal('America/New_York', local(2026, 11, 1, 1, 30))).toBe(Date.UTC(2026, 10, 1, 5, 30)); // 01:30 EDT
		expect(fromLocal('America/New_York', local(2026, 11, 1, 2, 0))).toBe(Date.UTC(2026, 10, 1, 7, 0)); // 02:00 EST
	});

	it('the per-day fast path agrees with fromLocal at every hour of a year (half-hour changes on Lord Howe)', () => {
		for (const zone of ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe']) {
			for (let d = local(2026, 1, 1); d < local(2027, 1, 1); d += DAY) {
				const day = localDay(zone, d);
				for (let t = d; t < d + DAY; t += zone === 'Australia/Lord_Howe' ? H / 2 : H) {
					const got = day.instant(t);
					if (got !== fromLocal(zone, t)) expect.fail(`${zone} ${new Date(t).toISOString()}: ${got} != ${fromLocal(zone, t)}`);
				}
			}
		}
	});

	it('Lord Howe moves its clocks by half an hour (2026-10-04, 02:00 -> 02:30)', () => {
		expect(fromLocal('Australia/Lord_Howe', local(2026, 10, 4, 2, 15))).toBe(Date.UTC(2026, 9, 3, 15, 45)); // 02:45 +11
	});

	it('tells the day of the week of a local day', () => {
		expect(weekday(local(2026, 3, 29, 23, 59))).toBe(0);
		expect(weekday(local(2026, 3, 30))).toBe(1);
	});
});
