/**
 * What the notifier asks before it sends: which active silences and open maintenance windows hold
 * an alert's labels. Muting holds notifications only; alert state never changes because of it.
 *
 * `loadMuting` is called about once a second: it reads both hashes in one round trip and keeps,
 * per hash, what it compiled from each entry (matchers, the window's open intervals for the hour)
 * for as long as the entry's stored text stays the same. A corrupt entry is skipped and reported
 * once (until its text changes), never thrown.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../../keys';
import type { Labels } from '../../../shared/series';
import { compileMatchers, type LabelTest } from './matchers';
import { storedWindow, windowIntervals, type Interval, type MaintenanceWindow } from './maintenance';
import { parseRecord } from './common';
import { storedSilence, type Silence } from './silences';

export interface Muting {
	/** ids of the active silences that match these labels at the time the muting was loaded */
	silencedBy(labels: Labels): string[];
	/** ids of the maintenance windows active at that time that match these labels */
	maintenanceBy(labels: Labels): string[];
}

/** Receives an entry that was skipped: which hash, its id, and what is wrong with it. */
export type BadEntry = (kind: 'silence' | 'window', id: string, problem: string) => void;

const HOUR = 3_600_000;

interface SilenceEntry {
	text: string;
	silence?: Silence;
	test?: LabelTest;
}

interface WindowEntry {
	text: string;
	window?: MaintenanceWindow;
	test?: LabelTest;
	/** Open intervals within [from, from + 1 h), computed once per hour. */
	hour?: { from: number; open: Interval[] };
}

const silenceCache = new Map<string, Map<string, SilenceEntry>>();
const windowCache = new Map<string, Map<string, WindowEntry>>();

function refresh<E extends { text: string }>(
	cacheOf: Map<string, Map<string, E>>,
	key: string,
	all: Record<string, string>,
	build: (id: string, text: string) => E
): Map<string, E> {
	const old = cacheOf.get(key) ?? new Map<string, E>();
	const next = new Map<string, E>();
	for (const [id, text] of Object.entries(all)) {
		const prev = old.get(id);
		next.set(id, prev && prev.text === text ? prev : build(id, text));
	}
	cacheOf.set(key, next);
	return next;
}

function compileSilence(id: string, text: string, onBad?: BadEntry): SilenceEntry {
	const r = parseRecord(text, storedSilence);
	if (!r.ok) {
		onBad?.('silence', id, r.problem);
		return { text };
	}
	try {
		return { text, silence: r.value, test: compileMatchers(r.value.matchers) };
	} catch (err) {
		onBad?.('silence', id, (err as Error).message);
		return { text };
	}
}

function compileWindow(id: string, text: string, onBad?: BadEntry): WindowEntry {
	const r = parseRecord(text, storedWindow);
	if (!r.ok) {
		onBad?.('window', id, r.problem);
		return { text };
	}
	return { text, window: r.value, test: compileMatchers(r.value.matchers) };
}

function openAt(e: WindowEntry, at: number): boolean {
	if (!e.hour || at < e.hour.from || at >= e.hour.from + HOUR) {
		const from = Math.floor(at / HOUR) * HOUR;
		e.hour = { from, open: windowIntervals(e.window!, from, from + HOUR) };
	}
	return e.hour.open.some((i) => i.start <= at && at < i.end);
}

/** The silences and maintenance windows in force at `at` (epoch ms), read from Redis. */
export async function loadMuting(redis: Redis, keys: Keys['alerts'], at: number, onBad?: BadEntry): Promise<Muting> {
	const res = await redis.pipeline().hgetall(keys.silences).hgetall(keys.windows).exec();
	const [sErr, sAll] = res![0]!;
	const [wErr, wAll] = res![1]!;
	if (sErr) throw sErr;
	if (wErr) throw wErr;
	const silences = refresh(silenceCache, keys.silences, sAll as Record<string, string>, (id, text) => compileSilence(id, text, onBad));
	const windows = refresh(windowCache, keys.windows, wAll as Record<string, string>, (id, text) => compileWindow(id, text, onBad));

	const activeSilences: Array<{ id: string; test: LabelTest }> = [];
	for (const [id, e] of silences) {
		if (e.silence && e.silence.startsAt <= at && at < e.silence.endsAt) activeSilences.push({ id, test: e.test! });
	}
	const openWindows: Array<{ id: string; test: LabelTest }> = [];
	for (const [id, e] of windows) {
		if (!e.window) continue;
		try {
			if (openAt(e, at)) openWindows.push({ id, test: e.test! });
		} catch (err) {
			onBad?.('window', id, (err as Error).message);
		}
	}
	activeSilences.sort((a, b) => (a.id < b.id ? -1 : 1));
	openWindows.sort((a, b) => (a.id < b.id ? -1 : 1));
	return {
		silencedBy: (labels) => activeSilences.filter((s) => s.test(labels)).map((s) => s.id),
		maintenanceBy: (labels) => openWindows.filter((w) => w.test(labels)).map((w) => w.id)
	};
}
