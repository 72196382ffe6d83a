/**
 * Loads the raw data several expressions need (a rule's expression and its clear condition) with
 * one store read per distinct selector, and merges it into one in-memory source: a series read by
 * two selectors (`up` and `up{job="a"}`) appears once, with the union of the samples read.
 */
import { dataNeeds, MemorySource, type EvalOptions, type Expr, type SeriesData } from '../promql';
import type { TimeSeriesStore } from '../tsdb/types';

function labelKey(labels: Record<string, string>): string {
	return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

/** Merges two sample columns by time; a time in both keeps one sample. */
function mergeSeries(a: SeriesData, b: SeriesData): SeriesData {
	const out: SeriesData = { labels: a.labels, ts: [], values: [] };
	const stale: number[] = [];
	const staleA = new Set(a.stale ?? []);
	const staleB = new Set(b.stale ?? []);
	let i = 0;
	let j = 0;
	while (i < a.ts.length || j < b.ts.length) {
		const ta = i < a.ts.length ? a.ts[i]! : Infinity;
		const tb = j < b.ts.length ? b.ts[j]! : Infinity;
		if (ta <= tb) {
			if (staleA.has(i)) stale.push(out.ts.length);
			out.ts.push(ta);
			out.values.push(a.values[i]!);
			i++;
			if (tb === ta) j++;
		} else {
			if (staleB.has(j)) stale.push(out.ts.length);
			out.ts.push(tb);
			out.values.push(b.values[j]!);
			j++;
		}
	}
	if (stale.length) out.stale = stale;
	return out;
}

/** The data evaluations of `exprs` at any time in [start, end] read. */
export async function loadExprsSource(store: Pick<TimeSeriesStore, 'raw'>, exprs: readonly Expr[], start: number, end: number, opts?: EvalOptions): Promise<MemorySource> {
	// Widest window per distinct selector.
	const needs = new Map<string, { matchers: Parameters<TimeSeriesStore['raw']>[0]; from: number; to: number }>();
	for (const expr of exprs) {
		for (const n of dataNeeds(expr, start, end, opts)) {
			const key = JSON.stringify(n.matchers);
			const had = needs.get(key);
			if (had) {
				had.from = Math.min(had.from, n.from);
				had.to = Math.max(had.to, n.to);
			} else needs.set(key, { matchers: n.matchers, from: n.from, to: n.to });
		}
	}
	const results = await Promise.all([...needs.values()].map((n) => store.raw(n.matchers, n.from, n.to)));
	const byKey = new Map<string, SeriesData>();
	for (const list of results) {
		for (const r of list) {
			const key = labelKey(r.labels);
			const had = byKey.get(key);
			const s: SeriesData = r.stale ? { labels: r.labels, ts: r.ts, values: r.values, stale: r.stale } : { labels: r.labels, ts: r.ts, values: r.values };
			byKey.set(key, had ? mergeSeries(had, s) : s);
		}
	}
	return new MemorySource([...byKey.values()]);
}
