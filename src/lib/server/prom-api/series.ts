/**
 * `series`, `labels`, `label/<name>/values` and `metadata`: the label index and metric metadata in
 * Prometheus' shapes. Vigil's index is not split by time, so `start` and `end` are checked but do
 * not narrow the answer: every indexed series that matches is returned.
 */
import type { Labels } from '../../shared/series';
import { parseExpr, PromQLError } from '../promql';
import { matchValue, SelectorError, type Matcher } from '../tsdb/matchers';
import type { TimeSeriesStore } from '../tsdb/types';
import { compareLabels } from '../promql/labels';
import { ApiError } from './envelope';

type Store = Pick<TimeSeriesStore, 'series' | 'labelNames' | 'labelValues' | 'metadata'>;

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

/** The series of every selector, each once, sorted by labels. */
export async function findSeries(store: Store, matches: Matcher[][]): Promise<Labels[]> {
	if (matches.length === 0) throw new ApiError('bad_data', 'no match[] parameter provided');
	const byId = new Map<string, Labels>();
	for (const m of matches) for (const s of await guarded(() => store.series(m))) byId.set(s.id, s.labels);
	return [...byId.values()].sort(compareLabels);
}

/** Label names, of every series or of the matching ones. */
export async function labelNames(store: Store, matches: Matcher[][]): Promise<string[]> {
	if (matches.length === 0) return store.labelNames();
	const names = new Set<string>();
	for (const m of matches) for (const n of await guarded(() => store.labelNames(m))) names.add(n);
	return [...names].sort();
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The values of one label, of every series or of the matching ones. */
export async function labelValues(store: Store, name: string, matches: Matcher[][]): Promise<string[]> {
	if (!LABEL_NAME.test(name)) throw new ApiError('bad_data', `invalid label name: ${JSON.stringify(name)}`);
	if (matches.length === 0) return store.labelValues(name);
	const values = new Set<string>();
	for (const m of matches) for (const v of await guarded(() => store.labelValues(name, m))) values.add(v);
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
