/**
 * The Redis store's write path. Per series and per write it costs one group in one script call:
 * one APPEND of a record to the open raw chunk (a point record of a few bytes for a scrape's single
 * sample, coded against the sample before it), one SETRANGE of the minute's running rollup record,
 * and the state hash's read and update. Everything else is known in the process, per series, from
 * what it stored last: the sample before the next one (for point records), the running minute
 * aggregate, whether its hour is in the open-bucket set, whether it is indexed. The script stores a
 * group only if the series' stored last time is the one this process expects, so what the process
 * knows is checked on every write; when it is not (another writer, a retry, a series dropped as
 * expired), the group is refused, the process forgets what it knew of that series and sends it
 * again coded from scratch.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { pipelineFor } from '../redis';
import type { Counter } from 'prom-client';
import { seriesId, type Labels } from '../../shared/series';
import type { Logger } from '../log';
import { encodeValue } from '../samples';
import { encodeBlock } from './codec/block';
import { ByteWriter } from './codec/bytes';
import { encodePoint, type PointPrev } from './codec/point';
import { addSample, emptyAgg, mergeAgg, type Agg } from './codec/rollup';
import { addProblem, filterSamples, validateArrays, validateSeries, withinLabelLimits } from './prepare';
import { MINUTE_SPAN } from './query';
import { fullLabels, sidOf } from './series-id';
import { DAY, emptyRejections, HOUR, MINUTE, REJECT_REASONS, type Retention, type SeriesSamples, type WriteOptions, type WriteResult } from './types';

/** Live entries carry every accepted sample up to this many per write, else the last per series. */
const LIVE_FULL_LIMIT = 2000;
/** Groups per write-script call, and a soft cap on its argument size. */
const GROUPS_PER_CALL = 512;
const BYTES_PER_CALL = 1 << 20;
/**
 * An open raw chunk is rewritten compactly (as one block, as sealing does) when its length passes
 * this many bytes, and again each time it doubles: a few rewrites an hour, so the hour not yet
 * sealed costs about what a sealed one does plus its newest points.
 */
export const COMPACT_FROM_BYTES = 2048;
/** Bytes of a group's fixed header in the write script's argument (see WRITE_SCRIPT). */
const HEAD = 63;

/** What the writer needs of the store: its client, settings, keys and metrics. */
export interface WriterDeps {
	redis: Redis;
	retention: Retention;
	chunkMs: number;
	now: () => number;
	sealGraceMs: number;
	maxSeriesPerMetric: number;
	limits: { maxSeries: number; maxLabelsPerSeries: number; maxLabelLength: number };
	/**
	 * The live-tail stream. `select` says which series screens can show (their boards' selectors):
	 * only those are copied to the stream, so its size follows the boards, not the scrapes. Without
	 * it every series is copied.
	 */
	live: { key: string | null; maxLen: number; maxBytes: number; select?: (name: string, labels: Labels) => boolean };
	stateKey: (sid: string) => string;
	postingsKey: (label: string, value: string) => string;
	allKey: string;
	sealKey: string;
	/**
	 * On a Redis Cluster: the hash-tag bucket of a series' keys. A write-script call then carries
	 * series of one bucket only, and new series are admitted in two steps (see ADMIT_ONE_SCRIPT).
	 */
	tagOf?: (sid: string) => number;
	queueIndex: (pipe: ChainableCommander, sid: string, labels: Labels) => void;
	log?: Logger;
	metrics?: { written: Counter; rejected: Counter<'reason'>; created: Counter };
}

/** What this process knows of a series it writes. */
interface Known {
	sid: string;
	name: string;
	labels: Labels;
	state: string;
	indexed: boolean;
	/** The stored last time (-Infinity none); undefined until learned. */
	lastTs: number | undefined;
	/** The last sample stored and its chunk, to code the next point record against; null unknown. */
	prev: PointPrev | null;
	prevChunk: number;
	/** The running rollup of minute `aggMinute` (its start), whole when it holds every stored sample of that minute. */
	aggMinute: number;
	agg: Agg;
	aggWhole: boolean;
	/** The hour this process put in the series' open-bucket set. */
	openHour: number;
	/** The sampling interval stored in the state hash, and the one to store with the next group. */
	iv: number | undefined;
	ivNext: number | undefined;
	/** Whether its points go to the live tail (live.select's verdict, asked once). */
	live?: boolean;
}

