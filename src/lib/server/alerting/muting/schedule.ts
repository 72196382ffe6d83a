/**
 * When a maintenance window is open: its schedule, read from the API's JSON and turned into time
 * intervals [start, end) in the window's time zone.
 *
 * - `once`: `{kind: "once", start, end}`: instants (RFC 3339, unix seconds) or local date-times
 *   (`2026-11-01T02:00`) read in the zone.
 * - `weekly`: `{kind: "weekly", days: ["sat", "sun"], start: "22:00", end: "02:00"}`: on each of
 *   the days, from start to end local time; an end before the start is on the next day (the window
 *   crosses midnight, and belongs to the day it starts); end "24:00" is the next midnight.
 * - `cron`: `{kind: "cron", cron: "0 2 * * sun", duration: "2h"}`: opens at each time the cron
 *   expression names (local time) and stays open for the duration (elapsed time).
 *
 * `weekly` and `cron` take optional `validFrom` and `validUntil` (instants, local date-times or
 * dates `2026-12-01` meaning local midnight): the window is open only between them.
 *
 * Local times that a daylight-saving change skips or repeats are read as `schedule-zone.ts` says:
 * a skipped time moves forward by the gap (02:30 on a spring-forward night in Berlin opens at
 * 03:30 CEST; a weekly 02:00-03:00 window is empty that night), a repeated one is its first
 * occurrence. Cron times behave the same, so a cron time never fires twice in a night.
 */
import { MutingInputError } from './matchers';
import { parseCron, CronError, type Cron } from './cron';
import { canonicalZone, DAY, dayOf, fromLocal, localDay, toLocal, weekday } from './zone';
import { asObject, parseInstant, parsePositiveDuration, refuseUnknown } from './common';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Longest cron window: 31 days. */
export const MAX_CRON_DURATION_MS = 31 * DAY;

export interface Validity {
	/** Epoch ms: the window opens no earlier. */
	validFrom?: number;
	/** Epoch ms: the window is closed from then on. */
	validUntil?: number;
}

export type Schedule =
	| { kind: 'once'; start: number; end: number }
	| ({ kind: 'weekly'; days: Weekday[]; start: string; end: string } & Validity)
	| ({ kind: 'cron'; cron: string; duration: string } & Validity);

/** A time interval [start, end), epoch ms. */
export interface Interval {
	start: number;
	end: number;
}

const MINUTE = 60_000;
const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** Checks a time zone name; answers its canonical spelling. */
export function parseTimeZone(value: unknown, field = 'timeZone'): string {
	if (value === undefined || value === null || value === '') throw new MutingInputError(field, 'required: an IANA time zone such as "Europe/Berlin" or "UTC"');
	if (typeof value !== 'string') throw new MutingInputError(field, 'expected an IANA time zone name such as "Europe/Berlin"');
	const zone = canonicalZone(value);
	if (!zone) throw new MutingInputError(field, `unknown time zone ${JSON.stringify(value.slice(0, 100))}`);
	return zone;
}

/** An instant, or a local date-time or date (no offset) read in the zone. */
export function parseZonedTime(value: unknown, field: string, zone: string): number {
	const m = typeof value === 'string' ? LOCAL_TIME.exec(value.trim()) : null;
	if (!m) {
		try {
			return parseInstant(value, field);
		} catch {
			throw new MutingInputError(field, `expected RFC 3339 (2026-11-01T02:00:00Z), unix seconds, or a local time in the window's zone (2026-11-01T02:00 or 2026-11-01), got ${JSON.stringify(value)?.slice(0, 80)}`);
		}
	}
	const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
	const local = Date.UTC(y, mo - 1, d, h, mi, s);
	const back = new Date(local);
	if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
		throw new MutingInputError(field, `${JSON.stringify(value)} is not a valid date and time`);
	}
	return fromLocal(zone, local);
}

function minuteOfDay(value: unknown, field: string, allow24: boolean): number {
	const m = typeof value === 'string' ? /^(\d{2}):(\d{2})$/.exec(value) : null;
	const h = m ? Number(m[1]) : NaN;
	const mi = m ? Number(m[2]) : NaN;
	if (!m || mi > 59 || h > 24 || (h === 24 && (mi !== 0 || !allow24))) {
		throw new MutingInputError(field, `expected a local time "HH:MM" (00:00 to 23:59${allow24 ? ', or 24:00 for the end of the day' : ''}), got ${JSON.stringify(value)?.slice(0, 40)}`);
	}
	return h * 60 + mi;
}

const FULL_DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

