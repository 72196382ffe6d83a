/**
 * The time-series store's public interface. Two implementations pass one contract test suite:
 * `RedisStore` (production: any Redis 6.2+ or Valkey, no modules, cluster-safe keys) and
 * `MemoryStore` (rule tests and fast unit tests).
 */
import type { Labels } from '../../shared/series';
import type { Matcher } from './matchers';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** How long each resolution is kept, in ms. */
export interface Retention {
	raw: number;
	minute: number;
	hour: number;
}

export const DEFAULT_RETENTION: Retention = { raw: 15 * DAY, minute: 90 * DAY, hour: 2 * 365 * DAY };

export interface StoreOptions {
	/**
	 * How long each resolution is kept.
	 * @defaultValue DEFAULT_RETENTION (raw 15 d, minute 90 d, hour 2 years)
	 */
	retention?: Partial<Retention>;
	/**
	 * Most series one metric name may have; a new series beyond it is refused.
	 * @defaultValue 10_000 (WRITE_LIMITS)
	 */
	maxSeriesPerMetric?: number;
	/**
	 * Most series the store holds in all; a new series beyond it is refused (`series_limit`).
	 * @defaultValue 1_000_000 (WRITE_LIMITS)
	 */
	maxSeries?: number;
	/**
	 * Most labels of one series, the metric name included; more is refused (`label_limit`).
	 * @defaultValue 64 (WRITE_LIMITS)
	 */
	maxLabelsPerSeries?: number;
	/**
	 * Longest label value (and name), in characters; longer is refused (`label_limit`).
	 * @defaultValue 2048 (WRITE_LIMITS)
	 */
	maxLabelLength?: number;
	/**
	 * The clock (epoch ms) used for the too-old check.
	 * @defaultValue Date.now
	 */
	now?: () => number;
	/**
	 * Span of one raw chunk: divides an hour (tests use less to see expiry).
	 * @defaultValue 3_600_000 (1 h)
	 */
	chunkMs?: number;
}

export type RejectReason = 'out_of_order' | 'duplicate' | 'too_old' | 'invalid' | 'cardinality' | 'series_limit' | 'label_limit';

export const REJECT_REASONS: readonly RejectReason[] = ['out_of_order', 'duplicate', 'too_old', 'invalid', 'cardinality', 'series_limit', 'label_limit'];

/** Defaults of the store's write limits (StoreOptions). */
export const WRITE_LIMITS = { maxSeriesPerMetric: 10_000, maxSeries: 1_000_000, maxLabelsPerSeries: 64, maxLabelLength: 2048 } as const;

/** Samples of one series, in time order. */
export interface SeriesSamples {
	name: string;
	labels: Labels;
	/** The canonical `name{labels}` text, when the caller has it (saves working it out again). */
	id?: string;
	/** Epoch ms, integers. */
	ts: ArrayLike<number>;
	values: ArrayLike<number>;
	/** How often the series is sampled, if known; lets readers tell stale data. */
	intervalMs?: number;
	/**
	 * Indexes (ascending) of samples that are stale markers: the series ended there (a target went
	 * away or a series left its exposition), as Prometheus marks it. Their value is stored as NaN.
	 */
	stale?: readonly number[];
}

export interface WriteOptions {
	/**
	 * This batch is being sent again after a failure whose outcome is unknown: samples the store
	 * already has are taken as written, not counted as rejected.
	 */
	retry?: boolean;
}

export interface WriteResult {
	accepted: number;
	rejected: Record<RejectReason, number>;
	/** One line per distinct problem (bad names, cardinality), at most 20. */
	problems: string[];
}

export type Resolution = 'raw' | '1m' | '1h';

/**
 * Per-step aggregates of one series for charts. Bucket k covers [t[k], t[k] + step); buckets are
 * aligned to multiples of `step` since the epoch, and empty buckets are left out. Aggregates cover
 * finite values only. At rollup resolutions, each rollup bucket counts whole in the step that holds
 * its start.
 */
export interface RangeResult {
	labels: Labels;
	resolution: Resolution;
	step: number;
	t: number[];
	count: number[];
	min: number[];
	max: number[];
	sum: number[];
	avg: number[];
	last: number[];
}