interface Group {
	k: Known;
	chunk: number;
	ts: ArrayLike<number>;
	values: ArrayLike<number>;
	stale?: number[];
	/** Bytes of its raw record, and the series' last time it expected stored (-1 none), set when packed. */
	bytes: number;
	expect: number;
}

interface Stored extends Group {
	created: number;
	length: number;
}

type WriteCall = (numKeys: number, ...args: Array<string | Buffer>) => Promise<Array<number | string>>;

interface AdmitCalls {
	vigilTsAdmit(key: string, all: string, sid: string, limit: number, limitAll: number): unknown;
	vigilTsAdmitOne(key: string, sid: string, limit: number): unknown;
}

async function exec(pipe: ChainableCommander): Promise<unknown[]> {
	const res = (await pipe.exec()) ?? [];
	return res.map(([err, value]) => {
		if (err) throw err;
		return value;
	});
}

function forgetState(k: Known): void {
	k.prev = null;
	k.prevChunk = -1;
	k.aggMinute = -1;
	k.aggWhole = false;
	k.openHour = -1;
	k.iv = undefined;
}

/** The compaction level of a raw chunk of `len` bytes: -1 below COMPACT_FROM_BYTES, then +1 per doubling. */
function compactLevel(len: number): number {
	return len < COMPACT_FROM_BYTES ? -1 : Math.floor(Math.log2(len / COMPACT_FROM_BYTES));
}

function writeRecord(w: ByteWriter, a: Agg): void {
	w.u32(a.count);
	w.f64(a.min);
	w.f64(a.max);
	w.f64(a.sum);
	w.f64(a.last);
}

export class RedisWriter {
	/** What this process knows of each series it writes, by the series' canonical text. */
	private readonly known = new Map<string, Known>();
	/** The canonical text of each known series, by series id. */
	private readonly textOf = new Map<string, string>();
	private readonly out = new ByteWriter(1 << 16);

	constructor(private readonly d: WriterDeps) {}

	/** Forgets everything known of every series (Redis may have lost data). */
	forget(): void {
		this.known.clear();
		this.textOf.clear();
	}

	/** Forgets series dropped from the index. */
	dropped(sids: Iterable<string>): void {
		for (const sid of sids) {
			const text = this.textOf.get(sid);
			if (text === undefined) continue;
			this.known.delete(text);
			this.textOf.delete(sid);
		}
	}

	async write(series: SeriesSamples[], options: WriteOptions = {}): Promise<WriteResult> {
		const result: WriteResult = { accepted: 0, rejected: emptyRejections(), problems: [] };
		const retry = options.retry ?? false;
		const items = this.resolve(series, result);
		const pipe = pipelineFor(this.d.redis);
		const refused = await this.learn(items, retry, pipe, result);
		const groups = this.split(items, refused, retry, result);
		let stored: Stored[];
		let reborn: Known[];
		try {
			({ stored, reborn } = await this.store(pipe, groups, retry, result));
		} catch (err) {
			// The outcome is unknown: learn each series' state again before the next write.
			for (const { k } of items) {
				k.lastTs = undefined;
				forgetState(k);
			}
			throw err;
		}
		for (const { k } of items) if (!refused.has(k)) k.indexed = true;
		if (reborn.length) await this.indexAgain(reborn);
		await this.announce(stored);
		this.d.metrics?.written.inc(result.accepted);
		for (const reason of REJECT_REASONS) if (result.rejected[reason]) this.d.metrics?.rejected.inc({ reason }, result.rejected[reason]);
		return result;
	}

	/** The series of a write that may be stored, each with what is known of it. */
	private resolve(series: SeriesSamples[], result: WriteResult): Array<{ s: SeriesSamples; k: Known }> {
		const items: Array<{ s: SeriesSamples; k: Known }> = [];
		for (const s of series) {
			const text = s.id ?? seriesId(s.name, s.labels);
			let k = this.known.get(text);
			// Names of series already known were checked then; the arrays are checked every time.
			if (!(k ? validateArrays(s, result) : validateSeries(s, result) && withinLabelLimits(s, this.d.limits, result))) continue;
			if (!k) {
				const sid = sidOf(s.name, s.labels, text);
				k = { sid, name: s.name, labels: s.labels, state: this.d.stateKey(sid), indexed: false, lastTs: undefined, prev: null, prevChunk: -1, aggMinute: -1, agg: emptyAgg(), aggWhole: false, openHour: -1, iv: undefined, ivNext: undefined };
				this.known.set(text, k);
				this.textOf.set(sid, text);
			}
			items.push({ s, k });
		}
		return items;
	}

