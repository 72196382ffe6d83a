/**
 * Where the evaluator reads samples: a SampleSource answers a selector's matchers synchronously.
 * MemorySource holds series in memory (indexed by metric name); loadSource fills one from the
 * time-series store with exactly the windows an evaluation over [start, end] reads (dataNeeds).
 */
import type { Labels } from '../../shared/series';
import { matcherRegex, type Matcher, type SampleBudget, type SelectionCache, type TimeSeriesStore } from '../tsdb';
import type { AtModifier, MatrixSelectorNode, Node, VectorSelectorNode } from './ast';
import { labelsKey, sortByLabels } from './labels';
import type { Expr } from './parse';

/** Samples of one series; the shape of the store's RawResult (labels include `__name__`). */
export interface SeriesData {
	labels: Labels;
	ts: number[];
	values: number[];
	/** Ascending indexes of stale-marker samples (their value is NaN). */
	stale?: number[];
}

export interface SampleSource {
	/**
	 * Series matching every matcher; may hold samples outside [from, to]. `node` is the selector
	 * asking (the vector selector itself, or the one inside a range selector), for sources whose
	 * answer depends on how it is used (rollup.ts).
	 */
	select(matchers: readonly Matcher[], from: number, to: number, node?: VectorSelectorNode): SeriesData[];
}

export interface EvalOptions {
	/**
	 * How far back an instant selector looks for a sample, ms.
	 * @defaultValue DEFAULT_LOOKBACK_MS (300,000: 5 m)
	 */
	lookbackMs?: number;
	/** A performance.now() value; evaluation past it fails with kind 'timeout'. */
	deadline?: number;
	/**
	 * Most samples an evaluation may hold: those its selectors load plus its result's.
	 * @defaultValue DEFAULT_MAX_SAMPLES (50,000,000)
	 */
	maxSamples?: number;
	/** The store reads take their samples from it, and stop when it is spent (loading only). */
	budget?: SampleBudget;
	/** Index reads shared by the evaluations of one cycle (a rule group's rules at one instant). */
	selection?: SelectionCache;
	/** Called where the deadline is checked; throws to stop the evaluation (its client went away). */
	interrupt?: () => void;
	/**
	 * The step of a subquery written without one (`x[1h:]`), ms: Prometheus uses its global
	 * evaluation interval, a rule test its evaluation_interval.
	 * @defaultValue DEFAULT_SUBQUERY_STEP_MS (60,000: 1 m)
	 */
	subqueryStepMs?: number;
	/**
	 * Samples after the evaluation time are not read, as when a rule is evaluated live (a negative
	 * offset then sees nothing newer than now). For backtests and rule tests over stored history.
	 */
	causal?: boolean;
	/**
	 * Prometheus' query.max-samples as it bounds one evaluation step: most samples one range
	 * selector's window of one series, one subquery's window or one instant vector may hold
	 * (promtool's rule tests use 10,000).
	 * @defaultValue unlimited
	 */
	peakSamples?: number;
}

export const DEFAULT_LOOKBACK_MS = 300_000;
export const DEFAULT_SUBQUERY_STEP_MS = 60_000;
export const DEFAULT_MAX_SAMPLES = 50_000_000;

type Predicate = (labels: Labels) => boolean;

function compileMatcher(m: Matcher): Predicate {
	const { name, value } = m;
	switch (m.op) {
		case '=':
			return (l) => (l[name] ?? '') === value;
		case '!=':
			return (l) => (l[name] ?? '') !== value;
		case '=~': {
			const re = matcherRegex(value);
			return (l) => re.test(l[name] ?? '');
		}
		case '!~': {
			const re = matcherRegex(value);
			return (l) => !re.test(l[name] ?? '');
		}
	}
}

/** Two copies of one series (from two store reads): the union of their samples. */
function mergeSeries(a: SeriesData, b: SeriesData): SeriesData {
	const ts: number[] = [];
	const values: number[] = [];
	const stale: number[] = [];
	const aStale = new Set(a.stale ?? []);
	const bStale = new Set(b.stale ?? []);
	let i = 0;
	let j = 0;
	while (i < a.ts.length || j < b.ts.length) {
		const ta = i < a.ts.length ? a.ts[i]! : Infinity;
		const tb = j < b.ts.length ? b.ts[j]! : Infinity;
		if (ta <= tb) {
			if (aStale.has(i)) stale.push(ts.length);
			ts.push(ta);
			values.push(a.values[i]!);
			i++;
			if (tb === ta) j++;
		} else {
			if (bStale.has(j)) stale.push(ts.length);
			ts.push(tb);
			values.push(b.values[j]!);
			j++;
		}
	}
	return stale.length ? { labels: a.labels, ts, values, stale } : { labels: a.labels, ts, values };
}

