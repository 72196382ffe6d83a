/**
 * Nodes that read samples: the instant vector selector (the latest sample within the lookback,
 * unless it is a stale marker), functions of a range vector (samples in [t - offset - range,
 * t - offset], stale markers left out) over a range selector or a subquery, and subqueries (the
 * inner expression evaluated at every multiple of the step in the window). With `@ T`, a selector
 * or subquery reads at T whatever the evaluation time. Each series keeps cursors that move forward
 * as t grows, so a range evaluation never searches from the start again.
 */
import type { CallNode, MatrixSelectorNode, RangeFunction, SubqueryNode, VectorSelectorNode } from './ast';
import { atTime, execError, lowerBound, ScalarNode, seekAbove, seekAtLeast, TOO_MANY_SAMPLES, upperBound, VectorNode, type EvalContext, type Vec } from './core';
import { findResets, FunctionError, RANGE_FUNCTIONS, type RangeFn, type Window } from './functions';
import type { LabelSet } from './labels';
import { prepareSeries, type SeriesData } from './source';

interface InstantCursor {
	ls: LabelSet;
	ts: ArrayLike<number>;
	vs: ArrayLike<number>;
	stale: Uint8Array | undefined;
	/** Index of the latest sample at or before the last time asked (-1: none). */
	c: number;
	last: number;
}

export class InstantSelectorNode extends VectorNode {
	private readonly series: InstantCursor[];
	/** The time of each output sample (what timestamp() gives). */
	readonly outT: number[] = [];

	constructor(
		ctx: EvalContext,
		readonly node: VectorSelectorNode,
		data: SeriesData[],
		/**
		 * Read for timestamp(): with `@`, Prometheus v2.42 then reads at the `@` time itself, leaving
		 * out the offset (its special case for timestamp() replaces the offset).
		 */
		private readonly forTimestamp = false
	) {
		super(ctx, node);
		this.series = data.map((s) => {
			const p = prepareSeries(s);
			return { ls: ctx.interner.of(s.labels), ts: p.ts, vs: p.values, stale: p.staleMask, c: -1, last: -Infinity };
		});
	}

	eval(t: number): Vec {
		const out = this.out;
		out.n = 0;
		const at = this.node.at;
		const ref = at === undefined ? t - this.node.offset : atTime(this.ctx, at) - (this.forTimestamp ? 0 : this.node.offset);
		const min = ref - this.ctx.lookbackMs;
		// Causal: the latest sample at or before the reference time that is not after now.
		const upTo = this.ctx.causal ? Math.min(ref, this.ctx.now) : ref;
		for (const s of this.series) {
			const c = upTo >= s.last ? seekAbove(s.ts, s.c + 1, upTo) - 1 : upperBound(s.ts, upTo) - 1;
			s.c = c;
			s.last = upTo;
			if (c < 0 || s.ts[c]! < min) continue;
			if (s.stale && s.stale[c]) continue;
			this.outT[out.n] = s.ts[c]!;
			out.push(s.ls, s.vs[c]!);
		}
		if (out.n > this.ctx.peakSamples) throw execError(this.ctx, TOO_MANY_SAMPLES, this.node);
		return out;
	}
}

/** One series of a range vector, and its window at the last time asked. */
export interface RangeCursor {
	ls: LabelSet;
	ts: ArrayLike<number>;
	vs: ArrayLike<number>;
	lo: number;
	hi: number;
	last: number;
	/** Counter resets, for rate() and increase(), once worked out (range selectors only). */
	resets: Int32Array | undefined;
	/** Output labels, once worked out. */
	outLs: LabelSet | undefined;
}

/** Where a function of a range vector reads: a range selector or a subquery. */
export interface RangeInput {
	/** The window at time t: [start, end] (ms), and the series that may have samples in it. */
	window(t: number): { start: number; end: number; series: readonly RangeCursor[] };
	/** Counter resets of a series over every window evaluated, or undefined to find them per window. */
	resetsOf(c: RangeCursor): Int32Array | undefined;
}

/** A range selector `x[5m] offset 1m @ T`. */
export class SelectorRange implements RangeInput {
	private readonly series: RangeCursor[];

	constructor(
		private readonly ctx: EvalContext,
		private readonly matrix: MatrixSelectorNode,
		data: SeriesData[],
		/** The raw window the evaluation reads (for counter resets). */
		private readonly read: { from: number; to: number }
	) {
		this.series = data.map((s) => {
			const p = prepareSeries(s);
			return { ls: ctx.interner.of(s.labels), ts: p.rangeTs, vs: p.rangeValues, lo: 0, hi: 0, last: -Infinity, resets: undefined, outLs: undefined };
		});
	}

	window(t: number): { start: number; end: number; series: readonly RangeCursor[] } {
		const sel = this.matrix.selector;
		const end = (sel.at === undefined ? t : atTime(this.ctx, sel.at)) - sel.offset;
		return { start: end - this.matrix.range, end, series: this.series };
	}

	resetsOf(s: RangeCursor): Int32Array {
		return (s.resets ??= findResets(s.vs, lowerBound(s.ts, this.read.from), upperBound(s.ts, this.read.to)));
	}
}

interface SubquerySeries {
	cursor: RangeCursor;
	ts: number[];
	vs: number[];
}

/**
 * A subquery `expr[range:step] offset o @ T`: the inner expression evaluated at every multiple of
 * the step within [t - o - range, t - o], as Prometheus v2.42 evaluates it (the steps are aligned
 * to the epoch, so they do not depend on the evaluation time). Steps already evaluated are kept,
 * so a range evaluation evaluates each step once.
 */