	/**
	 * Learns the stored last time of series this process does not know (all of them on a retry) and
	 * admits new series (the cardinality guard), in one round trip; queues the index entries of
	 * admitted ones on `pipe`. Returns the refused series.
	 */
	private async learn(items: Array<{ s: SeriesSamples; k: Known }>, retry: boolean, pipe: ChainableCommander, result: WriteResult): Promise<Map<Known, 'cardinality' | 'series_limit'>> {
		const refused = new Map<Known, 'cardinality' | 'series_limit'>();
		const unknown = new Set<Known>();
		const fresh = new Set<Known>();
		for (const { k } of items) {
			if (retry || k.lastTs === undefined) unknown.add(k);
			if (!k.indexed) fresh.add(k);
		}
		if (!unknown.size && !fresh.size) return refused;
		const ask = pipelineFor(this.d.redis);
		for (const k of unknown) ask.hget(k.state, 'lt');
		const admit = ask as unknown as AdmitCalls;
		for (const k of fresh) {
			const postings = this.d.postingsKey('__name__', k.name);
			if (this.d.tagOf) admit.vigilTsAdmitOne(postings, k.sid, this.d.maxSeriesPerMetric);
			else admit.vigilTsAdmit(postings, this.d.allKey, k.sid, this.d.maxSeriesPerMetric, this.d.limits.maxSeries);
		}
		const answers = await exec(ask);
		let i = 0;
		for (const k of unknown) {
			const lt = answers[i++] as string | null;
			const stored = lt === null ? -Infinity : Number(lt);
			if (stored !== k.lastTs) forgetState(k);
			k.lastTs = stored;
		}
		const verdicts = answers.slice(i) as number[];
		if (this.d.tagOf) await this.admitInAll([...fresh], verdicts);
		i = 0;
		for (const k of fresh) {
			const admitted = verdicts[i++]!;
			if (admitted > 0) {
				this.d.queueIndex(pipe, k.sid, fullLabels(k.name, k.labels));
				if (admitted === 2) this.d.metrics?.created.inc();
				continue;
			}
			refused.set(k, admitted === 0 ? 'cardinality' : 'series_limit');
			addProblem(
				result,
				admitted === 0
					? `${k.name}: has ${this.d.maxSeriesPerMetric} series, the most allowed per metric (tsdb.maxSeriesPerMetric); new series are refused`
					: `${k.name}: the store holds ${this.d.limits.maxSeries} series, the most allowed (tsdb.maxSeries); new series are refused, stored ones are kept`
			);
		}
		return refused;
	}

	/**
	 * The second step of admission on a cluster: series new to their metric's posting set join the
	 * set of all series unless it is full; a refused one leaves the posting set again. Updates
	 * `verdicts` (ADMIT_SCRIPT's answers) in place.
	 */
	private async admitInAll(fresh: Known[], verdicts: number[]): Promise<void> {
		const added = fresh.flatMap((k, i) => (verdicts[i] === 2 ? [i] : []));
		if (!added.length) return;
		const all = pipelineFor(this.d.redis);
		for (const i of added) (all as unknown as AdmitCalls).vigilTsAdmitOne(this.d.allKey, fresh[i]!.sid, this.d.limits.maxSeries);
		const answers = (await exec(all)) as number[];
		const undo = pipelineFor(this.d.redis);
		added.forEach((i, j) => {
			if (answers[j] !== 0) return;
			verdicts[i] = -1;
			undo.srem(this.d.postingsKey('__name__', fresh[i]!.name), fresh[i]!.sid);
		});
		if (undo.length) await exec(undo);
	}

	/** Splits what may be stored into groups of one series and one raw chunk each. */
	private split(items: Array<{ s: SeriesSamples; k: Known }>, refused: Map<Known, string>, retry: boolean, result: WriteResult): Group[] {
		const groups: Group[] = [];
		const cutoff = this.d.now() - this.d.retention.raw;
		const chunkMs = this.d.chunkMs;
		for (const { s, k } of items) {
			const refusal = refused.get(k) as 'cardinality' | 'series_limit' | undefined;
			if (refusal) {
				result.rejected[refusal] += s.ts.length;
				continue;
			}
			if (s.intervalMs !== undefined) k.ivNext = s.intervalMs;
			const kept = filterSamples(s, cutoff, k.lastTs ?? -Infinity, result, retry);
			this.chunkGroups(k, kept, chunkMs, groups);
		}
		return groups;
	}