function parseDays(value: unknown, field: string): Weekday[] {
	if (!Array.isArray(value) || value.length === 0) throw new MutingInputError(field, 'expected a list of days such as ["mon", "tue"]');
	const out = new Set<Weekday>();
	value.forEach((v, i) => {
		const t = typeof v === 'string' ? v.trim().toLowerCase() : '';
		const k = (WEEKDAYS as readonly string[]).includes(t) ? WEEKDAYS.indexOf(t as Weekday) : FULL_DAYS.indexOf(t);
		if (k < 0) throw new MutingInputError(`${field}[${i}]`, `expected one of ${WEEKDAYS.join(', ')}, got ${JSON.stringify(v)?.slice(0, 40)}`);
		out.add(WEEKDAYS[k]!);
	});
	return WEEKDAYS.filter((d) => out.has(d));
}

function parseValidity(o: Record<string, unknown>, field: string, zone: string): Validity {
	const v: Validity = {};
	if (o.validFrom !== undefined && o.validFrom !== null) v.validFrom = parseZonedTime(o.validFrom, `${field}.validFrom`, zone);
	if (o.validUntil !== undefined && o.validUntil !== null) v.validUntil = parseZonedTime(o.validUntil, `${field}.validUntil`, zone);
	if (v.validFrom !== undefined && v.validUntil !== undefined && v.validUntil <= v.validFrom) throw new MutingInputError(`${field}.validUntil`, 'must be after validFrom');
	return v;
}

/** Reads a schedule from the API's JSON (local times in `zone`). */
export function parseSchedule(value: unknown, zone: string, field = 'schedule'): Schedule {
	const o = asObject(value, field);
	switch (o.kind) {
		case 'once': {
			refuseUnknown(o, ['kind', 'start', 'end'], `${field}.`);
			const start = parseZonedTime(o.start, `${field}.start`, zone);
			const end = parseZonedTime(o.end, `${field}.end`, zone);
			if (end <= start) throw new MutingInputError(`${field}.end`, 'must be after start');
			return { kind: 'once', start, end };
		}
		case 'weekly': {
			refuseUnknown(o, ['kind', 'days', 'start', 'end', 'validFrom', 'validUntil'], `${field}.`);
			const days = parseDays(o.days, `${field}.days`);
			const start = minuteOfDay(o.start, `${field}.start`, false);
			const end = minuteOfDay(o.end, `${field}.end`, true);
			if (start === end) throw new MutingInputError(`${field}.end`, 'must differ from start (a whole day is "00:00" to "24:00")');
			return { kind: 'weekly', days, start: o.start as string, end: o.end as string, ...parseValidity(o, field, zone) };
		}
		case 'cron': {
			refuseUnknown(o, ['kind', 'cron', 'duration', 'validFrom', 'validUntil'], `${field}.`);
			try {
				parseCron(o.cron as string);
			} catch (err) {
				if (err instanceof CronError) throw new MutingInputError(`${field}.cron`, err.message);
				throw err;
			}
			const ms = parsePositiveDuration(o.duration, `${field}.duration`);
			if (ms > MAX_CRON_DURATION_MS) throw new MutingInputError(`${field}.duration`, 'at most 31 days');
			return { kind: 'cron', cron: (o.cron as string).trim(), duration: o.duration as string, ...parseValidity(o, field, zone) };
		}
		default:
			throw new MutingInputError(`${field}.kind`, `expected "once", "weekly" or "cron", got ${JSON.stringify(o.kind)?.slice(0, 40)}`);
	}
}

/** A schedule made ready for repeated use: its cron parsed, its times in minutes. */
export interface CompiledSchedule {
	/** Occurrences overlapping [from, to), by start, cut to validFrom/validUntil; not cut to [from, to). */
	occurrences(from: number, to: number): Interval[];
	/** The same occurrences, passed one by one (no object each: reports over months). */
	each(from: number, to: number, emit: (start: number, end: number) => void): void;
}

const cronCache = new Map<string, Cron>();

function cronOf(text: string): Cron {
	let c = cronCache.get(text);
	if (!c) {
		c = parseCron(text);
		if (cronCache.size > 1000) cronCache.clear();
		cronCache.set(text, c);
	}
	return c;
}

type Each = (from: number, to: number, emit: (start: number, end: number) => void) => void;

/** Wraps a generator with the cut to a validity and the overlap test with [from, to). */
function compiled(v: Validity, gen: Each): CompiledSchedule {
	const lo = v.validFrom ?? -Infinity;
	const hi = v.validUntil ?? Infinity;
	const each: Each = (from, to, emit) =>
		gen(from, to, (start, end) => {
			if (start < lo) start = lo;
			if (end > hi) end = hi;
			if (end > start && end > from && start < to) emit(start, end);
		});
	return {
		each,
		occurrences(from, to) {
			const out: Interval[] = [];
			each(from, to, (start, end) => out.push({ start, end }));
			return out;
		}
	};
}