/** Series in memory, indexed by metric name; select applies each matcher once per series. */
export class MemorySource implements SampleSource {
	private readonly all: SeriesData[];
	private readonly byName = new Map<string, SeriesData[]>();

	constructor(series: SeriesData[]) {
		const byKey = new Map<string, SeriesData>();
		for (const s of series) {
			const key = labelsKey(s.labels);
			const seen = byKey.get(key);
			byKey.set(key, seen ? mergeSeries(seen, s) : s);
		}
		this.all = sortByLabels([...byKey.values()], (s) => s.labels);
		for (const s of this.all) {
			const name = s.labels.__name__ ?? '';
			let list = this.byName.get(name);
			if (!list) this.byName.set(name, (list = []));
			list.push(s);
		}
	}

	select(matchers: readonly Matcher[]): SeriesData[] {
		const nameEq = matchers.find((m) => m.name === '__name__' && m.op === '=');
		const candidates = nameEq ? (this.byName.get(nameEq.value) ?? []) : this.all;
		const preds = matchers.filter((m) => m !== nameEq).map(compileMatcher);
		if (preds.length === 0) return candidates.slice();
		return candidates.filter((s) => preds.every((p) => p(s.labels)));
	}
}

export interface DataNeed {
	matchers: Matcher[];
	from: number;
	to: number;
	/** Only the last sample in [from, to] is read (instant selectors evaluated at one time, nothing else). */
	lastOnly?: boolean;
}

/** One selector's read: the raw window [from, to] its evaluations at every time asked read. */
export interface SelectorRead {
	node: VectorSelectorNode;
	/** The range selector around it, if any. */
	matrix?: MatrixSelectorNode;
	from: number;
	to: number;
	/** An instant selector evaluated at one time: only the last sample in the window counts. */
	lastOnly: boolean;
}

/**
 * The raw window each selector of the expression reads when it is evaluated at every time in
 * [start, end], as Prometheus v2.42 works it out (getTimeRangesForSelector): `@` fixes the time,
 * offsets shift it, a subquery evaluates what is inside it over its own range before the time.
 */
export function selectorReads(root: Node, start: number, end: number, lookbackMs: number, subqueryStepMs = DEFAULT_SUBQUERY_STEP_MS): SelectorRead[] {
	const out: SelectorRead[] = [];
	const at = (a: AtModifier) => (a === 'start' ? start : a === 'end' ? end : a);
	const visit = (n: Node, from: number, to: number): void => {
		switch (n.kind) {
			case 'selector': {
				const [a, b] = n.at === undefined ? [from, to] : [at(n.at), at(n.at)];
				out.push({ node: n, from: a - n.offset - lookbackMs, to: b - n.offset, lastOnly: a === b });
				break;
			}
			case 'matrix': {
				const s = n.selector;
				const [a, b] = s.at === undefined ? [from, to] : [at(s.at), at(s.at)];
				out.push({ node: s, matrix: n, from: a - s.offset - n.range, to: b - s.offset, lastOnly: false });
				break;
			}
			case 'subquery': {
				const [a, b] = n.at === undefined ? [from, to] : [at(n.at), at(n.at)];
				const step = n.step > 0 ? n.step : subqueryStepMs;
				visit(n.expr, Math.ceil((a - n.offset - n.range) / step) * step, b - n.offset);
				break;
			}
			case 'unary':
				visit(n.expr, from, to);
				break;
			case 'binary':
				visit(n.lhs, from, to);
				visit(n.rhs, from, to);
				break;
			case 'call':
				for (const x of n.args) visit(x, from, to);
				break;
			case 'aggregate':
				if (n.param) visit(n.param, from, to);
				visit(n.expr, from, to);
				break;
			default:
				break;
		}
	};
	visit(root, start, end);
	return out;
}

/** The raw window one top-level selector reads for evaluations at times in [start, end]. */
export function selectorWindow(node: Node, start: number, end: number, lookbackMs: number): { from: number; to: number } | undefined {
	if (node.kind !== 'matrix' && node.kind !== 'selector') return undefined;
	const r = selectorReads(node, start, end, lookbackMs)[0]!;
	return { from: r.from, to: r.to };
}

