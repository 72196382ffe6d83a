/**
 * Maintenance windows: named, scheduled times (once, weekly, or by cron, in an IANA time zone)
 * during which alerts matching the window's label matchers send no notifications, and which
 * reports count as maintenance per their declared accounting policy (`maintenanceIntervals`).
 *
 * History stays true, because reports read it:
 * - a window never covers time before it was declared (`effectiveFrom`: no retroactive
 *   maintenance);
 * - ending a window (DELETE) cuts it at now; it stays as history (`endedAt`), and is pruned two
 *   years after its last moment (the retention of the hour rollups reports read: older reports
 *   cannot be made anyway);
 * - a change of matchers, time zone or schedule to a window that has already been open ends it now
 *   and creates its replacement (new id; `replaces` / `replacedBy`), so the time it covered stays
 *   covered by what was declared then. A window not open yet, and a change of only its name or
 *   comment, change in place.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { AuditLog } from '../../audit';
import type { Keys } from '../../keys';
import type { Labels } from '../../../shared/series';
import { compileMatchers, formatMatchers, MutingInputError, parseMatchers, type Matcher } from './matchers';
import { compileSchedule, parseSchedule, parseTimeZone, pushSpan, spansToIntervals, unionSpans, WEEKDAYS, type Interval, type Schedule, type Spans } from './schedule';
import { asObject, MutingStateError, newId, parseText, RecordHash, refuseUnknown, type ChangeBy, MutingStore, type MutingStoreOptions, WRITE_ATTEMPTS } from './common';

export type { Interval, Schedule };

export type WindowState = 'active' | 'scheduled' | 'ended';
export const WINDOW_STATES: readonly WindowState[] = ['active', 'scheduled', 'ended'];

/** How long a window is kept after its last moment: two years. */
export const WINDOW_RETENTION_MS = 2 * 365 * 24 * 3_600_000;

/** How far ahead the next occurrence is looked for: five years (a cron on 29 February fires every four). */
export const NEXT_HORIZON_MS = 5 * 366 * 24 * 3_600_000;

export interface MaintenanceWindow {
	id: string;
	name: string;
	matchers: Matcher[];
	/** IANA time zone of the schedule's local times. */
	timeZone: string;
	schedule: Schedule;
	comment: string;
	createdBy: string;
	createdAt: number;
	updatedAt: number;
	updatedBy?: string;
	/** Epoch ms from which this definition holds: the window covers no time before it. */
	effectiveFrom: number;
	/** Epoch ms when it was ended (DELETE, or replaced); it covers no time from then on. */
	endedAt?: number;
	replaces?: string;
	replacedBy?: string;
	/**
	 * What customers read of it on the public status page, when set: the window is announced there
	 * while it is open or opens within the next 14 days. The name, matchers and comment never are.
	 */
	public?: PublicNotice;
}

/** A window's announcement to customers. */
export interface PublicNotice {
	title: string;
	description: string;
}

export const PUBLIC_NOTICE_TITLE_MAX = 200;
export const PUBLIC_NOTICE_DESCRIPTION_MAX = 2000;

/** A window as the API shows it. */
export interface WindowView extends MaintenanceWindow {
	state: WindowState;
	activeNow: boolean;
	/** The occurrence open now, if any. */
	current: Interval | null;
	/** The next occurrence that opens after now, if any within five years. */
	next: Interval | null;
	matchersText: string;
}

const matcherSchema = z.strictObject({ name: z.string(), op: z.enum(['=', '!=', '=~', '!~']), value: z.string() });
const validity = { validFrom: z.number().optional(), validUntil: z.number().optional() };
const scheduleSchema = z.discriminatedUnion('kind', [
	z.strictObject({ kind: z.literal('once'), start: z.number(), end: z.number() }),
	z.strictObject({ kind: z.literal('weekly'), days: z.array(z.enum(WEEKDAYS)).min(1), start: z.string(), end: z.string(), ...validity }),
	z.strictObject({ kind: z.literal('cron'), cron: z.string(), duration: z.string(), ...validity })
]);