export class SubqueryRange implements RangeInput {
	private readonly bySet = new Map<LabelSet, SubquerySeries>();
	private list: RangeCursor[] = [];
	/** The first and last step evaluated (ms), NaN when none. */
	private from = NaN;
	private to = NaN;
	readonly step: number;

	constructor(
		private readonly ctx: EvalContext,
		private readonly node: SubqueryNode,
		private readonly inner: VectorNode
	) {
		this.step = node.step > 0 ? node.step : ctx.subqueryStepMs;
	}

	private evalStep(t: number): void {
		const v = this.inner.eval(t);
		for (let i = 0; i < v.n; i++) {
			const ls = v.ls[i]!;
			let s = this.bySet.get(ls);
			if (!s) {
				const ts: number[] = [];
				const vs: number[] = [];
				s = { ts, vs, cursor: { ls, ts, vs, lo: 0, hi: 0, last: -Infinity, resets: undefined, outLs: undefined } };
				this.bySet.set(ls, s);
				this.list.push(s.cursor);
			}
			s.ts.push(t);
			s.vs.push(v.v[i]!);
		}
	}

	window(t: number): { start: number; end: number; series: readonly RangeCursor[] } {
		const n = this.node;
		const end = (n.at === undefined ? t : atTime(this.ctx, n.at)) - n.offset;
		const start = end - n.range;
		const step = this.step;
		const first = Math.ceil(start / step) * step;
		const last = Math.floor(end / step) * step;
		if (first <= last) {
			if (Number.isNaN(this.from) || first < this.from || first > this.to + step) {
				// Not next to what was evaluated: start again.
				this.bySet.clear();
				this.list = [];
				this.from = first;
				this.to = first - step;
			}
			for (let s = Math.max(first, this.to + step); s <= last; s += step) {
				this.evalStep(s);
				this.to = s;
			}
		}
		// What the window holds: every step's samples (Prometheus holds the subquery's whole result).
		if (this.ctx.peakSamples !== Infinity) {
			let held = 0;
			for (const c of this.list) held += upperBound(c.ts, end) - lowerBound(c.ts, start);
			if (held > this.ctx.peakSamples) throw execError(this.ctx, TOO_MANY_SAMPLES, this.node);
		}
		return { start, end, series: this.list };
	}

	resetsOf(): undefined {
		return undefined;
	}
}

/** A function of a range vector: rate(x[5m]), avg_over_time(x[1h] offset 1d), max_over_time(y[1h:1m]), ... */
export class RangeFunctionNode extends VectorNode {
	private readonly fn: RangeFn;
	private readonly window: Window;
	private readonly absentLs: LabelSet | undefined;
	private readonly counter: boolean;
	private readonly keepName: boolean;
	private readonly params: number[];

	constructor(
		ctx: EvalContext,
		readonly call: CallNode,
		private readonly input: RangeInput,
		/** The scalar arguments, in order. */
		private readonly scalars: ScalarNode[],
		rangeMs: number
	) {
		super(ctx, call);
		const name = call.fn as RangeFunction;
		this.fn = RANGE_FUNCTIONS[name];
		this.keepName = name === 'last_over_time';
		this.params = scalars.map(() => NaN);
		this.window = { ts: [], vs: [], lo: 0, hi: 0, start: 0, end: 0, rangeMs, params: this.params, evalT: 0, resets: undefined };
		this.counter = name === 'rate' || name === 'increase';
		this.absentLs = name === 'absent_over_time' ? ctx.interner.of(call.absentLabels ?? {}) : undefined;
	}

	eval(t: number): Vec {
		const out = this.out;
		out.n = 0;
		for (let i = 0; i < this.scalars.length; i++) this.params[i] = this.scalars[i]!.eval(t);
		const win = this.input.window(t);
		const { start, series } = win;
		const end = this.ctx.causal ? Math.min(win.end, this.ctx.now) : win.end;
		const w = this.window;
		w.start = start;
		w.end = win.end;
		w.evalT = t;
		const peak = this.ctx.peakSamples;
		if (this.absentLs) {
			for (const s of series) {
				move(s, start, end);
				if (s.hi > s.lo) return out;
			}
			out.push(this.absentLs, 1);
			return out;
		}
		for (const s of series) {
			move(s, start, end);
			if (s.hi === s.lo) continue;
			if (s.hi - s.lo > peak) throw execError(this.ctx, TOO_MANY_SAMPLES, this.call);
			w.ts = s.ts;
			w.vs = s.vs;
			w.lo = s.lo;
			w.hi = s.hi;
			w.resets = this.counter ? this.input.resetsOf(s) : undefined;
			let v: number | undefined;
			try {
				v = this.fn(w);
			} catch (err) {
				if (err instanceof FunctionError) throw execError(this.ctx, err.message, this.call);
				throw err;
			}
			if (v !== undefined) out.push((s.outLs ??= this.keepName ? s.ls : this.ctx.interner.dropName(s.ls)), v);
		}
		this.checkDuplicates(out);
		return out;
	}
}

/** Moves a series' window to [start, end]. */
function move(s: RangeCursor, start: number, end: number): void {
	if (start >= s.last) {
		s.lo = seekAtLeast(s.ts, s.lo, start);
		s.hi = seekAbove(s.ts, Math.max(s.hi, s.lo), end);
	} else {
		s.lo = lowerBound(s.ts, start);
		s.hi = upperBound(s.ts, end);
	}
	s.last = start;
}
