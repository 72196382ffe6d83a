/**
 * The time-series store on core Redis (6.2+, Valkey; no modules).
 *
 * Keys of a series share a hash tag, so a series stays on one Redis Cluster slot: `{sid}` on one
 * Redis; on a cluster `{b<n>}:sid`, the series' bucket n of TAG_BUCKETS, so that one write-script
 * call can carry the many series of a bucket (a script's keys must share a slot) and the data is
 * still spread over many slots. Below, `{sid}` stands for either:
 *   <p>ts:{sid}:s        hash: ft/lt (first/last time), lv (last value, 8-byte float), iv
 *                        (sampling interval ms)
 *   <p>ts:{sid}:l        hash: the labels, with __name__
 *   <p>ts:{sid}:o        set: open rollup keys ("m:<hour>", "h:<day>"), so readers know them
 *   <p>ts:{sid}:r:<c>    raw chunk c (chunkMs wide, 1 h by default): a sequence of blocks and
 *                        point records (codec/point.ts), one block once sealed
 *   <p>ts:{sid}:mo:<h>   open minute rollups of hour h, merged as samples arrive
 *   <p>ts:{sid}:m:<d>    sealed minute rollups of day d (segments)
 *   <p>ts:{sid}:ho:<d>   open hour rollups of day d, folded in as hours are sealed
 *   <p>ts:{sid}:h:<s>    sealed hour rollups of 30-day span s
 * Every data key expires `retention` after the end of its span (PEXPIREAT set when it is made),
 * so dropping old data is Redis's key expiry: no trim jobs, no blocking deletes.
 *
 * Label index (one key each, so no cross-slot commands):
 *   <p>ix:all  <p>ix:names  <p>ix:v:<label> (values)  <p>ix:p:<label>=<value> (series ids)
 * Sealing queue: <p>ix:seal, a sorted set of `kind|sid|bucket` by due time.
 * A series whose every data key has expired (its last sample older than the longest retention
 * plus the 30-day span of an hour key) is dropped from the index, daily (dropExpiredSeries), so
 * series that come and go do not pile up; a writer that finds one it knew gone indexes it again.
 * Metric metadata: <p>ix:meta, a hash of metric -> JSON {type, help, unit}.
 * Live tail: one XADD per write call to the live stream, capped with MAXLEN ~.
 */
import { createHash } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import { isCluster, pipelineFor } from '../redis';
import type { Labels } from '../../shared/series';
import type { Logger } from '../log';
import { countBlocks, decodeChunk, sealChunk, type SampleColumns } from './codec/block';
import { ByteWriter, STALE_HI, STALE_LO } from './codec/bytes';
import { decodeOpen, decodeSegments, encodeSealed, mergeAll, writeOpenRecord, type Agg, type IndexedAgg } from './codec/rollup';
import { matchesAll, matchValue, type Matcher } from './matchers';
import { checkRange, HOUR_SPAN, MINUTE_SPAN, pickResolution, StepBuckets, toMatchers } from './query';
import { ADMIT_ONE_SCRIPT, ADMIT_SCRIPT, DROP_SERIES_SCRIPT, REPLACE_SCRIPT, SEAL_HOURS_SCRIPT, SEAL_MINUTES_SCRIPT, WRITE_SCRIPT } from './scripts';
import { RedisWriter } from './redis-writer';
import {
	DAY,
	HOUR,
	MINUTE,
	REJECT_REASONS,
	resolveRetention,
	WRITE_LIMITS,
	type LatestResult,
	type MetricMetadata,
	type RangeResult,
	type RawResult,
	type ReadOptions,
	type Retention,
	type SampleBudget,
	type SelectionCache,
	type Selector,
	type SeriesInfo,
	type SeriesSamples,
	type StoreOptions,
	type TimeSeriesStore,
	type WriteOptions,
	type WriteResult
} from './types';

export interface RedisStoreOptions extends StoreOptions {
	/** Prefix of every key, e.g. `vigil:`. */
	prefix: string;
	/**
	 * The live-tail stream; `null` writes none.
	 * @defaultValue `<prefix>live`
	 */
	liveKey?: string | null;
	/**
	 * Approximate cap of the live stream, in entries.
	 * @defaultValue 10_000
	 */
	liveMaxLen?: number;
	/**
	 * Cap of the live stream in bytes of its entries: a write whose entry is large (every series of
	 * a big scrape) keeps fewer entries, so the stream's memory does not grow with the size of scrapes.
	 * @defaultValue 16 MiB
	 */
	liveMaxBytes?: number;
	/**
	 * Which series the live stream carries (name and labels without `__name__`): screens show only
	 * their boards' series, so the web role passes its boards' selectors and the stream's size follows
	 * the boards instead of the scrapes. Asked once per series per process.
	 * @defaultValue every series
	 */
	liveSelect?: (name: string, labels: Labels) => boolean;
	/**
	 * Sealing waits this long after a bucket ends, for stragglers, ms.
	 * @defaultValue 30_000
	 */
	sealGraceMs?: number;
	log?: Logger;
	registry?: Registry;
}

/**
 * Series per round trip of a read: a read under a budget stops within a batch of its limit, and
 * Redis serves its other clients between batches instead of one reply of every series' data.
 */
const READ_BATCH = 1000;

/** Decoded samples a process keeps of raw chunks that can no longer change (about 16 bytes each). */
const CHUNK_CACHE_SAMPLES = 2_000_000;

/**
 * Hash-tag buckets of series keys on a cluster: series of one bucket share a slot, so a write
 * groups them into one script call. 256 tags spread the data over 256 slots, enough for clusters
 * of up to a few dozen masters.
 */
export const TAG_BUCKETS = 256;

/** The hash-tag bucket of a series id on a cluster (FNV-1a of the id). */
export function tagBucket(sid: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < sid.length; i++) h = Math.imul(h ^ sid.charCodeAt(i), 0x01000193);
	return (h >>> 0) % TAG_BUCKETS;
}

/** The samples of a chunk's columns a read takes: indexes [lo, hi). */
interface Part {
	src: SampleColumns;
	lo: number;
	hi: number;
}