/** The stored JSON of a window; its schedule is checked again when read (corrupt entries are skipped). */
export const storedWindow: z.ZodType<MaintenanceWindow> = z
	.strictObject({
		id: z.string(),
		name: z.string(),
		matchers: z.array(matcherSchema).min(1),
		timeZone: z.string(),
		schedule: scheduleSchema,
		comment: z.string(),
		createdBy: z.string(),
		createdAt: z.number(),
		updatedAt: z.number(),
		updatedBy: z.string().optional(),
		effectiveFrom: z.number(),
		endedAt: z.number().optional(),
		replaces: z.string().optional(),
		replacedBy: z.string().optional(),
		public: z.strictObject({ title: z.string(), description: z.string() }).optional()
	})
	.superRefine((w, ctx) => {
		try {
			compileMatchers(w.matchers);
			parseTimeZone(w.timeZone);
			compileSchedule(w.schedule, w.timeZone);
		} catch (err) {
			ctx.addIssue({ code: 'custom', message: (err as Error).message });
		}
	});

/** A window's open time within [from, to) as spans: cut to its effective span, merged. */
function windowSpans(w: MaintenanceWindow, from: number, to: number): Spans {
	const lo = Math.max(from, w.effectiveFrom);
	const hi = Math.min(to, w.endedAt ?? Infinity);
	const out: Spans = [];
	if (hi <= lo) return out;
	// Occurrences come by start: cut and merged in one pass.
	compileSchedule(w.schedule, w.timeZone).each(lo, hi, (start, end) => {
		if (start < lo) start = lo;
		if (end > hi) end = hi;
		if (end > start) pushSpan(out, start, end);
	});
	return out;
}

/** The intervals during which a window is open, within [from, to): cut to its effective span, merged. */
export function windowIntervals(w: MaintenanceWindow, from: number, to: number): Interval[] {
	return spansToIntervals(windowSpans(w, from, to));
}

/** The occurrence of a window open at `at`, or null. */
export function windowOpenAt(w: MaintenanceWindow, at: number): Interval | null {
	if (at < w.effectiveFrom || (w.endedAt !== undefined && at >= w.endedAt)) return null;
	const hi = w.endedAt ?? Infinity;
	for (const i of compileSchedule(w.schedule, w.timeZone).occurrences(at, at + 1)) {
		if (i.start <= at && at < i.end) return { start: Math.max(i.start, w.effectiveFrom), end: Math.min(i.end, hi) };
	}
	return null;
}

/** The first occurrence that opens after `after` (within NEXT_HORIZON_MS), or null. */
export function nextOccurrence(w: MaintenanceWindow, after: number): Interval | null {
	const hi = Math.min(after + NEXT_HORIZON_MS, w.endedAt ?? Infinity);
	const compiled = compileSchedule(w.schedule, w.timeZone);
	const step = 32 * 24 * 3_600_000;
	for (let from = Math.max(after, w.effectiveFrom); from < hi; from += step) {
		const to = Math.min(from + step, hi);
		for (const i of compiled.occurrences(from, to)) {
			const start = Math.max(i.start, w.effectiveFrom);
			if (start > after && start < hi) return { start, end: Math.min(i.end, hi) };
		}
	}
	return null;
}

export function windowView(w: MaintenanceWindow, now: number): WindowView {
	const current = windowOpenAt(w, now);
	const next = nextOccurrence(w, now);
	return { ...w, state: current ? 'active' : next ? 'scheduled' : 'ended', activeNow: current !== null, current, next, matchersText: formatMatchers(w.matchers) };
}

/**
 * The merged intervals, within [from, to), during which a maintenance window that matches `labels`
 * was open: what a report counts as maintenance. To ask about a service, pass `{service: "x"}`: a
 * window that also needs other labels (e.g. an alertname) does not cover the whole service and is
 * not counted. Cost: linear in the days of [from, to) per window (no per-minute iteration).
 */
export function maintenanceIntervals(windows: readonly MaintenanceWindow[], query: { from: number; to: number; labels: Labels }): Interval[] {
	const lists: Spans[] = [];
	for (const w of windows) if (compileMatchers(w.matchers)(query.labels)) lists.push(windowSpans(w, query.from, query.to));
	return spansToIntervals(unionSpans(lists));
}