	private chunkGroups(k: Known, kept: { ts: number[]; values: number[]; stale?: number[] }, chunkMs: number, groups: Group[]): void {
		const n = kept.ts.length;
		if (n === 0) return;
		const first = Math.floor(kept.ts[0]! / chunkMs);
		if (first === Math.floor(kept.ts[n - 1]! / chunkMs)) {
			// One chunk (a scrape's single sample): the kept arrays as they are. No spread in the literal:
			// it made each group a copied object, a twelfth of a scrape's garbage.
			const g: Group = { k, chunk: first, ts: kept.ts, values: kept.values, bytes: 0, expect: -1 };
			if (kept.stale) g.stale = kept.stale;
			groups.push(g);
			return;
		}
		let start = 0;
		for (let i = 1; i <= n; i++) {
			const chunk = Math.floor(kept.ts[start]! / chunkMs);
			if (i === n || Math.floor(kept.ts[i]! / chunkMs) !== chunk) {
				const g: Group = { k, chunk, ts: kept.ts.slice(start, i), values: kept.values.slice(start, i), bytes: 0, expect: -1 };
				const stale = kept.stale?.filter((x) => x >= start && x < i).map((x) => x - start);
				if (stale?.length) g.stale = stale;
				groups.push(g);
				start = i;
			}
		}
	}

	/**
	 * Runs the write script over the groups (many per call) with `pipe` (the index entries of new
	 * series); refused groups (the series' stored state was not what this process knew) are
	 * refiltered against what is stored and sent again. Returns the stored groups, and the series
	 * found gone although this process had stored them (dropped as expired meanwhile).
	 */
	private async store(pipe: ChainableCommander, groups: Group[], retry: boolean, result: WriteResult): Promise<{ stored: Stored[]; reborn: Known[] }> {
		const stored: Stored[] = [];
		const reborn = new Set<Known>();
		let pending = groups;
		for (let round = 0; round < 3; round++) {
			// On a cluster a call carries one bucket's series: the groups go bucket by bucket (a
			// series' groups keep their order, the sort being stable).
			const tagOf = this.d.tagOf;
			if (tagOf) pending = pending.map((g) => ({ g, t: tagOf(g.k.sid) })).sort((a, b) => a.t - b.t).map(({ g }) => g);
			const calls = this.pack(pending);
			const write = pipe as unknown as { vigilTsWrite: WriteCall };
			for (const c of calls) write.vigilTsWrite(c.keys.length, ...c.keys, retry ? '1' : '0', c.blob);
			if (pipe.length === 0) break;
			const skip = pipe.length - calls.length;
			const replies = (await exec(pipe)).slice(skip) as Array<Array<number | string>>;
			pipe = pipelineFor(this.d.redis);
			const again: Group[] = [];
			let at = 0;
			for (const reply of replies) {
				for (const answer of reply) {
					const g = pending[at++]!;
					if (typeof answer === 'number') {
						result.accepted += g.ts.length;
						stored.push(Object.assign(g, { created: answer % 4, length: Math.floor(answer / 4) }));
						continue;
					}
					const done = answer.startsWith('S');
					const lt = done ? answer.slice(1) : answer;
					const k = g.k;
					if (!done && lt === '-1' && g.expect !== -1 && k.indexed) reborn.add(k);
					k.lastTs = lt === '-1' ? -Infinity : Number(lt);
					forgetState(k);
					if (done) {
						result.accepted += g.ts.length;
						continue;
					}
					const kept = filterSamples({ name: k.name, labels: {}, ts: g.ts, values: g.values, ...(g.stale ? { stale: g.stale } : {}) }, -Infinity, k.lastTs, result, retry);
					if (kept.ts.length) again.push({ k, chunk: g.chunk, ts: kept.ts, values: kept.values, ...(kept.stale ? { stale: kept.stale } : {}), bytes: 0, expect: -1 });
				}
			}
			pending = again;
			if (!pending.length) break;
		}
		for (const g of pending) result.rejected.out_of_order += g.ts.length;
		return { stored, reborn: [...reborn] };
	}

