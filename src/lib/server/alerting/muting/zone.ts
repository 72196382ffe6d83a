/**
 * Wall-clock time in an IANA time zone, for maintenance-window schedules: validating a zone name,
 * the zone's UTC offset at an instant, and the instant of a local date and time.
 *
 * Local times are handled as "local ms": the epoch ms the wall-clock reading would have if the zone
 * were UTC (`Date.UTC(y, m, d, h, mi)`), so calendar arithmetic is plain UTC Date arithmetic and
 * only the last step, local -> instant, knows about the zone.
 *
 * Daylight-saving transitions follow Temporal's "compatible" disambiguation (what most calendars
 * and `new Date(y, m, d, h, mi)` in a browser do):
 * - a local time that does not exist (skipped by a spring-forward change, e.g. 02:30 on
 *   2026-03-29 in Europe/Berlin) is moved forward by the length of the gap: 02:30 -> 03:30 CEST;
 * - a local time that happens twice (a fall-back change, e.g. 02:30 on 2026-10-25 in Berlin) is
 *   the first of the two (02:30 CEST, not 02:30 CET).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
	let f = formatters.get(zone);
	if (!f) {
		f = new Intl.DateTimeFormat('en-US', {
			timeZone: zone,
			hourCycle: 'h23',
			year: 'numeric',
			month: 'numeric',
			day: 'numeric',
			hour: 'numeric',
			minute: 'numeric',
			second: 'numeric',
			era: 'short'
		});
		if (formatters.size > 500) formatters.clear();
		formatters.set(zone, f);
	}
	return f;
}

/** The canonical spelling of an IANA zone name (e.g. `europe/berlin` -> `Europe/Berlin`), or null when Intl does not know it. */
export function canonicalZone(zone: string): string | null {
	if (typeof zone !== 'string' || zone.length === 0 || zone.length > 100) return null;
	try {
		return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
	} catch {
		return null;
	}
}

/** The zone's offset from UTC at an instant, in ms (Berlin in summer: +7,200,000). Whole seconds. */
export function zoneOffset(zone: string, instant: number): number {
	// Offsets are whole seconds (historic ones too); Intl rounds the instant down to the second.
	const t = Math.floor(instant / 1000) * 1000;
	let y = 0;
	let mo = 0;
	let d = 0;
	let h = 0;
	let mi = 0;
	let s = 0;
	let bc = false;
	for (const p of formatter(zone).formatToParts(t)) {
		switch (p.type) {
			case 'year':
				y = Number(p.value);
				break;
			case 'month':
				mo = Number(p.value);
				break;
			case 'day':
				d = Number(p.value);
				break;
			case 'hour':
				h = Number(p.value);
				break;
			case 'minute':
				mi = Number(p.value);
				break;
			case 'second':
				s = Number(p.value);
				break;
			case 'era':
				bc = p.value === 'BC' || p.value === 'B';
				break;
		}
	}
	const local = Date.UTC(bc ? 1 - y : y, mo - 1, d, h, mi, s);
	return local - t;
}

/** The wall-clock reading (as local ms) of an instant in a zone. */
export function toLocal(zone: string, instant: number): number {
	return instant + zoneOffset(zone, instant);
}

/**
 * The instant of a wall-clock reading in a zone, with the disambiguation described above. Assumes
 * at most one offset change within a day of the reading (true of every real zone).
 */
export function fromLocal(zone: string, local: number): number {
	const before = zoneOffset(zone, local - DAY);
	const after = zoneOffset(zone, local + DAY);
	if (before === after) {
		// No change near this time, unless one sits inside the two days: check the one candidate.
		const t = local - before;
		const o = zoneOffset(zone, t);
		if (o === before) return t;
		return fromLocalChanging(zone, local, before, o);
	}
	return fromLocalChanging(zone, local, before, after);
}

function fromLocalChanging(zone: string, local: number, before: number, after: number): number {
	const early = local - before;
	const late = local - after;
	const earlyOk = zoneOffset(zone, early) === before;
	const lateOk = zoneOffset(zone, late) === after;
	if (earlyOk && lateOk) return Math.min(early, late); // happens twice: the first
	if (earlyOk) return early;
	if (lateOk) return late;
	// Skipped: read with the offset in force before the change, i.e. moved forward by the gap.
	return early;
}

/** A zone's offset over one local day, for callers converting many times of the same day. */
export interface LocalDay {
	/** Local ms of the day's midnight. */
	start: number;
	/** The instant of a local time of that day or the next (local ms), as `fromLocal` answers. */
	instant(local: number): number;
}

const days = new Map<string, LocalDay>();

/**
 * The local day that starts at `dayStart` (local ms of a midnight), its conversions in constant
 * time: when the zone's offset is the same from a day before to a day after it (a day's instants
 * lie within 14 h of its local times), by one subtraction; otherwise from the one offset change
 * in that span, found once by bisection. Days are cached (a report asks the same days per window).
 */
export function localDay(zone: string, dayStart: number): LocalDay {
	const key = `${zone} ${dayStart}`;
	let day = days.get(key);
	if (day) return day;
	const lo = dayStart - DAY;
	const hi = dayStart + 2 * DAY;
	const before = zoneOffset(zone, lo);
	const after = zoneOffset(zone, hi);
	if (before === after) {
		day = { start: dayStart, instant: (local) => local - before };
	} else {
		// The first second at which the new offset holds (zones change once within three days at most).
		let a = lo;
		let b = hi;
		while (b - a > 1000) {
			const mid = a + Math.floor((b - a) / 2000) * 1000;
			if (zoneOffset(zone, mid) === before) a = mid;
			else b = mid;
		}
		const change = b;
		day = {
			start: dayStart,
			instant(local) {
				const early = local - before;
				const late = local - after;
				const earlyOk = early < change;
				const lateOk = late >= change;
				if (earlyOk && lateOk) return Math.min(early, late);
				if (lateOk) return late;
				return early;
			}
		};
	}
	if (days.size > 20_000) days.clear();
	days.set(key, day);
	return day;
}

/** Local ms of the midnight that starts the local day holding `local`. */
export function dayOf(local: number): number {
	return Math.floor(local / DAY) * DAY;
}

/** Day of the week of a local day: 0 = Sunday ... 6 = Saturday. */
export function weekday(local: number): number {
	return new Date(dayOf(local)).getUTCDay();
}
