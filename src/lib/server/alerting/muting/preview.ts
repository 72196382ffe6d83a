/**
 * Previews, written nowhere: which current alerts a silence or a maintenance window would match,
 * and when a window would open. The API's `preview` routes answer these.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../../keys';
import { currentAlerts, type CurrentAlert } from '../state';
import { windowOpenAt, nextOccurrence, type Interval, type MaintenanceWindow } from './maintenance';
import { parseSchedule, parseTimeZone } from './schedule';
import { compileMatchers, formatMatchers, MutingInputError, parseMatchers, type Matcher } from './matchers';
import { asObject, parseInstant, parsePositiveDuration, refuseUnknown } from './common';
import { silenceSpan, silenceState, type SilenceState } from './silences';

export interface MatchPreview {
	matchers: Matcher[];
	matchersText: string;
	/** The current alerts (not inactive) the matchers match. */
	alerts: CurrentAlert[];
	/** How many current alerts there are in all. */
	alertsTotal: number;
}

async function matching(redis: Redis, keys: Keys, matchers: Matcher[]): Promise<MatchPreview> {
	const test = compileMatchers(matchers);
	const all = await currentAlerts(redis, keys);
	return { matchers, matchersText: formatMatchers(matchers), alerts: all.filter((a) => test(a.labels)), alertsTotal: all.length };
}

/**
 * Body `{matchers, startsAt?, endsAt? | duration?}`: the alerts a silence would match now, and the
 * span and state it would have (times are checked as a create checks them).
 */
export async function previewSilence(
	redis: Redis,
	keys: Keys,
	body: unknown,
	now: number
): Promise<MatchPreview & { startsAt: number; endsAt: number | null; state: SilenceState | null }> {
	const o = asObject(body);
	refuseUnknown(o, ['matchers', 'startsAt', 'endsAt', 'duration']);
	const matchers = parseMatchers(o.matchers);
	const startsAt = o.startsAt === undefined || o.startsAt === null ? undefined : parseInstant(o.startsAt, 'startsAt');
	const endsAt = o.endsAt === undefined || o.endsAt === null ? undefined : parseInstant(o.endsAt, 'endsAt');
	const durationMs = o.duration === undefined || o.duration === null ? undefined : parsePositiveDuration(o.duration, 'duration');
	if (endsAt !== undefined && durationMs !== undefined) throw new MutingInputError('duration', 'give endsAt or duration, not both');
	let span: { startsAt: number; endsAt: number | null };
	if (endsAt === undefined && durationMs === undefined) span = { startsAt: Math.max(startsAt ?? now, now), endsAt: null };
	else span = silenceSpan({ startsAt, endsAt, durationMs }, now);
	const state = span.endsAt === null ? null : silenceState({ startsAt: span.startsAt, endsAt: span.endsAt }, now);
	return { ...(await matching(redis, keys, matchers)), ...span, state };
}

/** Most occurrences a window preview lists. */
export const MAX_PREVIEW_OCCURRENCES = 50;

/**
 * Body `{matchers, timeZone?, schedule?, count?}`: the alerts a window would match now and, with
 * a schedule (and its time zone), whether it would be open now and its next `count` (default 5)
 * occurrences, the open one first.
 */
export async function previewWindow(
	redis: Redis,
	keys: Keys,
	body: unknown,
	now: number
): Promise<MatchPreview & { activeNow: boolean | null; occurrences: Interval[] }> {
	const o = asObject(body);
	refuseUnknown(o, ['matchers', 'timeZone', 'schedule', 'count', 'name', 'comment']);
	const matchers = parseMatchers(o.matchers);
	let count = 5;
	if (o.count !== undefined) {
		if (typeof o.count !== 'number' || !Number.isInteger(o.count) || o.count < 1 || o.count > MAX_PREVIEW_OCCURRENCES) {
			throw new MutingInputError('count', `expected a whole number from 1 to ${MAX_PREVIEW_OCCURRENCES}`);
		}
		count = o.count;
	}
	let activeNow: boolean | null = null;
	const occurrences: Interval[] = [];
	if (o.schedule !== undefined) {
		const timeZone = parseTimeZone(o.timeZone);
		const schedule = parseSchedule(o.schedule, timeZone);
		const w: MaintenanceWindow = { id: 'preview', name: '', matchers, timeZone, schedule, comment: '', createdBy: '', createdAt: now, updatedAt: now, effectiveFrom: now };
		const open = windowOpenAt(w, now);
		activeNow = open !== null;
		if (open) occurrences.push(open);
		let after = now;
		while (occurrences.length < count) {
			const next = nextOccurrence(w, after);
			if (!next) break;
			occurrences.push(next);
			after = next.start;
		}
	} else if (o.timeZone !== undefined) parseTimeZone(o.timeZone);
	return { ...(await matching(redis, keys, matchers)), activeNow, occurrences };
}