function matchersKey(ms: readonly Matcher[]): string {
	return ms
		.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`)
		.sort()
		.join(',');
}

/**
 * The raw windows evaluations at any time in [start, end] read: one per distinct selector (by its
 * matchers), spanning every offset, range, lookback, `@` and subquery it is used with.
 */
export function dataNeeds(expr: Expr, start: number, end: number, opts: EvalOptions = {}): DataNeed[] {
	const lookback = opts.lookbackMs ?? DEFAULT_LOOKBACK_MS;
	const needs = new Map<string, DataNeed>();
	for (const r of selectorReads(expr.root, start, end, lookback, opts.subqueryStepMs)) {
		const matchers = r.node.matchers;
		const key = matchersKey(matchers);
		const seen = needs.get(key);
		if (seen) mergeNeed(seen, r);
		else needs.set(key, { matchers: matchers.map((m) => ({ ...m })), from: r.from, to: r.to, ...(r.lastOnly ? { lastOnly: true } : {}) });
	}
	return [...needs.values()];
}

/** Widens a need to cover another read of the same selector; last-only stays only for the very same window. */
function mergeNeed(seen: DataNeed, r: { from: number; to: number; lastOnly?: boolean }): void {
	if (seen.lastOnly && !(r.lastOnly && r.from === seen.from && r.to === seen.to)) delete seen.lastOnly;
	seen.from = Math.min(seen.from, r.from);
	seen.to = Math.max(seen.to, r.to);
}

/**
 * Reads what evaluations of the expressions over [start, end] need: one store read per distinct
 * selector (its widest window), across expressions (a rule's expression, clear condition and
 * no-data probe often share selectors).
 */
export async function loadExprsSource(store: Pick<TimeSeriesStore, 'raw'>, exprs: readonly Expr[], start: number, end: number, opts: EvalOptions = {}): Promise<MemorySource> {
	const needs = new Map<string, DataNeed>();
	for (const expr of exprs) {
		for (const n of dataNeeds(expr, start, end, opts)) {
			const key = matchersKey(n.matchers);
			const seen = needs.get(key);
			if (seen) mergeNeed(seen, n);
			else needs.set(key, n);
		}
	}
	const read = { ...(opts.budget ? { budget: opts.budget } : {}), ...(opts.selection ? { selection: opts.selection } : {}) };
	const results = await Promise.all([...needs.values()].map((n) => store.raw(n.matchers, n.from, n.to, n.lastOnly ? { ...read, lastOnly: true } : read)));
	// MemorySource keeps each series once, merging copies read by several selectors.
	return new MemorySource(results.flat());
}

/** Reads what an evaluation of the expression over [start, end] needs from the store. */
export function loadSource(store: Pick<TimeSeriesStore, 'raw'>, expr: Expr, start: number, end: number, opts: EvalOptions = {}): Promise<SampleSource> {
	return loadExprsSource(store, [expr], start, end, opts);
}

/** A series made ready for the evaluator: stale markers as a mask, and a copy without them. */
export interface PreparedSeries {
	ts: ArrayLike<number>;
	values: ArrayLike<number>;
	/** 1 at stale markers; absent when there are none. */
	staleMask: Uint8Array | undefined;
	/** Samples without stale markers (what range selectors see). */
	rangeTs: ArrayLike<number>;
	rangeValues: ArrayLike<number>;
}

const prepared = new WeakMap<SeriesData, PreparedSeries>();

export function prepareSeries(s: SeriesData): PreparedSeries {
	let p = prepared.get(s);
	if (p) return p;
	if (!s.stale || s.stale.length === 0) {
		p = { ts: s.ts, values: s.values, staleMask: undefined, rangeTs: s.ts, rangeValues: s.values };
	} else {
		const mask = new Uint8Array(s.ts.length);
		for (const i of s.stale) if (i >= 0 && i < mask.length) mask[i] = 1;
		const n = s.ts.length - s.stale.length;
		const rts = new Float64Array(Math.max(n, 0));
		const rvs = new Float64Array(Math.max(n, 0));
		let k = 0;
		for (let i = 0; i < s.ts.length; i++) {
			if (mask[i]) continue;
			rts[k] = s.ts[i]!;
			rvs[k] = s.values[i]!;
			k++;
		}
		p = { ts: s.ts, values: s.values, staleMask: mask, rangeTs: rts.subarray(0, k), rangeValues: rvs.subarray(0, k) };
	}
	prepared.set(s, p);
	return p;
}