export interface RawResult {
	labels: Labels;
	ts: number[];
	values: number[];
	/** Indexes (ascending) of the samples that are stale markers (their value is NaN); absent when none. */
	stale?: number[];
}

export interface LatestResult {
	labels: Labels;
	ts: number;
	value: number;
	/** The latest sample is a stale marker: the series has ended. */
	stale?: boolean;
	intervalMs?: number;
}

export interface SeriesInfo {
	/** The series id: a hash of the metric name and sorted labels. */
	id: string;
	/** Labels, with the metric name as `__name__`. */
	labels: Labels;
	intervalMs?: number;
	/** Times (epoch ms) of the first and the latest sample stored; absent while it has none. */
	firstTs?: number;
	lastTs?: number;
}

export type Selector = readonly Matcher[] | string;

/** What is known of a metric family (from scrapes): its type, help text and unit. */
export interface MetricMetadata {
	metric: string;
	type: string;
	help: string;
	unit: string;
}

/** A read was stopped because its query's sample budget ran out (see SampleBudget). */
export class SampleLimitError extends Error {
	override name = 'SampleLimitError';
	constructor(readonly limit: number) {
		super(`the read would load more than ${limit} samples`);
	}
}

/**
 * A query's allowance of samples, shared by every read it makes: each read takes what it decodes,
 * batch by batch, and fails with SampleLimitError once the total passes the limit, so an oversized
 * query stops early instead of first holding every sample it selected. `check` runs at each batch
 * too and may throw to stop the read (a deadline passed, the client went away).
 */
export class SampleBudget {
	used = 0;
	constructor(
		readonly limit: number,
		private readonly check?: () => void
	) {}

	take(samples: number): void {
		this.used += samples;
		if (this.used > this.limit) throw new SampleLimitError(this.limit);
		this.check?.();
	}
}

/**
 * Index reads shared by the reads of one evaluation cycle (a rule group's rules at one instant):
 * each posting or label-value set is fetched once per cycle instead of once per rule reading it.
 * Make one per cycle and drop it after; a store may ignore it (the in-memory one has nothing to fetch).
 */
export class SelectionCache {
	readonly sets = new Map<string, Promise<string[]>>();
}

export interface ReadOptions {
	budget?: SampleBudget;
	/** The evaluation cycle's shared index reads. */
	selection?: SelectionCache;
	/**
	 * Only each series' last sample in [from, to] is needed (an instant selector evaluated at one
	 * time): a store may answer from the series' last written sample without reading its chunks.
	 * It may still return more samples than the last.
	 */
	lastOnly?: boolean;
}

export interface TimeSeriesStore {
	/** Stores samples; refusals are counted by reason, never silent. */
	write(series: SeriesSamples[], options?: WriteOptions): Promise<WriteResult>;
	/** Per-step aggregates over [from, to] at the coarsest resolution that still gives `step`. */
	range(selector: Selector, from: number, to: number, step: number, options?: ReadOptions): Promise<RangeResult[]>;
	/** Every raw sample with from <= ts <= to (for rule evaluation). */
	raw(selector: Selector, from: number, to: number, options?: ReadOptions): Promise<RawResult[]>;
	/** The latest sample of each matching series, with its time, so callers can tell stale data. */
	latest(selector: Selector): Promise<LatestResult[]>;
	series(selector: Selector): Promise<SeriesInfo[]>;
	/** Series by id (unknown ids are left out). */
	seriesById(ids: readonly string[]): Promise<SeriesInfo[]>;
	labelNames(selector?: Selector): Promise<string[]>;
	labelValues(name: string, selector?: Selector): Promise<string[]>;
	/** Records metric metadata; unchanged entries cost nothing. */
	setMetadata(entries: readonly MetricMetadata[]): Promise<void>;
	/** Metadata of every metric, or of one. */
	metadata(metric?: string): Promise<MetricMetadata[]>;
	close(): Promise<void>;
}

export function resolveRetention(r: Partial<Retention> | undefined): Retention {
	return { ...DEFAULT_RETENTION, ...r };
}

export function emptyRejections(): Record<RejectReason, number> {
	return { out_of_order: 0, duplicate: 0, too_old: 0, invalid: 0, cardinality: 0, series_limit: 0, label_limit: 0 };
}
