/**
 * `series`, `labels`, `label/<name>/values` and `metadata`: the label index and metric metadata in
 * Prometheus' shapes. With `start` or `end`, a series counts when it has samples in the range (its
 * first sample at or before `end`, its latest at or after `start`), so an instance that went away
 * last week drops out of this week's template variables. Label names and values asked for without
 * `match[]` come straight from the index, for all time: the index is not split by time, and
 * reading every series' times for each autocomplete keystroke would not scale.
 */
import type { Labels } from '../../shared/series';
import { parseExpr, PromQLError, compareLabels } from '../promql';
import { matchValue, SelectorError, type Matcher, type SeriesInfo, type TimeSeriesStore } from '../tsdb';
import { ApiError } from './envelope';
import { timeParam } from './params';

type Store = Pick<TimeSeriesStore, 'series' | 'labelNames' | 'labelValues' | 'metadata'>;

/** The time range a request asks about (epoch ms); undefined when it gives neither end. */
export interface TimeRange {
	start: number;
	end: number;
}

/**
 * `start` and `end` of a request, checked (Prometheus' messages); undefined when both are absent.
 * An end before the start is not an error here (Prometheus answers it, with nothing): no series
 * has samples in it.
 */
export function timeRange(params: URLSearchParams): TimeRange | undefined {
	const start = timeParam(params, 'start', -Infinity);
	const end = timeParam(params, 'end', Infinity);
	if (start === -Infinity && end === Infinity) return undefined;
	return { start, end };
}

const within = (range: TimeRange | undefined) => (s: SeriesInfo) =>
	range === undefined || (s.firstTs !== undefined && s.lastTs !== undefined && s.firstTs <= range.end && s.lastTs >= range.start);

/** The matchers of each `match[]` value, which must be a series selector (`up{job="x"}`). */
export function parseMatches(values: readonly string[]): Matcher[][] {
	return values.map((text) => {
		let root;
		try {
			root = parseExpr(text).root;
		} catch (err) {
			if (err instanceof PromQLError) throw new ApiError('bad_data', `invalid parameter "match[]": ${err.message}`);
			throw err;
		}
		if (root.kind !== 'selector' || root.offset !== 0) throw new ApiError('bad_data', `invalid parameter "match[]": ${JSON.stringify(text)} is not a series selector such as up{job="shop"}`);
		if (root.matchers.every((m) => matchValue(m, ''))) {
			throw new ApiError('bad_data', 'match[] must contain at least one non-empty matcher');
		}
		return root.matchers;
	});
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (err) {
		if (err instanceof SelectorError) throw new ApiError('bad_data', `match[] must contain at least one non-empty matcher: ${err.message}`);
		throw err;
	}
}

/** The series of every selector, each once (those with samples in `range`, if given). */
async function matching(store: Store, matches: Matcher[][], range: TimeRange | undefined): Promise<SeriesInfo[]> {
	const keep = within(range);
	const byId = new Map<string, SeriesInfo>();
	for (const m of matches) for (const s of await guarded(() => store.series(m))) if (keep(s)) byId.set(s.id, s);
	return [...byId.values()];
}

/** The label sets of the series of every selector, each once, sorted by labels. */
export async function findSeries(store: Store, matches: Matcher[][], range?: TimeRange): Promise<Labels[]> {
	if (matches.length === 0) throw new ApiError('bad_data', 'no match[] parameter provided');
	return (await matching(store, matches, range)).map((s) => s.labels).sort(compareLabels);
}

/** Label names, of every series or of the matching ones. */
export async function labelNames(store: Store, matches: Matcher[][], range?: TimeRange): Promise<string[]> {
	if (matches.length === 0) return store.labelNames();
	const names = new Set<string>();
	if (range) {
		for (const s of await matching(store, matches, range)) for (const n of Object.keys(s.labels)) names.add(n);
	} else {
		for (const m of matches) for (const n of await guarded(() => store.labelNames(m))) names.add(n);
	}
	return [...names].sort();
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The values of one label, of every series or of the matching ones. */
export async function labelValues(store: Store, name: string, matches: Matcher[][], range?: TimeRange): Promise<string[]> {
	if (!LABEL_NAME.test(name)) throw new ApiError('bad_data', `invalid label name: ${JSON.stringify(name)}`);
	if (matches.length === 0) return store.labelValues(name);
	const values = new Set<string>();
	if (range) {
		for (const s of await matching(store, matches, range)) if (s.labels[name] !== undefined) values.add(s.labels[name]!);
	} else {
		for (const m of matches) for (const v of await guarded(() => store.labelValues(name, m))) values.add(v);
	}
	return [...values].sort();
}

/** Metadata by metric: `{metric: [{type, help, unit}]}`, at most `limit` metrics (negative: all). */
export async function metadata(store: Store, metric: string | null, limit: number): Promise<Record<string, Array<{ type: string; help: string; unit: string }>>> {
	const out: Record<string, Array<{ type: string; help: string; unit: string }>> = {};
	let n = 0;
	for (const m of await store.metadata(metric || undefined)) {
		if (limit >= 0 && n >= limit) break;
		out[m.metric] = [{ type: m.type, help: m.help, unit: m.unit }];
		n++;
	}
	return out;
}
