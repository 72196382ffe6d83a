/**
 * Nodes that read samples: the instant vector selector (the latest sample within the lookback,
 * unless it is a stale marker) and functions of a range vector (samples in [t - offset - range,
 * t - offset], stale markers left out). Each series keeps cursors that move forward as t grows,
 * so a range evaluation never searches from the start again.
 */
import type { CallNode, MatrixSelectorNode, RangeFunction, VectorSelectorNode } from './ast';
import { ScalarNode, seekAbove, seekAtLeast, upperBound, lowerBound, VectorNode, type EvalContext, type Vec } from './core';
import { findResets, RANGE_FUNCTIONS, type RangeFn, type Window } from './functions';
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

	constructor(
		ctx: EvalContext,
		readonly node: VectorSelectorNode,
		data: SeriesData[]
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
		const ref = t - this.node.offset;
		const min = ref - this.ctx.lookbackMs;
		for (const s of this.series) {
			const c = ref >= s.last ? seekAbove(s.ts, s.c + 1, ref) - 1 : upperBound(s.ts, ref) - 1;
			s.c = c;
			s.last = ref;
			if (c < 0 || s.ts[c]! < min) continue;
			if (s.stale && s.stale[c]) continue;
			out.push(s.ls, s.vs[c]!);
		}
		return out;
	}
}

interface RangeCursor {
	ls: LabelSet;
	/** The output's labels: without the metric name, except for last_over_time. */
	outLs: LabelSet;
	ts: ArrayLike<number>;
	vs: ArrayLike<number>;
	lo: number;
	hi: number;
	last: number;
	/** Counter resets, for rate() and increase(), once worked out. */
	resets: Int32Array | undefined;
}

/** A function of a range vector: rate(x[5m]), avg_over_time(x[1h] offset 1d), ... */
export class RangeFunctionNode extends VectorNode {
	private readonly series: RangeCursor[];
	private readonly fn: RangeFn;
	private readonly window: Window;
	private readonly absentLs: LabelSet | undefined;
	private readonly counter: boolean;

	constructor(
		ctx: EvalContext,
		readonly call: CallNode,
		readonly matrix: MatrixSelectorNode,
		data: SeriesData[],
		private readonly param: ScalarNode | undefined
	) {
		super(ctx, call);
		const name = call.fn as RangeFunction;
		this.fn = RANGE_FUNCTIONS[name];
		const keepName = name === 'last_over_time';
		this.series = data.map((s) => {
			const p = prepareSeries(s);
			const ls = ctx.interner.of(s.labels);
			return { ls, outLs: keepName ? ls : ctx.interner.dropName(ls), ts: p.rangeTs, vs: p.rangeValues, lo: 0, hi: 0, last: -Infinity, resets: undefined };
		});
		this.window = { ts: [], vs: [], lo: 0, hi: 0, start: 0, end: 0, rangeMs: matrix.range, param: NaN, resets: undefined };
		this.counter = name === 'rate' || name === 'increase';
		this.absentLs = name === 'absent_over_time' ? ctx.interner.of(call.absentLabels ?? {}) : undefined;
	}

	eval(t: number): Vec {
		const out = this.out;
		out.n = 0;
		const end = t - this.matrix.selector.offset;
		const start = end - this.matrix.range;
		const w = this.window;
		w.start = start;
		w.end = end;
		if (this.param) w.param = this.param.eval(t);
		if (this.absentLs) {
			for (const s of this.series) {
				this.move(s, start, end);
				if (s.hi > s.lo) return out;
			}
			out.push(this.absentLs, 1);
			return out;
		}
		for (const s of this.series) {
			this.move(s, start, end);
			if (s.hi === s.lo) continue;
			w.ts = s.ts;
			w.vs = s.vs;
			w.lo = s.lo;
			w.hi = s.hi;
			if (this.counter) w.resets = s.resets ??= this.resetsOf(s);
			const v = this.fn(w);
			if (v !== undefined) out.push(s.outLs, v);
		}
		this.checkDuplicates(out);
		return out;
	}

	/** Counter resets of the samples any window of this evaluation holds. */
	private resetsOf(s: RangeCursor): Int32Array {
		const offset = this.matrix.selector.offset;
		const from = lowerBound(s.ts, this.ctx.start - offset - this.matrix.range);
		const to = upperBound(s.ts, this.ctx.end - offset);
		return findResets(s.vs, from, to);
	}

	private move(s: RangeCursor, start: number, end: number): void {
		if (start >= s.last) {
			s.lo = seekAtLeast(s.ts, s.lo, start);
			s.hi = seekAbove(s.ts, Math.max(s.hi, s.lo), end);
		} else {
			s.lo = lowerBound(s.ts, start);
			s.hi = upperBound(s.ts, end);
		}
		s.last = start;
	}
}