/** The first index of `ts` (ascending) whose time is >= t (`after` false) or > t (`after` true). */
function searchTime(ts: readonly number[], t: number, after: boolean): number {
	let lo = 0;
	let hi = ts.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (ts[mid]! < t || (after && ts[mid] === t)) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/** The part of `src` (in time order) within [from, to]. */
function partOf(src: SampleColumns, from: number, to: number): Part {
	return { src, lo: searchTime(src.ts, from, false), hi: searchTime(src.ts, to, true) };
}

/**
 * One series' samples from its chunks' parts, in order, stale marker indexes with them. The arrays
 * are made at their final length and filled by index: a day of 1 s samples (86,400) is copied in a
 * fraction of the time that pushing it sample by sample takes. Always a copy: a closed chunk's
 * columns are the process cache's.
 */
function joinParts(parts: readonly Part[]): SampleColumns {
	let n = 0;
	for (const p of parts) n += p.hi - p.lo;
	const ts = new Array<number>(n);
	const values = new Array<number>(n);
	let stale: number[] | undefined;
	let o = 0;
	for (const { src, lo, hi } of parts) {
		const sts = src.ts;
		const svs = src.values;
		if (src.stale) for (const k of src.stale) if (k >= lo && k < hi) (stale ??= []).push(o + k - lo);
		for (let i = lo; i < hi; i++, o++) {
			ts[o] = sts[i]!;
			values[o] = svs[i]!;
		}
	}
	return stale ? { ts, values, stale } : { ts, values };
}

/** What `spans` tells of a series: its samples' range in the window, open buckets, last sample. */
interface Held {
	range: [number, number] | null;
	open: string[];
	last: number | null;
	lastValue: Buffer | null;
}

/** One raw chunk a read needs: held from the process' cache, or fetched (null when absent). */
interface ChunkRead {
	c: number;
	key: string;
	complete: boolean;
	cached: SampleColumns | undefined;
	buf: Buffer | null;
}

/** Runs `read` over consecutive batches of `items`, fetching the next batch while the caller decodes this one. */
async function inBatches<T, R>(items: readonly T[], read: (batch: readonly T[]) => Promise<R>, use: (batch: readonly T[], result: R) => void): Promise<void> {
	const fetch = (lo: number) => {
		const p = read(items.slice(lo, lo + READ_BATCH));
		// Handled here too, so a read left behind by a stop (budget spent) is not an unhandled rejection.
		p.catch(() => {});
		return p;
	};
	let next = items.length ? fetch(0) : undefined;
	for (let lo = 0; next; lo += READ_BATCH) {
		const result = await next;
		next = lo + READ_BATCH < items.length ? fetch(lo + READ_BATCH) : undefined;
		use(items.slice(lo, lo + READ_BATCH), result);
	}
}

type ScriptClient = {
	vigilTsWrite(numKeys: number, ...args: Array<string | Buffer>): Promise<Array<number | string>>;
	vigilTsAdmit(key: string, all: string, sid: string, limit: number, limitAll: number): Promise<number>;
	vigilTsReplace(key: string, sha: string, value: Buffer): Promise<number>;
	vigilTsSealMinutes(...args: Array<string | number | Buffer>): Promise<[number, number]>;
	vigilTsSealHours(...args: Array<string | number | Buffer>): Promise<number>;
	vigilTsDropSeries(state: string, labels: string, open: string, cutoff: number): Promise<string[] | null>;
};

function sha1(buf: Uint8Array): string {
	return createHash('sha1').update(buf).digest('hex');
}

function recordBytes(a: Agg): Buffer {
	const w = new ByteWriter(36);
	writeOpenRecord(w, a);
	return Buffer.from(w.finish());
}

async function exec(pipe: ChainableCommander): Promise<unknown[]> {
	const res = (await pipe.exec()) ?? [];
	return res.map(([err, value]) => {
		if (err) throw err;
		return value;
	});
}

/** The store's counters, shared by the stores of one registry. */
function storeMetrics(registry: Registry): NonNullable<RedisStore['metrics']> {
	// Made once per registry: a second store on the same registry shares the first one's counters.
	const counter = <L extends string = never>(name: string, help: string, labelNames: L[] = []) =>
		(registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter<L>({ name, help, labelNames, registers: [registry] });
	const metrics = {
		written: counter('vigil_tsdb_samples_written_total', 'Samples stored in the time-series store.'),
		rejected: counter(
			'vigil_tsdb_samples_rejected_total',
			'Samples the time-series store refused, by reason: out_of_order, duplicate, too_old, invalid, cardinality (tsdb.maxSeriesPerMetric), series_limit (tsdb.maxSeries), label_limit (tsdb.maxLabelsPerSeries, tsdb.maxLabelLength).',
			['reason']
		),
		created: counter('vigil_tsdb_series_created_total', 'New series admitted to the index.'),
		sealed: counter('vigil_tsdb_sealed_total', 'Buckets sealed (rewritten compactly) after they closed, by kind: raw, minute, hour.', ['kind']),
		dropped: counter('vigil_tsdb_series_dropped_total', 'Series dropped from the index after all their data expired.')
	};
	for (const reason of REJECT_REASONS) metrics.rejected.inc({ reason }, 0);
	return metrics;
}

/** Whether a value's 8 stored bytes (little-endian) are the stale marker's. */
function isStaleMarker(value: Buffer): boolean {
	return value.readUInt32LE(4) === STALE_HI && value.readUInt32LE(0) === STALE_LO;
}

/** A series' last written sample (its time, and its value's 8 bytes as stored), as decoded columns. */
function lastSample(ts: number, value: Buffer): SampleColumns {
	if (isStaleMarker(value)) return { ts: [ts], values: [NaN], stale: [0] };
	return { ts: [ts], values: [value.readDoubleLE(0)] };
}

/**
 * The reads of one evaluation cycle (its rules, started together) sent as one pipeline: the
 * commands queued within one turn of the event loop go out together, so a thousand rules cost a
 * round trip or two, not one each.
 */
class CycleBatch {
	private queue: Array<{ build: (pipe: ChainableCommander) => void; resolve: (r: unknown[]) => void; reject: (e: unknown) => void }> = [];

	constructor(private readonly redis: Redis) {}

	send(build: (pipe: ChainableCommander) => void): Promise<unknown[]> {
		return new Promise((resolve, reject) => {
			if (this.queue.push({ build, resolve, reject }) === 1) setImmediate(() => this.flush());
		});
	}

	private flush(): void {
		const queue = this.queue;
		this.queue = [];
		const pipe = pipelineFor(this.redis);
		const counts = queue.map(({ build }) => {
			const before = pipe.length;
			build(pipe);
			return pipe.length - before;
		});
		if (pipe.length === 0) return queue.forEach((q) => q.resolve([]));
		pipe.exec().then(
			(replies) => {
				let at = 0;
				queue.forEach((q, i) => {
					const part = (replies ?? []).slice(at, (at += counts[i]!));
					const failed = part.find(([err]) => err);
					if (failed) q.reject(failed[0]);
					else q.resolve(part.map(([, value]) => value));
				});
			},
			(err: unknown) => queue.forEach((q) => q.reject(err))
		);
	}
}

export class RedisStore implements TimeSeriesStore {
	readonly retention: Retention;
	private readonly p: string;
	/** On a Redis Cluster: series keys are tagged by bucket and new series admitted in two steps. */
	private readonly cluster: boolean;
	private readonly now: () => number;
	private readonly chunkMs: number;
	private readonly maxSeriesPerMetric: number;
	private readonly limits: { maxSeries: number; maxLabelsPerSeries: number; maxLabelLength: number };
	private readonly liveKey: string | null;
	private readonly liveMaxLen: number;
	private readonly liveMaxBytes: number;
	private readonly sealGraceMs: number;
	private readonly writer: RedisWriter;
	private readonly labelCache = new Map<string, Labels>();
	private sealTimer: NodeJS.Timeout | undefined;
	private sealing: Promise<unknown> | undefined;
	/** When the background sealer last dropped expired series (epoch ms). */
	private lastDrop: number;
	readonly metrics?: {
		written: Counter;
		rejected: Counter<'reason'>;
		created: Counter;
		sealed: Counter<'kind'>;
		dropped: Counter;
	};

	constructor(
		private readonly redis: Redis,
		private readonly options: RedisStoreOptions
	) {
		this.p = options.prefix;
		this.cluster = isCluster(redis);
		this.retention = resolveRetention(options.retention);
		this.now = options.now ?? Date.now;
		this.chunkMs = options.chunkMs ?? HOUR;
		if (HOUR % this.chunkMs !== 0 || this.chunkMs < 1000) throw new RangeError(`chunkMs must divide an hour and be at least 1 s, got ${this.chunkMs}`);
		this.maxSeriesPerMetric = options.maxSeriesPerMetric ?? WRITE_LIMITS.maxSeriesPerMetric;
		this.limits = {
			maxSeries: options.maxSeries ?? WRITE_LIMITS.maxSeries,
			maxLabelsPerSeries: options.maxLabelsPerSeries ?? WRITE_LIMITS.maxLabelsPerSeries,
			maxLabelLength: options.maxLabelLength ?? WRITE_LIMITS.maxLabelLength
		};
		this.liveKey = options.liveKey === undefined ? `${this.p}live` : options.liveKey;
		this.liveMaxLen = options.liveMaxLen ?? 10_000;
		this.liveMaxBytes = options.liveMaxBytes ?? 16 * 1024 * 1024;
		this.sealGraceMs = options.sealGraceMs ?? 30_000;
		const define = (name: string, numberOfKeys: number, lua: string) => {
			if (!(name in redis)) redis.defineCommand(name, { numberOfKeys, lua });
		};
		if (!('vigilTsWrite' in redis)) redis.defineCommand('vigilTsWrite', { lua: WRITE_SCRIPT });
		define('vigilTsAdmit', 2, ADMIT_SCRIPT);
		define('vigilTsAdmitOne', 1, ADMIT_ONE_SCRIPT);
		define('vigilTsReplace', 1, REPLACE_SCRIPT);
		define('vigilTsSealMinutes', 4, SEAL_MINUTES_SCRIPT);
		define('vigilTsSealHours', 3, SEAL_HOURS_SCRIPT);
		define('vigilTsDropSeries', 3, DROP_SERIES_SCRIPT);
		// The first sweep of expired series an hour after start (then daily), not in the start-up rush.
		this.lastDrop = this.now() - DAY + HOUR;
		if (options.registry) this.metrics = storeMetrics(options.registry);
		this.writer = new RedisWriter({
			redis,
			retention: this.retention,
			chunkMs: this.chunkMs,
			now: this.now,
			sealGraceMs: this.sealGraceMs,
			maxSeriesPerMetric: this.maxSeriesPerMetric,
			limits: this.limits,
			live: { key: this.liveKey, maxLen: this.liveMaxLen, maxBytes: this.liveMaxBytes, ...(options.liveSelect ? { select: options.liveSelect } : {}) },
			stateKey: this.stateKey,
			postingsKey: this.postingsKey,
			allKey: this.ix('all'),
			sealKey: this.sealKey,
			...(this.cluster ? { tagOf: tagBucket } : {}),
			queueIndex: (pipe, sid, labels) => this.queueIndex(pipe, sid, labels),
			...(options.log ? { log: options.log } : {}),
			...(this.metrics ? { metrics: this.metrics } : {})
		});
		// A Redis that comes back may have lost data (no persistence): index and learn series again.
		redis.on('ready', this.forget);
	}

	private readonly forget = () => {
		this.writer.forget();
		this.metaWritten.clear();
		this.chunkCache.clear();
		this.chunkCacheSamples = 0;
	};

	private get scripts(): ScriptClient {
		return this.redis as unknown as ScriptClient;
	}

	// ---- keys -------------------------------------------------------------------------------

	private k(sid: string, suffix: string): string {
		return this.cluster ? `${this.p}ts:{b${tagBucket(sid)}}:${sid}:${suffix}` : `${this.p}ts:{${sid}}:${suffix}`;
	}
	private stateKey = (sid: string) => this.k(sid, 's');
	private labelsKey = (sid: string) => this.k(sid, 'l');
	private openKey = (sid: string) => this.k(sid, 'o');
	private rawKey = (sid: string, chunk: number) => this.k(sid, `r:${chunk}`);
	private minuteOpenKey = (sid: string, hour: number) => this.k(sid, `mo:${hour}`);
	private minutesKey = (sid: string, day: number) => this.k(sid, `m:${day}`);
	private hourOpenKey = (sid: string, day: number) => this.k(sid, `ho:${day}`);
	private hoursKey = (sid: string, span: number) => this.k(sid, `h:${span}`);
	private ix(name: string): string {
		return `${this.p}ix:${name}`;
	}
	private postingsKey = (label: string, value: string) => this.ix(`p:${label}=${value}`);
	private valuesKey = (label: string) => this.ix(`v:${label}`);
	private get sealKey(): string {
		return this.ix('seal');
	}

	// ---- writing ----------------------------------------------------------------------------

	write(series: SeriesSamples[], options: WriteOptions = {}): Promise<WriteResult> {
		return this.writer.write(series, options);
	}

	/** Queues the label index entries of a series: its labels hash, and the sets of the index. */
	private queueIndex(pipe: ChainableCommander, sid: string, labels: Labels): void {
		pipe.hset(this.labelsKey(sid), labels);
		pipe.sadd(this.ix('all'), sid);
		pipe.sadd(this.ix('names'), ...Object.keys(labels));
		for (const [k, v] of Object.entries(labels)) {
			pipe.sadd(this.valuesKey(k), v);
			if (k !== '__name__') pipe.sadd(this.postingsKey(k, v), sid);
		}
	}

	// ---- sealing ----------------------------------------------------------------------------

	/**
	 * Seals buckets that are due: raw chunks are rewritten as one block; open rollup keys become
	 * segments of their long-span keys. Returns how many tasks it finished (at most `limit`).
	 */
	async sealDue(limit = 500): Promise<number> {
		const due = await this.redis.zrangebyscore(this.sealKey, '-inf', this.now(), 'LIMIT', 0, limit);
		let done = 0;
		for (let i = 0; i < due.length; i += 50) {
			const finished = await Promise.all(due.slice(i, i + 50).map((m) => this.sealOne(m)));
			const ok = due.slice(i, i + 50).filter((_, j) => finished[j]);
			// A raw chunk compacted while still open stays queued for when it closes.
			const now = this.now();
			const reopen: Array<string | number> = [];
			const closed = ok.filter((m) => {
				const [kind, , bucket] = m.split('|');
				const end = (Number(bucket) + 1) * this.chunkMs + this.sealGraceMs;
				if (kind !== 'r' || end <= now) return true;
				reopen.push(end, m);
				return false;
			});
			if (closed.length) await this.redis.zrem(this.sealKey, ...closed);
			if (reopen.length) await this.redis.zadd(this.sealKey, ...reopen);
			done += ok.length;
		}
		return done;
	}

	/** Seals one bucket; false when it changed while being sealed (it stays queued). */
	private async sealOne(member: string): Promise<boolean> {
		const [kind, sid, bucketText] = member.split('|') as [string, string, string];
		const bucket = Number(bucketText);
		if (kind === 'r') {
			const key = this.rawKey(sid, bucket);
			const buf = await this.redis.getBuffer(key);
			if (!buf || countBlocks(buf, bucket * this.chunkMs) <= 1) return true;
			const sealed = sealChunk(buf, bucket * this.chunkMs);
			const ok = (await this.scripts.vigilTsReplace(key, sha1(buf), Buffer.from(sealed))) === 1;
			if (ok) this.metrics?.sealed.inc({ kind: 'raw' });
			return ok;
		}
		const open = this.openKey(sid);
		if (kind === 'm') {
			// An hour of minutes: a segment for the day's minute key, and the hour's aggregate.
			const key = this.minuteOpenKey(sid, bucket);
			const buf = await this.redis.getBuffer(key);
			if (!buf) {
				await this.redis.srem(open, `m:${bucket}`);
				return true;
			}
			const day = Math.floor((bucket * HOUR) / DAY);
			const records: IndexedAgg[] = [];
			decodeOpen(buf, records, 0, Infinity, (bucket * HOUR - day * DAY) / MINUTE);
			const hourAgg = mergeAll(records);
			const span = Math.floor((day * DAY) / HOUR_SPAN);
			const [r, fresh] = await this.scripts.vigilTsSealMinutes(
				key,
				this.minutesKey(sid, day),
				this.hourOpenKey(sid, day),
				open,
				sha1(buf),
				Buffer.from(encodeSealed(records)),
				(day + 1) * MINUTE_SPAN + this.retention.minute,
				(bucket * HOUR - day * DAY) / HOUR,
				hourAgg.count > 0 ? recordBytes(hourAgg) : Buffer.alloc(0),
				(span + 1) * HOUR_SPAN + this.retention.hour,
				`m:${bucket}`,
				`h:${day}`
			);
			if (fresh === 1) await this.redis.zadd(this.sealKey, (day + 1) * DAY + this.sealGraceMs, `h|${sid}|${day}`);
			if (r === 1) this.metrics?.sealed.inc({ kind: 'minute' });
			return r !== -1;
		}
		// A day of hours: a segment for the 30-day hour key.
		const key = this.hourOpenKey(sid, bucket);
		const buf = await this.redis.getBuffer(key);
		if (!buf) {
			await this.redis.srem(open, `h:${bucket}`);
			return true;
		}
		const span = Math.floor((bucket * DAY) / HOUR_SPAN);
		const records: IndexedAgg[] = [];
		decodeOpen(buf, records, 0, Infinity, (bucket * DAY - span * HOUR_SPAN) / HOUR);
		const r = await this.scripts.vigilTsSealHours(
			key,
			this.hoursKey(sid, span),
			open,
			sha1(buf),
			Buffer.from(encodeSealed(records)),
			(span + 1) * HOUR_SPAN + this.retention.hour,
			`h:${bucket}`
		);
		if (r === 1) this.metrics?.sealed.inc({ kind: 'hour' });
		return r !== -1;
	}

	/**
	 * How long after its last sample a series' every data key has expired: the longest retention,
	 * plus the 30-day span of an hour key (which expires that long after the span ends), plus a day.
	 */
	get expiredAfterMs(): number {
		return Math.max(this.retention.raw, this.retention.minute, this.retention.hour) + HOUR_SPAN + DAY;
	}

	/**
	 * Drops from the index the series whose last sample is older than `expiredAfterMs`: their data
	 * has all expired, so only their labels, state and index entries were left. Walks the index in
	 * batches (SSCAN), checks and deletes each series' own keys in one script (a series written
	 * meanwhile is kept), then removes it from the posting sets, and a label value (and name) from
	 * the index once no series holds it. Idempotent: several processes may run it.
	 */
	async dropExpiredSeries(batch = 500): Promise<{ scanned: number; dropped: number }> {
		const cutoff = this.now() - this.expiredAfterMs;
		let cursor = '0';
		let scanned = 0;
		let dropped = 0;
		do {
			const [next, sids] = await this.redis.sscan(this.ix('all'), cursor, 'COUNT', batch);
			cursor = next;
			scanned += sids.length;
			if (sids.length === 0) continue;
			const ask = pipelineFor(this.redis);
			for (const sid of sids) ask.hget(this.stateKey(sid), 'lt');
			const lts = (await exec(ask)) as Array<string | null>;
			const old = sids.filter((_, i) => lts[i] !== null && Number(lts[i]) <= cutoff);
			if (old.length === 0) continue;
			const drop = pipelineFor(this.redis);
			for (const sid of old) (drop as unknown as ScriptClient).vigilTsDropSeries(this.stateKey(sid), this.labelsKey(sid), this.openKey(sid), cutoff);
			const answers = (await exec(drop)) as Array<string[] | null>;
			const unindex = pipelineFor(this.redis);
			const pairs = new Map<string, Set<string>>();
			const forgotten = new Set<string>();
			old.forEach((sid, i) => {
				const flat = answers[i];
				if (!flat) return;
				dropped++;
				unindex.srem(this.ix('all'), sid);
				for (let k = 0; k + 1 < flat.length; k += 2) {
					const [name, value] = [flat[k]!, flat[k + 1]!];
					unindex.srem(this.postingsKey(name, value), sid);
					if (!pairs.has(name)) pairs.set(name, new Set());
					pairs.get(name)!.add(value);
				}
				forgotten.add(sid);
				this.labelCache.delete(sid);
			});
			if (forgotten.size) this.writer.dropped(forgotten);
			if (unindex.length === 0) continue;
			await exec(unindex);
			if (pairs.size === 0) continue;
			// Values no series holds any more leave their label's value set, and names with no value
			// left leave the names set.
			const flatPairs = [...pairs].flatMap(([name, values]) => [...values].map((value) => [name, value] as const));
			const count = pipelineFor(this.redis);
			for (const [name, value] of flatPairs) count.scard(this.postingsKey(name, value));
			const sizes = (await exec(count)) as number[];
			const emptied = flatPairs.filter((_, i) => sizes[i] === 0);
			if (emptied.length === 0) continue;
			const prune = pipelineFor(this.redis);
			for (const [name, value] of emptied) prune.srem(this.valuesKey(name), value);
			const names = [...new Set(emptied.map(([name]) => name))];
			for (const name of names) prune.scard(this.valuesKey(name));
			const pruned = (await exec(prune)).slice(emptied.length) as number[];
			const gone = names.filter((_, i) => pruned[i] === 0);
			if (gone.length) await this.redis.srem(this.ix('names'), ...gone);
		} while (cursor !== '0');
		this.metrics?.dropped.inc(dropped);
		if (dropped) this.options.log?.info({ dropped, scanned }, 'dropped series whose data had all expired');
		return { scanned, dropped };
	}

	/**
	 * Seals due buckets every `intervalMs` in the background (run by processes that write), and
	 * once a day drops the series whose data has all expired.
	 */
	startSealer(intervalMs = 15_000): void {
		if (this.sealTimer) return;
		const run = async () => {
			try {
				while ((await this.sealDue(500)) === 500) {
					// more are due: keep going
				}
				if (this.now() - this.lastDrop >= DAY) {
					this.lastDrop = this.now();
					await this.dropExpiredSeries();
				}
			} catch (err) {
				this.options.log?.debug({ err: (err as Error).message }, 'sealing deferred');
			}
		};
		this.sealTimer = setInterval(() => {
			if (!this.sealing && this.redis.status === 'ready') this.sealing = run().finally(() => (this.sealing = undefined));
		}, intervalMs);
		this.sealTimer.unref();
	}

	// ---- reading ----------------------------------------------------------------------------

	private async labelsOf(sids: readonly string[], cache?: SelectionCache): Promise<Map<string, Labels>> {
		const out = new Map<string, Labels>();
		const missing = sids.filter((sid) => {
			const l = this.labelCache.get(sid);
			if (l) out.set(sid, l);
			return !l;
		});
		if (missing.length) {
			const res = (await this.send((pipe) => {
				for (const sid of missing) pipe.hgetall(this.labelsKey(sid));
			}, cache)) as Labels[];
			missing.forEach((sid, i) => {
				const labels = res[i]!;
				if (!labels.__name__) return;
				if (this.labelCache.size > 200_000) this.labelCache.clear();
				this.labelCache.set(sid, labels);
				out.set(sid, labels);
			});
		}
		return out;
	}

	/** Posting lists as sets, for lists a cycle's rules share (kept as long as the list is). */
	private readonly setsOf = new WeakMap<string[], Set<string>>();

	/** Reads of one evaluation cycle, sent together (see CycleBatch). */
	private readonly batches = new WeakMap<SelectionCache, CycleBatch>();

	/** Sends the commands `build` queues: in a pipeline of its own, or with the other reads of its cycle. */
	private send(build: (pipe: ChainableCommander) => void, cache?: SelectionCache): Promise<unknown[]> {
		if (!cache) {
			const pipe = pipelineFor(this.redis);
			build(pipe);
			return pipe.length ? exec(pipe) : Promise.resolve([]);
		}
		let batch = this.batches.get(cache);
		if (!batch) this.batches.set(cache, (batch = new CycleBatch(this.redis)));
		return batch.send(build);
	}

	/** The members of each set key; with a cycle's cache, each key is fetched once per cycle. */
	private members(keys: readonly string[], cache?: SelectionCache): Promise<string[][]> {
		// With a cycle's cache, the fetch goes out with the cycle's other reads: a thousand rules' postings in one pipeline, not a thousand.
		const fetch = (list: readonly string[]) =>
			this.send((pipe) => {
				for (const key of list) pipe.smembers(key);
			}, cache) as Promise<string[][]>;
		if (!cache) return fetch(keys);
		const missing = [...new Set(keys.filter((key) => !cache.sets.has(key)))];
		if (missing.length) {
			const fetched = fetch(missing);
			// A failed fetch is not kept: the next cycle (or rule) asks again.
			fetched.catch(() => missing.forEach((key) => cache.sets.delete(key)));
			missing.forEach((key, i) => cache.sets.set(key, fetched.then((all) => all[i]!)));
		}
		return Promise.all(keys.map((key) => cache.sets.get(key)!));
	}

	/** Series ids and labels matching a selector, in id order. */
	private async select(selector: Selector, cache?: SelectionCache): Promise<Array<{ sid: string; labels: Labels }>> {
		const matchers = toMatchers(selector);
		const narrowing = matchers.filter((m) => !matchValue(m, ''));
		const sets: string[][] = [];
		// A read of its own on one Redis: several equality matchers' postings are intersected there
		// (SINTER walks the smallest set), so a metric's thousands of ids do not travel to be filtered
		// here. A cycle's reads keep whole lists, which its rules share; a cluster keeps them apart.
		const together = !cache && !this.cluster && narrowing.filter((m) => m.op === '=').length >= 2;
		if (together) {
			const [both] = (await this.send((pipe) => {
				pipe.sinter(...narrowing.flatMap((m) => (m.op === '=' ? [this.postingsKey(m.name, m.value)] : [])));
			})) as [string[]];
			sets.push(both);
		}
		const rest = together ? narrowing.filter((m) => m.op !== '=') : narrowing;
		// Round 1: postings of equality matchers, values of the others.
		const first = await this.members(
			rest.map((m) => (m.op === '=' ? this.postingsKey(m.name, m.value) : this.valuesKey(m.name))),
			cache
		);
		// Round 2: postings of the values the other matchers accept.
		const unions: Array<{ m: Matcher; values: string[] }> = [];
		rest.forEach((m, i) => {
			if (m.op === '=') sets.push(first[i]!);
			else unions.push({ m, values: first[i]!.filter((v) => matchValue(m, v)) });
		});
		if (unions.length) {
			const res = await this.members(
				unions.flatMap((u) => u.values.map((v) => this.postingsKey(u.m.name, v))),
				cache
			);
			let at = 0;
			for (const u of unions) {
				const set = new Set<string>();
				for (let k = 0; k < u.values.length; k++) for (const sid of res[at++]!) set.add(sid);
				sets.push([...set]);
			}
		}
		sets.sort((a, b) => a.length - b.length);
		// The smallest set, filtered by the others (as sets: a cycle's shared lists become sets once).
		let candidates = [...new Set(sets[0] ?? [])];
		for (const s of sets.slice(1)) {
			let other = this.setsOf.get(s);
			if (!other) this.setsOf.set(s, (other = new Set(s)));
			candidates = candidates.filter((sid) => other.has(sid));
		}
		const sids = candidates.sort();
		const labels = await this.labelsOf(sids, cache);
		return sids.flatMap((sid) => {
			const l = labels.get(sid);
			return l && matchesAll(l, matchers) ? [{ sid, labels: l }] : [];
		});
	}

	async range(selector: Selector, from: number, to: number, step: number, options: ReadOptions = {}): Promise<RangeResult[]> {
		checkRange(from, to, step);
		const resolution = pickResolution(from, step, this.now(), this.retention);
		const selected = await this.select(selector);
		if (selected.length === 0) return [];
		const out: RangeResult[] = [];
		if (resolution === 'raw') {
			const cols = await this.readRaw(selected, from, to, options.budget);
			selected.forEach(({ labels }, i) => {
				const b = new StepBuckets(step);
				const c = cols[i]!;
				for (let k = 0; k < c.ts.length; k++) b.sample(c.ts[k]!, c.values[k]!);
				const r = b.result({ ...labels }, resolution);
				if (r.t.length) out.push(r);
			});
			return out;
		}
		const records = await this.readRollups(selected, resolution, from, to, options.budget);
		selected.forEach(({ labels }, i) => {
			const b = new StepBuckets(step);
			for (const r of records[i]!) b.record(r.start, r.agg);
			const result = b.result({ ...labels }, resolution);
			if (result.t.length) out.push(result);
		});
		return out;
	}

	/**
	 * What each series holds for a read of [from, to]: the part of the range after its first sample,
	 * within the retention of the resolution, up to its last sample (null when none), and its open
	 * rollup keys (when `res` is a rollup resolution).
	 */
	private async spans(
		selected: ReadonlyArray<{ sid: string }>,
		from: number,
		to: number,
		keep: number,
		slack: number,
		res = 1,
		cache?: SelectionCache,
		withLastValue = false
	): Promise<Held[]> {
		const rollups = res > 1;
		const replies = await this.send((pipe) => {
			for (const { sid } of selected) {
				// The last value's 8 bytes come as they are: with them, the times come as Buffers too.
				if (withLastValue) pipe.hmgetBuffer(this.stateKey(sid), 'ft', 'lt', 'lv');
				else pipe.hmget(this.stateKey(sid), 'ft', 'lt');
				if (rollups) pipe.smembers(this.openKey(sid));
			}
		}, cache);
		const oldest = this.now() - keep - slack;
		const text = (b: string | Buffer | null | undefined) => (b === null || b === undefined ? null : typeof b === 'string' ? b : b.toString('latin1'));
		return selected.map((_, i) => {
			const state = replies[rollups ? 2 * i : i] as Array<string | Buffer | null>;
			const [ft, lt] = [text(state[0]), text(state[1])];
			const open = rollups ? (replies[2 * i + 1] as string[]) : [];
			const lastValue = withLastValue ? ((state[2] as Buffer | null) ?? null) : null;
			if (lt === null) return { range: null, open, last: null, lastValue };
			const first = ft === null ? -Infinity : Number(ft) - (Number(ft) % res);
			const a = Math.max(from, oldest, first);
			const b = Math.min(to, Number(lt));
			return { range: a <= b ? [a, b] : null, open, last: Number(lt), lastValue };
		});
	}

	/**
	 * Decoded raw chunks that can no longer change, most recently used last: a chunk before its
	 * series' last sample takes no more samples (writes only move a series forward; sealing
	 * rewrites its bytes, not its samples), so reads of it skip Redis and decoding.
	 */
	private readonly chunkCache = new Map<string, SampleColumns>();
	private chunkCacheSamples = 0;

	private cacheChunk(key: string, cols: SampleColumns): void {
		this.chunkCache.set(key, cols);
		this.chunkCacheSamples += cols.ts.length;
		for (const [k, c] of this.chunkCache) {
			if (this.chunkCacheSamples <= CHUNK_CACHE_SAMPLES) break;
			this.chunkCache.delete(k);
			this.chunkCacheSamples -= c.ts.length;
		}
	}

	/**
	 * Raw samples of [from, to] per series. Each chunk a read needs is planned once, when it is
	 * fetched: a complete chunk found in the process' cache is held by the plan (another read may
	 * evict it meanwhile), any other is fetched from Redis. A window inside one chunk (an instant
	 * query's lookback, a rule's range) fetches that chunk in the same round trip as the series'
	 * state, which tells afterwards which of the fetched chunks the window needs.
	 */
	private async readRaw(selected: Array<{ sid: string }>, from: number, to: number, budget?: SampleBudget, cache?: SelectionCache, lastOnly = false): Promise<SampleColumns[]> {
		const out: SampleColumns[] = [];
		const chunkMs = this.chunkMs;
		/** Whether chunk c of a series whose last sample is at `last` is complete. */
		const closed = (c: number, last: number | null) => last !== null && last >= (c + 1) * chunkMs;
		/**
		 * Only the last sample is needed and it is the series' last written one (in the window, and
		 * its value as the write stored it, beside its time): no chunk is read.
		 */
		const fromState = (h: Held) => lastOnly && h.range !== null && h.last !== null && h.last <= to && h.lastValue?.length === 8;
		const one = Math.floor(from / chunkMs) === Math.floor(to / chunkMs) ? Math.floor(from / chunkMs) : null;
		const together = one !== null && !lastOnly;
		// The chunk the clock is in cannot be complete (that takes a sample past its end, ahead of
		// now), so a window inside it needs only the chunk, not the series' state.
		const current = together && one === Math.floor(this.now() / chunkMs);
		const whole = (): Held => ({ range: [from, to], open: [], last: null, lastValue: null });
		await inBatches(
			selected,
			async (batch) => {
				const early = together ? batch.map(({ sid }) => this.chunkCache.get(this.rawKey(sid, one))) : [];
				const [held, ahead] = await Promise.all([
					current ? batch.map(whole) : this.spans(batch, from, to, this.retention.raw, chunkMs, 1, cache, lastOnly),
					together
						? (this.send((pipe) => {
								batch.forEach(({ sid }, i) => {
									if (!early[i]) pipe.getBuffer(this.rawKey(sid, one));
								});
							}, cache) as Promise<Array<Buffer | null>>)
						: Promise.resolve([])
				]);
				const plans: ChunkRead[][] = [];
				const later: ChunkRead[] = [];
				let at = 0;
				batch.forEach(({ sid }, i) => {
					const h = held[i]!;
					const fetched = together && !early[i] ? ahead[at++]! : undefined;
					const plan: ChunkRead[] = [];
					plans.push(plan);
					if (!h.range || fromState(h)) return;
					for (let c = Math.floor(h.range[0] / chunkMs); c <= Math.floor(h.range[1] / chunkMs); c++) {
						const key = this.rawKey(sid, c);
						const complete = closed(c, h.last);
						const read: ChunkRead = { c, key, complete, cached: together ? early[i] : complete ? this.chunkCache.get(key) : undefined, buf: null };
						if (together && !read.cached) {
							read.buf = fetched ?? null;
							// The chunk may have been read before the state said it is complete: decoded, not kept.
							if (this.cluster) read.complete = false;
						} else if (!read.cached) later.push(read);
						plan.push(read);
					}
				});
				if (later.length) {
					const bufs = (await this.send((pipe) => later.forEach((r) => pipe.getBuffer(r.key)), cache)) as Array<Buffer | null>;
					later.forEach((r, j) => (r.buf = bufs[j] ?? null));
				}
				return { held, plans };
			},
			(batch, { held, plans }) => {
				let samples = 0;
				batch.forEach((_, i) => {
					const h = held[i]!;
					if (fromState(h)) {
						out.push(lastSample(h.last!, h.lastValue!));
						samples++;
						return;
					}
					const parts: Part[] = [];
					for (const r of plans[i]!) {
						const part = this.chunkPart(r, from, to);
						if (part) parts.push(part);
					}
					const cols = joinParts(parts);
					samples += cols.ts.length;
					out.push(cols);
				});
				budget?.take(samples);
			}
		);
		return out;
	}

	/** The samples of [from, to] in one planned chunk read; a complete chunk decoded whole is kept. */
	private chunkPart(r: ChunkRead, from: number, to: number): Part | null {
		let whole = r.cached;
		if (whole) {
			// Most recently used last.
			this.chunkCache.delete(r.key);
			this.chunkCache.set(r.key, whole);
			return partOf(whole, from, to);
		}
		if (!r.buf) return null;
		if (!r.complete) {
			const open: SampleColumns = { ts: [], values: [] };
			decodeChunk(r.buf, r.c * this.chunkMs, open, from, to);
			return { src: open, lo: 0, hi: open.ts.length };
		}
		whole = { ts: [], values: [] };
		decodeChunk(r.buf, r.c * this.chunkMs, whole);
		this.cacheChunk(r.key, whole);
		return partOf(whole, from, to);
	}

	/**
	 * Rollup records of [from, to] at a resolution, each with its start time, in time order (sealed
	 * before open for the same bucket). Hours not sealed yet come as their minute records.
	 */
	private async readRollups(
		selected: Array<{ sid: string }>,
		resolution: '1m' | '1h',
		from: number,
		to: number,
		budget?: SampleBudget
	): Promise<Array<Array<{ start: number; agg: Agg }>>> {
		const minute = resolution === '1m';
		const res = minute ? MINUTE : HOUR;
		const spanMs = minute ? MINUTE_SPAN : HOUR_SPAN;
		const lo = from - (from % res);
		// Records count by the start of their bucket at this resolution (an open hour's minutes, at
		// 1 h, count as that hour).
		const hi = to - (to % res) + res - 1;
		type Read = { key: string; open: boolean; offset: number; unit: number };
		const out: Array<Array<{ start: number; agg: Agg }>> = [];
		await inBatches(
			selected,
			async (batch) => {
				const held = await this.spans(batch, lo, to, minute ? this.retention.minute : this.retention.hour, spanMs, res);
				const plans = batch.map(({ sid }, i): Read[] => {
					const { range, open } = held[i]!;
					if (!range) return [];
					const [a, b] = range;
					const reads: Read[] = [];
					for (let s = Math.floor(a / spanMs); s <= Math.floor(b / spanMs); s++) {
						reads.push({ key: minute ? this.minutesKey(sid, s) : this.hoursKey(sid, s), open: false, offset: (s * spanMs) / res, unit: res });
					}
					// Open hour keys before open minute keys: for the same hour, minutes written after the
					// hour was folded are the newer samples.
					for (const member of [...open].sort((x, y) => (x < y ? -1 : 1))) {
						const [kind, text] = member.split(':') as [string, string];
						const n = Number(text);
						if (kind === 'm') {
							// Minutes of an hour not sealed yet, at either resolution.
							if ((n + 1) * HOUR <= a || n * HOUR > b) continue;
							reads.push({ key: this.minuteOpenKey(sid, n), open: true, offset: (n * HOUR) / MINUTE, unit: MINUTE });
						} else if (!minute) {
							if ((n + 1) * DAY <= a || n * DAY > b) continue;
							reads.push({ key: this.hourOpenKey(sid, n), open: true, offset: (n * DAY) / HOUR, unit: HOUR });
						}
					}
					return reads;
				});
				const pipe = pipelineFor(this.redis);
				for (const reads of plans) for (const r of reads) pipe.getBuffer(r.key);
				return { plans, bufs: (await exec(pipe)) as Array<Buffer | null> };
			},
			(_batch, { plans, bufs }) => {
				let at = 0;
				let records = 0;
				for (const reads of plans) {
					const list: Array<{ start: number; agg: Agg }> = [];
					for (const r of reads) {
						const buf = bufs[at++];
						if (!buf) continue;
						const recs: IndexedAgg[] = [];
						const first = Math.floor(lo / r.unit);
						const last = Math.floor(hi / r.unit);
						if (r.open) decodeOpen(buf, recs, first, last, r.offset);
						else decodeSegments(buf, recs, first, last, r.offset);
						for (const rec of recs) {
							const start = rec.index * r.unit;
							list.push({ start: start - (start % res), agg: rec });
						}
					}
					records += list.length;
					// A stable sort: for the same bucket, sealed records (read first) stay before open ones.
					out.push(list.sort((x, y) => x.start - y.start));
				}
				budget?.take(records);
			}
		);
		return out;
	}

	async raw(selector: Selector, from: number, to: number, options: ReadOptions = {}): Promise<RawResult[]> {
		if (!(to >= from)) throw new RangeError(`to (${to}) is before from (${from})`);
		const selected = await this.select(selector, options.selection);
		if (selected.length === 0) return [];
		const cols = await this.readRaw(selected, from, to, options.budget, options.selection, options.lastOnly);
		return selected.flatMap(({ labels }, i) => {
			const c = cols[i]!;
			if (!c.ts.length) return [];
			const r: RawResult = { labels: { ...labels }, ts: c.ts, values: c.values };
			if (c.stale?.length) r.stale = c.stale;
			return [r];
		});
	}

	async latest(selector: Selector): Promise<LatestResult[]> {
		const selected = await this.select(selector);
		const pipe = pipelineFor(this.redis);
		for (const { sid } of selected) pipe.hmgetBuffer(this.stateKey(sid), 'lt', 'lv', 'iv');
		const res = (await exec(pipe)) as Array<[Buffer | null, Buffer | null, Buffer | null]>;
		return selected.flatMap(({ labels }, i) => {
			const [lt, lv, iv] = res[i]!;
			if (lt === null || lv === null || lv.length !== 8) return [];
			const r: LatestResult = { labels: { ...labels }, ts: Number(lt.toString()), value: lv.readDoubleLE(0) };
			if (isStaleMarker(lv)) r.stale = true;
			if (iv !== null) r.intervalMs = Number(iv.toString());
			return [r];
		});
	}

	private async infos(entries: Array<{ sid: string; labels: Labels }>): Promise<SeriesInfo[]> {
		const pipe = pipelineFor(this.redis);
		for (const { sid } of entries) pipe.hmget(this.stateKey(sid), 'iv', 'ft', 'lt');
		const states = (await exec(pipe)) as Array<[string | null, string | null, string | null]>;
		return entries.map(({ sid, labels }, i) => {
			const [iv, ft, lt] = states[i]!;
			const info: SeriesInfo = { id: sid, labels: { ...labels } };
			if (iv !== null) info.intervalMs = Number(iv);
			if (ft !== null && lt !== null) Object.assign(info, { firstTs: Number(ft), lastTs: Number(lt) });
			return info;
		});
	}

	async series(selector: Selector): Promise<SeriesInfo[]> {
		return this.infos(await this.select(selector));
	}

	async seriesById(ids: readonly string[]): Promise<SeriesInfo[]> {
		const labels = await this.labelsOf(ids);
		return this.infos(ids.flatMap((sid) => (labels.has(sid) ? [{ sid, labels: labels.get(sid)! }] : [])));
	}

	async labelNames(selector?: Selector): Promise<string[]> {
		if (!selector) return (await this.redis.smembers(this.ix('names'))).sort();
		const names = new Set<string>();
		for (const { labels } of await this.select(selector)) for (const k of Object.keys(labels)) names.add(k);
		return [...names].sort();
	}

	async labelValues(name: string, selector?: Selector): Promise<string[]> {
		if (!selector) return (await this.redis.smembers(this.valuesKey(name))).sort();
		const values = new Set<string>();
		for (const { labels } of await this.select(selector)) if (labels[name] !== undefined) values.add(labels[name]!);
		return [...values].sort();
	}

	/** Metadata this process wrote, so unchanged entries are not written again. */
	private readonly metaWritten = new Map<string, string>();

	async setMetadata(entries: readonly MetricMetadata[]): Promise<void> {
		const changed: string[] = [];
		for (const e of entries) {
			const json = JSON.stringify({ type: e.type, help: e.help, unit: e.unit });
			if (this.metaWritten.get(e.metric) === json) continue;
			this.metaWritten.set(e.metric, json);
			changed.push(e.metric, json);
		}
		if (changed.length) await this.redis.hset(this.ix('meta'), ...changed);
	}

	async metadata(metric?: string): Promise<MetricMetadata[]> {
		const parse = (name: string, json: string): MetricMetadata => ({ metric: name, ...(JSON.parse(json) as Omit<MetricMetadata, 'metric'>) });
		if (metric !== undefined) {
			const json = await this.redis.hget(this.ix('meta'), metric);
			return json === null ? [] : [parse(metric, json)];
		}
		const all = await this.redis.hgetall(this.ix('meta'));
		return Object.keys(all)
			.sort()
			.map((k) => parse(k, all[k]!));
	}

	async close(): Promise<void> {
		this.redis.off('ready', this.forget);
		clearInterval(this.sealTimer);
		this.sealTimer = undefined;
		await this.sealing;
	}
}