/** A create or update request, checked. */
export interface WindowInput {
	name: string;
	matchers: Matcher[];
	timeZone: string;
	schedule: Schedule;
	comment: string;
	/** Absent: not announced on the public status page. */
	public?: PublicNotice;
}

const INPUT_FIELDS = ['name', 'matchers', 'timeZone', 'schedule', 'comment', 'public'] as const;

/** Reads `public`: `{title, description?}` (null or absent: not public). */
function parsePublicNotice(value: unknown): PublicNotice | undefined {
	if (value === undefined || value === null) return undefined;
	const o = asObject(value, 'public');
	refuseUnknown(o, ['title', 'description'], 'public.');
	const title = parseText(o.title, 'public.title', { required: true, max: PUBLIC_NOTICE_TITLE_MAX, hint: 'what customers read, e.g. "Scheduled payment system upgrade"' })!;
	if (/[\u0000-\u001f\u007f]/.test(title)) throw new MutingInputError('public.title', 'expected one line of printable characters');
	const description = parseText(o.description, 'public.description', { required: false, max: PUBLIC_NOTICE_DESCRIPTION_MAX }) ?? '';
	return { title, description };
}

/** Reads a create or update body: `{name, matchers, timeZone, schedule, comment?, public?}`. */
export function parseWindowInput(body: unknown): WindowInput {
	const o = asObject(body);
	refuseUnknown(o, INPUT_FIELDS);
	const name = parseText(o.name, 'name', { required: true, max: 200, hint: 'e.g. "Sunday database upkeep"' })!;
	const matchers = parseMatchers(o.matchers);
	const timeZone = parseTimeZone(o.timeZone);
	const schedule = parseSchedule(o.schedule, timeZone);
	const comment = parseText(o.comment, 'comment', { required: false, max: 2000 }) ?? '';
	const notice = parsePublicNotice(o.public);
	return { name, matchers, timeZone, schedule, comment, ...(notice ? { public: notice } : {}) };
}

/** Refuses a definition that never opens again after `now`. */
function checkFuture(w: MaintenanceWindow, now: number): void {
	if (windowOpenAt(w, now) || nextOccurrence(w, now)) return;
	if (w.schedule.kind === 'once') throw new MutingInputError('schedule.end', 'must be in the future');
	throw new MutingInputError('schedule', 'the window never opens from now on (within five years): check validUntil and the days or cron fields');
}

function sameDefinition(a: Pick<MaintenanceWindow, 'matchers' | 'timeZone' | 'schedule'>, b: Pick<MaintenanceWindow, 'matchers' | 'timeZone' | 'schedule'>): boolean {
	return formatMatchers(a.matchers) === formatMatchers(b.matchers) && a.timeZone === b.timeZone && JSON.stringify(a.schedule) === JSON.stringify(b.schedule);
}

/** The last moment a window can be open, if it has one (for pruning). */
function lastMoment(w: MaintenanceWindow): number | undefined {
	const ends = [w.endedAt, w.schedule.kind === 'once' ? w.schedule.end : w.schedule.validUntil].filter((x): x is number => x !== undefined);
	return ends.length ? Math.min(...ends) : undefined;
}

export interface MaintenanceStoreOptions extends MutingStoreOptions {
	/**
	 * How long ended windows are kept after their last moment.
	 * @defaultValue WINDOW_RETENTION_MS
	 */
	retentionMs?: number;
}

/** The maintenance windows in Redis (`keys.alerts.windows`: id -> JSON); every change is audited. */
export class MaintenanceStore extends MutingStore<MaintenanceWindow> {
	constructor(redis: Redis, keys: Keys, audit: Pick<AuditLog, 'record'>, options: MaintenanceStoreOptions = {}) {
		super(new RecordHash(redis, keys.alerts.windows, storedWindow, 'maintenance window', options.onBad), audit, options, WINDOW_RETENTION_MS);
	}

	/** Every stored window (for reports and previews), corrupt entries left out. */
	async all(): Promise<MaintenanceWindow[]> {
		return [...(await this.records.all()).values()].map((r) => r.value);
	}

	/** Windows in the given states (default active and scheduled), newest first (by creation). */
	async list(states: readonly WindowState[] = ['active', 'scheduled']): Promise<WindowView[]> {
		const now = this.now();
		return (await this.all())
			.map((w) => windowView(w, now))
			.filter((w) => states.includes(w.state))
			.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
	}

