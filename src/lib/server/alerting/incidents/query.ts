/**
 * Reading incidents in bulk: filtered lists with cursor pagination, and the measures of a period.
 *
 * Both walk a sorted set of incident ids by opened time (`active` when only unresolved incidents
 * are asked for, else the service's set when a service is named, else `byOpened`) over the asked
 * range only (ZRANGE BYSCORE ... LIMIT), and read the records of each chunk in one pipeline, so
 * listing one month out of years of history reads that month, not the years.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../../keys';
import type { Severity } from '../../rules';
import { SUMMARY_FIELDS, summaryFromHash, type IncidentStatus, type IncidentSummary } from './model';
import { measureByService, type IncidentTimes, type Measures } from './measures';

type IncidentKeys = Keys['alerts']['incidents'];

export interface IncidentQuery {
	/** Opened at or after (epoch ms). */
	from?: number;
	/** Opened before (epoch ms). */
	to?: number;
	service?: string;
	severity?: readonly Severity[];
	status?: readonly IncidentStatus[];
	owner?: string;
	/** Text to find in the title or the notes (case-insensitive). */
	q?: string;
	/** A previous page's `nextCursor`. */
	cursor?: string;
	/** Page size, 1 to 500. Default 50. */
	limit?: number;
	/** By opened time: newest first (default) or oldest first. */
	order?: 'desc' | 'asc';
}

export interface IncidentPage {
	incidents: IncidentSummary[];
	/**
	 * Where the next page starts; null at the end. A page examines at most `maxScan` incidents, so
	 * a narrow filter over a long range can give a short (even empty) page with a cursor: follow it.
	 */
	nextCursor: string | null;
}

export const MAX_LIMIT = 500;
const CURSOR = /^(\d{1,16})\.([1-9]\d{0,15})$/;

/** A position in the order: the opened time and id of the last incident examined. */
export function encodeCursor(openedAt: number, id: string): string {
	return `${openedAt}.${id}`;
}

export function decodeCursor(text: string): { score: number; id: string } | null {
	const m = CURSOR.exec(text);
	return m ? { score: Number(m[1]), id: m[2]! } : null;
}

/** Which sorted set serves a query: the smallest that holds every incident it can return. */
function indexFor(keys: IncidentKeys, q: Pick<IncidentQuery, 'service' | 'status'>): string {
	if (q.status && q.status.length > 0 && !q.status.includes('resolved')) return keys.active;
	if (q.service !== undefined) return keys.byService(q.service);
	return keys.byOpened;
}

/**
 * Walks ids of one sorted set in opened order within [from, to), after a cursor, in growing chunks.
 * Members with the same opened time come in the set's own order (by id as text; reversed when
 * descending), which the cursor follows too.
 */
async function* walk(
	redis: Redis,
	key: string,
	range: { from?: number; to?: number; order: 'asc' | 'desc'; after?: { score: number; id: string } },
	firstChunk: number
): AsyncGenerator<Array<{ id: string; score: number }>> {
	const desc = range.order === 'desc';
	let lo = range.from === undefined ? '-inf' : String(range.from);
	let hi = range.to === undefined ? '+inf' : `(${range.to}`;
	const after = range.after;
	if (after) {
		if (desc && (range.to === undefined || after.score < range.to)) hi = String(after.score);
		if (!desc && (range.from === undefined || after.score > range.from)) lo = String(after.score);
	}
	let offset = 0;
	let chunk = Math.max(1, firstChunk);
	for (;;) {
		const raw = desc
			? await redis.zrange(key, hi, lo, 'BYSCORE', 'REV', 'LIMIT', offset, chunk, 'WITHSCORES')
			: await redis.zrange(key, lo, hi, 'BYSCORE', 'LIMIT', offset, chunk, 'WITHSCORES');
		const rows: Array<{ id: string; score: number }> = [];
		for (let i = 0; i + 1 < raw.length; i += 2) {
			const id = raw[i]!;
			const score = Number(raw[i + 1]);
			// Skip what the cursor's page already examined: the same opened time, at or before its id.
			if (after && score === after.score && (desc ? id >= after.id : id <= after.id)) continue;
			rows.push({ id, score });
		}
		offset += raw.length / 2;
		if (rows.length) yield rows;
		if (raw.length / 2 < chunk) return;
		chunk = Math.min(chunk * 4, 2000);
	}
}