/** Compiles a stored (valid) schedule for a zone. */
export function compileSchedule(schedule: Schedule, zone: string): CompiledSchedule {
	switch (schedule.kind) {
		case 'once':
			return compiled({}, (_from, _to, emit) => emit(schedule.start, schedule.end));
		case 'weekly': {
			const start = minuteOfDay(schedule.start, 'start', false);
			const end = minuteOfDay(schedule.end, 'end', true);
			const days = new Set(schedule.days.map((d) => WEEKDAYS.indexOf(d)));
			const crosses = end <= start;
			return compiled(schedule, (from, to, emit) => {
				const first = dayOf(toLocal(zone, Math.max(from, schedule.validFrom ?? from))) - DAY;
				const last = dayOf(toLocal(zone, Math.min(to, schedule.validUntil ?? to)));
				for (let d = first; d <= last; d += DAY) {
					if (!days.has(weekday(d))) continue;
					const day = localDay(zone, d);
					const s = day.instant(d + start * MINUTE);
					const e = crosses ? localDay(zone, d + DAY).instant(d + DAY + end * MINUTE) : day.instant(d + end * MINUTE);
					if (e > s) emit(s, e);
				}
			});
		}
		case 'cron': {
			const cron = cronOf(schedule.cron);
			const duration = parsePositiveDuration(schedule.duration, 'duration');
			return compiled(schedule, (from, to, emit) => {
				const lo = Math.max(from - duration, schedule.validFrom === undefined ? -Infinity : schedule.validFrom - duration);
				const first = dayOf(toLocal(zone, lo));
				const last = dayOf(toLocal(zone, Math.min(to, schedule.validUntil ?? to)));
				let prev = -Infinity;
				for (let d = first; d <= last; d += DAY) {
					const date = new Date(d);
					if (!cron.matchesDay(date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCDay())) continue;
					const day = localDay(zone, d);
					for (const t of cron.times) {
						const s = day.instant(d + t * MINUTE);
						// Two times of a skipped hour can land on the same instant; a time is one occurrence.
						if (s <= prev) continue;
						prev = s;
						emit(s, s + duration);
					}
				}
			});
		}
	}
}

/**
 * Intervals as one flat list `[start0, end0, start1, end1, ...]`, sorted by start and merged:
 * what reports over months use, without an object per occurrence.
 */
export type Spans = number[];

/** Appends [start, end) to spans sorted by start, merging it with the last span when they meet. */
export function pushSpan(spans: Spans, start: number, end: number): void {
	const n = spans.length;
	if (n > 0 && start <= spans[n - 1]!) {
		if (end > spans[n - 1]!) spans[n - 1] = end;
	} else spans.push(start, end);
}

/** The union of several spans lists, merged pairwise: O(n log k) for k lists of n spans in all. */
export function unionSpans(lists: readonly Spans[]): Spans {
	let work = lists.filter((l) => l.length > 0);
	if (work.length === 0) return [];
	while (work.length > 1) {
		const next: Spans[] = [];
		for (let i = 0; i < work.length; i += 2) next.push(i + 1 < work.length ? unionTwo(work[i]!, work[i + 1]!) : work[i]!);
		work = next;
	}
	return work[0]!;
}

function unionTwo(a: Spans, b: Spans): Spans {
	const out: Spans = [];
	let i = 0;
	let j = 0;
	while (i < a.length && j < b.length) {
		if (a[i]! <= b[j]!) {
			pushSpan(out, a[i]!, a[i + 1]!);
			i += 2;
		} else {
			pushSpan(out, b[j]!, b[j + 1]!);
			j += 2;
		}
	}
	for (; i < a.length; i += 2) pushSpan(out, a[i]!, a[i + 1]!);
	for (; j < b.length; j += 2) pushSpan(out, b[j]!, b[j + 1]!);
	return out;
}

export function spansToIntervals(spans: Spans): Interval[] {
	const out: Interval[] = [];
	for (let i = 0; i < spans.length; i += 2) out.push({ start: spans[i]!, end: spans[i + 1]! });
	return out;
}

/** Sorts and merges overlapping or touching intervals. */
export function mergeIntervals(list: readonly Interval[]): Interval[] {
	const sorted = [...list].sort((a, b) => a.start - b.start);
	const out: Interval[] = [];
	for (const i of sorted) {
		const last = out[out.length - 1];
		if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
		else out.push({ start: i.start, end: i.end });
	}
	return out;
}