	async get(id: string): Promise<WindowView | null> {
		const r = await this.records.one(id);
		return r ? windowView(r.value, this.now()) : null;
	}

	private fresh(input: WindowInput, by: ChangeBy, now: number, replaces?: string): MaintenanceWindow {
		const w: MaintenanceWindow = { id: newId(), ...input, createdBy: by.actor, createdAt: now, updatedAt: now, effectiveFrom: now };
		if (replaces) w.replaces = replaces;
		checkFuture(w, now);
		return w;
	}

	async create(input: WindowInput, by: ChangeBy): Promise<WindowView> {
		const now = this.now();
		const w = this.fresh(input, by, now);
		if (!(await this.records.write([{ id: w.id, expected: null, value: w }]))) throw this.records.changedMeanwhile(w.id);
		await this.audit.record({ actor: by.actor, action: 'window.create', target: w.id, after: w, ip: by.ip });
		await this.prune(now);
		return windowView(w, now);
	}

	/** Changes a window as the module's comment says; answers it as it now is and the id it replaced, if any. */
	async update(id: string, input: WindowInput, by: ChangeBy): Promise<{ window: WindowView; replaced?: string }> {
		for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
			const now = this.now();
			const cur = await this.records.required(id);
			const old = cur.value;
			if (old.endedAt !== undefined || windowView(old, now).state === 'ended') {
				throw new MutingStateError(409, `maintenance window ${id} has ended: ended windows stay as history and do not change; create a new one`);
			}
			const same = sameDefinition(old, input);
			if (same || windowIntervals(old, old.effectiveFrom, now).length === 0) {
				const { public: _oldNotice, ...kept } = old;
				const next: MaintenanceWindow = { ...kept, ...input, updatedAt: now, updatedBy: by.actor, effectiveFrom: same ? old.effectiveFrom : now };
				checkFuture(next, now);
				if (!(await this.records.write([{ id, expected: cur.text, value: next }]))) continue;
				await this.audit.record({ actor: by.actor, action: 'window.update', target: id, before: old, after: next, ip: by.ip });
				return { window: windowView(next, now) };
			}
			const replacement = this.fresh(input, by, now, id);
			const ended: MaintenanceWindow = { ...old, endedAt: now, updatedAt: now, updatedBy: by.actor, replacedBy: replacement.id };
			const ok = await this.records.write([
				{ id, expected: cur.text, value: ended },
				{ id: replacement.id, expected: null, value: replacement }
			]);
			if (!ok) continue;
			await this.audit.record({ actor: by.actor, action: 'window.end', target: id, before: old, after: ended, ip: by.ip });
			await this.audit.record({ actor: by.actor, action: 'window.create', target: replacement.id, after: replacement, ip: by.ip });
			return { window: windowView(replacement, now), replaced: id };
		}
		throw this.records.changedMeanwhile(id);
	}

	/** Ends a window now (an open occurrence is cut at now); it stays as history. */
	async end(id: string, by: ChangeBy): Promise<WindowView> {
		for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
			const now = this.now();
			const cur = await this.records.required(id);
			const old = cur.value;
			if (old.endedAt !== undefined) throw new MutingStateError(409, `maintenance window ${id} has already ended (at ${new Date(old.endedAt).toISOString()})`);
			if (windowView(old, now).state === 'ended') throw new MutingStateError(409, `maintenance window ${id} has already ended: it does not open again`);
			const next: MaintenanceWindow = { ...old, endedAt: now, updatedAt: now, updatedBy: by.actor };
			if (!(await this.records.write([{ id, expected: cur.text, value: next }]))) continue;
			await this.audit.record({ actor: by.actor, action: 'window.end', target: id, before: old, after: next, ip: by.ip });
			return windowView(next, now);
		}
		throw this.records.changedMeanwhile(id);
	}

	/** Deletes windows whose last moment is older than the retention (bookkeeping, not audited). */
	async prune(now = this.now()): Promise<number> {
		return this.records.prune((w) => {
			const last = lastMoment(w);
			return last !== undefined && last < now - this.retentionMs;
		});
	}
}