	/** Packs groups into write-script calls (see WRITE_SCRIPT), moving each series' known state on as if stored. */
	private pack(groups: Group[]): Array<{ keys: string[]; blob: Buffer }> {
		const calls: Array<{ keys: string[]; blob: Buffer }> = [];
		const w = this.out;
		let keys: string[] = [];
		w.pos = 0;
		const flush = () => {
			if (keys.length) calls.push({ keys, blob: Buffer.from(w.buf.subarray(0, w.pos)) });
			keys = [];
			w.pos = 0;
		};
		const now = this.d.now();
		let tag = -1;
		for (const g of groups) {
			const t = this.d.tagOf ? this.d.tagOf(g.k.sid) : -1;
			if (keys.length >= GROUPS_PER_CALL || w.pos >= BYTES_PER_CALL || t !== tag) flush();
			tag = t;
			keys.push(g.k.state);
			this.packGroup(w, g, now);
		}
		flush();
		return calls;
	}

	private packGroup(w: ByteWriter, g: Group, now: number): void {
		const { k, ts, values } = g;
		const n = ts.length;
		const chunkStart = g.chunk * this.d.chunkMs;
		const hour = Math.floor(ts[0]! / HOUR);
		const day = Math.floor(ts[0]! / DAY);
		const expect = k.lastTs === undefined || k.lastTs === -Infinity ? -1 : k.lastTs;
		const lastStale = g.stale !== undefined && g.stale[g.stale.length - 1] === n - 1;
		w.f64(ts[0]!);
		w.f64(ts[n - 1]!);
		w.f64(expect);
		w.f64(chunkStart + this.d.chunkMs + this.d.retention.raw);
		w.f64((day + 1) * MINUTE_SPAN + this.d.retention.minute);
		const iv = k.ivNext !== undefined && k.ivNext !== k.iv ? k.ivNext : 0;
		w.f64(iv);
		if (iv) k.iv = iv;
		g.expect = expect;
		const lenAt = w.pos;
		w.u32(0);
		const recAt = w.pos;
		w.u16(0);
		w.u32(hour);
		w.u32(g.chunk);
		const flagAt = w.pos;
		w.u8(0);
		if (lastStale) w.staleMarker();
		else w.f64(values[n - 1]!);
		const bodyAt = w.pos;
		if (n === 1) {
			const prev = k.prev !== null && k.prevChunk === g.chunk ? k.prev : null;
			encodePoint(w, chunkStart, ts[0]!, values[0]!, lastStale, prev);
			if (prev) {
				prev.step = ts[0]! - prev.t;
				prev.t = ts[0]!;
				prev.v = values[0]!;
			} else k.prev = { t: ts[0]!, step: -1, v: values[0]! };
		} else {
			encodeBlock(w, chunkStart, ts, values, 0, n, g.stale);
			k.prev = { t: ts[n - 1]!, step: ts[n - 1]! - ts[n - 2]!, v: values[n - 1]! };
		}
		k.prevChunk = g.chunk;
		g.bytes = w.pos - bodyAt;
		w.putU32(lenAt, g.bytes);
		const records = this.packMinutes(w, g, expect, hour);
		w.buf[recAt] = records & 0xff;
		w.buf[recAt + 1] = records >> 8;
		if (records > 0 && (k.openHour !== hour || now >= (hour + 1) * HOUR)) {
			// The hour may be new to the open-bucket set (or it ended, and sealing may have taken it out).
			w.buf[flagAt] = 1;
			k.openHour = hour;
		}
		k.lastTs = ts[n - 1]!;
	}

	/**
	 * Writes the group's minute records: the running record of the series' current minute when this
	 * process holds all of it (set in place), else the group's part of it (merged); later minutes of
	 * the group start new running records. Returns how many.
	 */
	private packMinutes(w: ByteWriter, g: Group, expect: number, hour: number): number {
		const { k, ts, values } = g;
		let records = 0;
		let i = 0;
		while (i < ts.length) {
			const start = ts[i]! - (ts[i]! % MINUTE);
			const part = emptyAgg();
			for (; i < ts.length && ts[i]! - start < MINUTE; i++) addSample(part, values[i]!);
			let whole: boolean;
			if (k.aggMinute === start && k.aggWhole) {
				mergeAgg(k.agg, part);
				whole = true;
			} else {
				// Whole when nothing of this minute was stored before (the expected last time is before it).
				whole = expect < start;
				k.agg = part;
				k.aggMinute = start;
				k.aggWhole = whole;
			}
			const rec = whole ? k.agg : part;
			if (rec.count === 0) continue;
			w.u16((start - hour * HOUR) / MINUTE);
			w.u8(whole ? 0 : 1);
			writeRecord(w, rec);
			records++;
		}
		return records;
	}