/** One page of incidents, newest first unless asked otherwise. */
export async function listIncidents(redis: Redis, keys: IncidentKeys, query: IncidentQuery, options: { maxScan?: number } = {}): Promise<IncidentPage> {
	const limit = Math.max(1, Math.min(query.limit ?? 50, MAX_LIMIT));
	const order = query.order ?? 'desc';
	const maxScan = options.maxScan ?? 20_000;
	const after = query.cursor !== undefined ? (decodeCursor(query.cursor) ?? undefined) : undefined;
	const needle = query.q?.trim().toLowerCase() || undefined;
	const fields = needle ? [...SUMMARY_FIELDS, 'notes'] : [...SUMMARY_FIELDS];
	const index = indexFor(keys, query);
	// A filter the index does not apply means reading more records than the page holds.
	const filtered = Boolean(query.severity?.length || query.status?.length || query.owner !== undefined || needle || (query.service !== undefined && index === keys.active));
	const out: IncidentSummary[] = [];
	let scanned = 0;
	let last: { id: string; score: number } | undefined;
	let more = false;

	const chunks = walk(redis, index, { from: query.from, to: query.to, order, after }, filtered ? limit * 4 : limit + 1);
	outer: for await (const rows of chunks) {
		const pipe = redis.pipeline();
		for (const r of rows) pipe.hmget(keys.record(r.id), ...fields);
		const res = (await pipe.exec()) ?? [];
		for (let i = 0; i < rows.length; i++) {
			if (out.length >= limit || scanned >= maxScan) {
				more = true;
				break outer;
			}
			scanned++;
			last = rows[i]!;
			const values = res[i]?.[1] as Array<string | null> | undefined;
			if (!values || values[0] === null) continue; // an index entry without a record
			const h: Record<string, string | null> = {};
			fields.forEach((f, k) => (h[f] = values[k] ?? null));
			const s = summaryFromHash(h);
			if (query.service !== undefined && s.service !== query.service) continue;
			if (query.severity?.length && !query.severity.includes(s.severity)) continue;
			if (query.status?.length && !query.status.includes(s.status)) continue;
			if (query.owner !== undefined && s.owner !== query.owner) continue;
			if (needle && !s.title.toLowerCase().includes(needle) && !(h.notes ?? '').toLowerCase().includes(needle)) continue;
			out.push(s);
		}
		if (out.length >= limit || scanned >= maxScan) {
			// Is there anything after the last one examined? Peek at the next chunk's first member.
			const next = await chunks.next();
			more = !next.done;
			break;
		}
	}
	await chunks.return(undefined);
	return { incidents: out, nextCursor: more && last ? encodeCursor(last.score, last.id) : null };
}

export interface PeriodMeasures {
	from: number;
	to: number;
	/** Only this service's incidents, when one was asked for. */
	service?: string;
	overall: Measures;
	services: Array<{ service: string } & Measures>;
}

const TIME_FIELDS = ['service', 'status', 'openedAt', 'acknowledgedAt', 'resolvedAt'] as const;

/** The measures of the incidents opened in [from, to), overall and per service. */
export async function readMeasures(redis: Redis, keys: IncidentKeys, q: { from: number; to: number; service?: string }): Promise<PeriodMeasures> {
	const key = q.service !== undefined ? keys.byService(q.service) : keys.byOpened;
	const times: IncidentTimes[] = [];
	for await (const rows of walk(redis, key, { from: q.from, to: q.to, order: 'asc' }, 2000)) {
		const pipe = redis.pipeline();
		for (const r of rows) pipe.hmget(keys.record(r.id), ...TIME_FIELDS);
		for (const [, v] of (await pipe.exec()) ?? []) {
			const [service, status, openedAt, acknowledgedAt, resolvedAt] = (v as Array<string | null>) ?? [];
			if (status === null || status === undefined) continue;
			const t: IncidentTimes = { service: service ?? '', status: status as IncidentStatus, openedAt: Number(openedAt) };
			if (acknowledgedAt) t.acknowledgedAt = Number(acknowledgedAt);
			if (resolvedAt) t.resolvedAt = Number(resolvedAt);
			times.push(t);
		}
	}
	const m = measureByService(times);
	return { from: q.from, to: q.to, ...(q.service !== undefined ? { service: q.service } : {}), ...m };
}