	/** Indexes again series this process had stored whose state was gone (dropped as expired). */
	private async indexAgain(reborn: Known[]): Promise<void> {
		const again = pipelineFor(this.d.redis);
		for (const k of reborn) {
			// Without limits: these series were admitted before. queueIndex adds to the set of all.
			const postings = this.d.postingsKey('__name__', k.name);
			if (this.d.tagOf) again.sadd(postings, k.sid);
			else (again as unknown as AdmitCalls).vigilTsAdmit(postings, this.d.allKey, k.sid, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
			this.d.queueIndex(again, k.sid, fullLabels(k.name, k.labels));
		}
		await exec(again);
		this.d.log?.info({ series: reborn.length }, 'indexed series again that had been dropped as expired');
	}

	/** Announces what was stored on the live tail, and queues the buckets it opened (or grew) for sealing. */
	private async announce(stored: Stored[]): Promise<void> {
		const after = pipelineFor(this.d.redis);
		const { key, maxLen, maxBytes, select } = this.d.live;
		const shown = key && select ? stored.filter((g) => (g.k.live ??= select(g.k.name, g.k.labels))) : stored;
		if (key && shown.length) {
			const body = liveBody(shown);
			// Entries this large fit the byte cap this many times; the count is then exact, as Redis'
			// approximate trimming removes only whole nodes of 100 entries.
			const fit = Math.max(16, Math.floor(maxBytes / Math.max(1, body.length)));
			if (fit < maxLen) after.xadd(key, 'MAXLEN', fit, '*', 'b', body);
			else after.xadd(key, 'MAXLEN', '~', maxLen, '*', 'b', body);
		}
		const now = this.d.now();
		const grace = this.d.sealGraceMs;
		for (const g of stored) {
			const member = `r|${g.k.sid}|${g.chunk}`;
			// It grew past another compaction level: rewrite it compactly now (sealDue puts it back in
			// the queue for its end while it is still open).
			if (g.length > g.bytes && compactLevel(g.length) > compactLevel(g.length - g.bytes)) after.zadd(this.d.sealKey, now, member);
			if (!g.created) continue;
			const hour = Math.floor(g.ts[0]! / HOUR);
			if (g.created & 1) after.zadd(this.d.sealKey, (g.chunk + 1) * this.d.chunkMs + grace, member);
			if (g.created & 2) after.zadd(this.d.sealKey, (hour + 1) * HOUR + grace, `m|${g.k.sid}|${hour}`);
		}
		if (after.length) await exec(after);
	}
}

/** A value as the live entry's JSON has it (see encodeValue): finite numbers as JSON numbers. */
function liveValue(v: number): string {
	return Number.isFinite(v) ? String(v) : JSON.stringify(encodeValue(v));
}

/** The live entry of a write: the JSON of [[sid, ts, value], ...], written as text (sids are base64url). */
function liveBody(stored: Stored[]): string {
	let body = '';
	const point = (sid: string, t: number, v: number) => {
		body += `${body ? ',' : '['}["${sid}",${t},${liveValue(v)}]`;
	};
	let total = 0;
	for (const g of stored) total += g.ts.length;
	if (total <= LIVE_FULL_LIMIT) {
		for (const g of stored) for (let i = 0; i < g.ts.length; i++) point(g.k.sid, g.ts[i]!, g.values[i]!);
	} else {
		// The last sample of each series (a series has one group per chunk, in time order).
		const seen = new Set<Known>();
		for (let j = stored.length - 1; j >= 0; j--) {
			const g = stored[j]!;
			if (seen.has(g.k)) continue;
			seen.add(g.k);
			point(g.k.sid, g.ts[g.ts.length - 1]!, g.values[g.values.length - 1]!);
		}
	}
	return body ? `${body}]` : '[]';
}
