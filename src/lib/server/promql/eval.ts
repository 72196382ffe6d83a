/**
 * Evaluation entry points: compiles a parsed expression into evaluation nodes (selecting each
 * selector's series once for the whole evaluation), then evaluates it at one time or at every
 * step of a range, with Prometheus v2.42's semantics.
 */
import type { Labels } from '../../shared/series';
import type { Matcher } from '../tsdb';
import { AggregateEvalNode } from './aggregate';
import { isSetOp, selectorNodes, walk, type CallNode, type Node, type VectorSelectorNode } from './ast';
import { VectorBinaryNode, ScalarBinaryNode, SetOpNode, VectorScalarNode } from './binary';
import {
	AbsentNode,
	ConstNode,
	DateNode,
	isValueFunction,
	LabelJoinNode,
	LabelReplaceNode,
	MapNode,
	NativeHistogramNode,
	ScalarNegNode,
	ScalarOfNode,
	SortNode,
	TimeNode,
	TimestampNode,
	VectorNegNode,
	VectorOfNode
} from './calls';
import { execError, lowerBound, newContext, ScalarNode, upperBound, VectorNode, type EvalContext, type EvalNode } from './core';
import { PromQLError, TOO_MANY_SAMPLES } from './errors';
import { HistogramQuantileNode } from './histogram';
import { sortByLabels, type LabelSet } from './labels';
import type { Expr } from './parse';
import { InstantSelectorNode, RangeFunctionNode, SelectorRange, SubqueryRange, type RangeInput } from './selectors';
import {
	DEFAULT_LOOKBACK_MS,
	DEFAULT_MAX_SAMPLES,
	DEFAULT_SUBQUERY_STEP_MS,
	selectorReads,
	type EvalOptions,
	type SampleSource,
	type SelectorRead,
	type SeriesData
} from './source';

export interface Sample {
	/** Labels, with `__name__` where PromQL keeps it. */
	labels: Labels;
	value: number;
}

export type InstantResult = { type: 'vector'; samples: Sample[] } | { type: 'scalar'; value: number };

export type RangeResult = { type: 'matrix'; series: { labels: Labels; ts: number[]; values: number[] }[] } | { type: 'scalar'; ts: number[]; values: number[] };

class Compiler {
	/** Samples the selectors hold (within their windows), for the sample limit. */
	loaded = 0;
	private readonly reads: Map<VectorSelectorNode, SelectorRead>;

	constructor(
		readonly ctx: EvalContext,
		readonly source: SampleSource,
		root: Node,
		readonly maxSamples: number
	) {
		this.reads = new Map(selectorReads(root, ctx.start, ctx.end, ctx.lookbackMs, ctx.subqueryStepMs).map((r) => [r.node, r]));
	}

	private read(sel: VectorSelectorNode): SelectorRead {
		const r = this.reads.get(sel);
		if (!r) throw new Error(`no read planned for the selector at ${sel.from}`);
		return r;
	}

	private select(sel: VectorSelectorNode, at: Node): SeriesData[] {
		const w = this.read(sel);
		const data = this.source.select(sel.matchers, w.from, w.to, sel);
		for (const s of data) this.loaded += upperBound(s.ts, w.to) - lowerBound(s.ts, w.from);
		if (this.loaded > this.maxSamples) throw execError(this.ctx, TOO_MANY_SAMPLES, at);
		return data;
	}

	vector(node: Node): VectorNode {
		const n = this.compile(node);
		if (!(n instanceof VectorNode)) throw new Error(`expected an instant vector at ${node.from}`);
		return n;
	}

	scalar(node: Node): ScalarNode {
		const n = this.compile(node);
		if (!(n instanceof ScalarNode)) throw new Error(`expected a scalar at ${node.from}`);
		return n;
	}

	private string(node: Node): string {
		if (node.kind !== 'string') throw new Error(`expected a string at ${node.from}`);
		return node.value;
	}

	compile(node: Node): EvalNode {
		const ctx = this.ctx;
		switch (node.kind) {
			case 'number':
				return new ConstNode(ctx, node, node.value);
			case 'selector':
				return new InstantSelectorNode(ctx, node, this.select(node, node));
			case 'unary':
				if (node.op === '+') return this.compile(node.expr);
				return node.type === 'scalar' ? new ScalarNegNode(ctx, node, this.scalar(node.expr)) : new VectorNegNode(ctx, node, this.vector(node.expr));
			case 'binary': {
				const { lhs, rhs } = node;
				if (lhs.type === 'scalar' && rhs.type === 'scalar') return new ScalarBinaryNode(ctx, node, this.scalar(lhs), this.scalar(rhs));
				if (lhs.type === 'vector' && rhs.type === 'vector') {
					const l = this.vector(lhs);
					const r = this.vector(rhs);
					return isSetOp(node.op) ? new SetOpNode(ctx, node, l, r) : new VectorBinaryNode(ctx, node, l, r);
				}
				if (lhs.type === 'vector') {
					const l = this.vector(lhs);
					return new VectorScalarNode(ctx, node, l, this.scalar(rhs), false);
				}
				const s = this.scalar(lhs);
				return new VectorScalarNode(ctx, node, this.vector(rhs), s, true);
			}
			case 'aggregate': {
				if (node.op === 'count_values') return new AggregateEvalNode(ctx, node, this.vector(node.expr), undefined, this.string(node.param!));
				const param = node.param ? this.scalar(node.param) : undefined;
				return new AggregateEvalNode(ctx, node, this.vector(node.expr), param);
			}
			case 'call':
				return this.call(node);
			case 'matrix':
			case 'subquery':
				throw execError(ctx, 'a range vector can only be evaluated as the argument of a function such as rate()', node);
			case 'string':
				throw execError(ctx, 'a string cannot be evaluated', node);
		}
	}

	private call(node: CallNode): EvalNode {
		const ctx = this.ctx;
		const args = node.args;
		if (isValueFunction(node.fn)) return new MapNode(ctx, node, this.vector(args[0]!), args.slice(1).map((a) => this.scalar(a)));
		switch (node.fn) {
			case 'time':
				return new TimeNode(ctx, node);
			case 'pi':
				return new ConstNode(ctx, node, Math.PI);
			case 'vector':
				return new VectorOfNode(ctx, node, this.scalar(args[0]!));
			case 'scalar':
				return new ScalarOfNode(ctx, node, this.vector(args[0]!));
			case 'days_in_month':
			case 'day_of_month':
			case 'day_of_week':
			case 'day_of_year':
			case 'hour':
			case 'minute':
			case 'month':
			case 'year':
				return new DateNode(ctx, node, args[0] ? this.vector(args[0]) : undefined);
			case 'timestamp': {
				const a = args[0]!;
				if (a.kind === 'selector') {
					const sel = new InstantSelectorNode(ctx, a, this.select(a, a), true);
					return new TimestampNode(ctx, node, sel, sel.outT);
				}
				return new TimestampNode(ctx, node, this.vector(a), undefined);
			}
			case 'sort':
			case 'sort_desc':
				return new SortNode(ctx, node, this.vector(args[0]!));
			case 'label_replace':
				return new LabelReplaceNode(ctx, node, this.vector(args[0]!), this.string(args[1]!), this.string(args[2]!), this.string(args[3]!), this.string(args[4]!));
			case 'label_join':
				return new LabelJoinNode(
					ctx,
					node,
					this.vector(args[0]!),
					this.string(args[1]!),
					this.string(args[2]!),
					args.slice(3).map((a) => this.string(a))
				);
			case 'absent':
				return new AbsentNode(ctx, node, this.vector(args[0]!));
			case 'histogram_quantile': {
				const q = this.scalar(args[0]!);
				return new HistogramQuantileNode(ctx, node, q, this.vector(args[1]!));
			}
			case 'histogram_count':
			case 'histogram_sum':
				return new NativeHistogramNode(ctx, node, this.vector(args[0]!), []);
			case 'histogram_fraction': {
				const params = [this.scalar(args[0]!), this.scalar(args[1]!)];
				return new NativeHistogramNode(ctx, node, this.vector(args[2]!), params);
			}
			default:
				return this.rangeCall(node);
		}
	}

	/** A function of a range vector: over a range selector or a subquery. */
	private rangeCall(node: CallNode): EvalNode {
		const ctx = this.ctx;
		const m = node.args.find((a) => a.kind === 'matrix' || a.kind === 'subquery');
		if (!m) throw execError(ctx, `expected a range vector in call to ${node.fn}`, node);
		const scalars = node.args.filter((a) => a !== m).map((a) => this.scalar(a));
		let input: RangeInput;
		if (m.kind === 'matrix') input = new SelectorRange(ctx, m, this.select(m.selector, m), this.read(m.selector));
		else if (m.kind === 'subquery') input = new SubqueryRange(ctx, m, this.vector(m.expr));
		else throw execError(ctx, `expected a range vector in call to ${node.fn}`, m);
		return new RangeFunctionNode(ctx, node, input, scalars, m.range);
	}
}

function checkDeadline(ctx: EvalContext, expr: Expr, opts: EvalOptions): void {
	opts.interrupt?.();
	if (ctx.deadline !== undefined && performance.now() > ctx.deadline) {
		throw new PromQLError('timeout', 'query timed out in expression evaluation', 0, expr.text.length, expr.text);
	}
}

function tooManySamples(expr: Expr): PromQLError {
	return new PromQLError('execution', TOO_MANY_SAMPLES, 0, expr.text.length, expr.text);
}

/** The compiled tree, and how many samples its selectors hold (they stay in memory for the whole evaluation). */
function prepare(expr: Expr, start: number, end: number, source: SampleSource, opts: EvalOptions): { ctx: EvalContext; root: EvalNode; loaded: number } {
	const ctx = newContext(expr.text, opts.lookbackMs ?? DEFAULT_LOOKBACK_MS, opts.deadline, start, end, opts.subqueryStepMs ?? DEFAULT_SUBQUERY_STEP_MS, {
		causal: opts.causal,
		peakSamples: opts.peakSamples
	});
	if (expr.type === 'matrix') {
		throw new PromQLError('execution', 'a range vector cannot be the result of an evaluation; use it in a function such as rate()', expr.root.from, expr.root.to, expr.text);
	}
	checkDeadline(ctx, expr, opts);
	const compiler = new Compiler(ctx, source, expr.root, opts.maxSamples ?? DEFAULT_MAX_SAMPLES);
	const root = compiler.compile(expr.root);
	checkDeadline(ctx, expr, opts);
	return { ctx, root, loaded: compiler.loaded };
}

/** Evaluates the expression at time t (epoch ms). */
export function evalInstant(expr: Expr, t: number, source: SampleSource, opts: EvalOptions = {}): InstantResult {
	const { ctx, root, loaded } = prepare(expr, t, t, source, opts);
	ctx.now = t;
	if (root instanceof ScalarNode) return { type: 'scalar', value: root.eval(t) };
	const v = root.eval(t);
	// The result is held alongside what the selectors loaded (Prometheus counts both).
	if (loaded + v.n > (opts.maxSamples ?? DEFAULT_MAX_SAMPLES)) throw tooManySamples(expr);
	const samples: Sample[] = [];
	for (let i = 0; i < v.n; i++) samples.push({ labels: { ...v.ls[i]!.labels }, value: v.v[i]! });
	checkDeadline(ctx, expr, opts);
	return { type: 'vector', samples };
}

/**
 * Evaluates the expression at start, start + step, ... up to end, as Prometheus' query_range;
 * each step gives what evalInstant gives at that time. Series are ordered by their labels.
 */
export function evalRange(expr: Expr, start: number, end: number, step: number, source: SampleSource, opts: EvalOptions = {}): RangeResult {
	if (!(step > 0) || !Number.isFinite(step)) throw new RangeError(`step must be a positive number of ms, got ${step}`);
	if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) throw new RangeError(`bad range [${start}, ${end}]`);
	const { ctx, root, loaded } = prepare(expr, start, end, source, opts);
	const maxSamples = opts.maxSamples ?? DEFAULT_MAX_SAMPLES;
	let k = 0;
	if (root instanceof ScalarNode) {
		const ts: number[] = [];
		const values: number[] = [];
		for (let t = start; t <= end; t += step) {
			if ((++k & 63) === 0) checkDeadline(ctx, expr, opts);
			ctx.now = t;
			ts.push(t);
			values.push(root.eval(t));
		}
		return { type: 'scalar', ts, values };
	}
	const series = new Map<LabelSet, { labels: Labels; ts: number[]; values: number[] }>();
	// The result's points are held alongside what the selectors loaded (Prometheus counts both).
	let points = loaded;
	for (let t = start; t <= end; t += step) {
		if ((++k & 63) === 0) checkDeadline(ctx, expr, opts);
		ctx.now = t;
		const v = (root as VectorNode).eval(t);
		for (let i = 0; i < v.n; i++) {
			const ls = v.ls[i]!;
			let s = series.get(ls);
			if (!s) series.set(ls, (s = { labels: { ...ls.labels }, ts: [], values: [] }));
			s.ts.push(t);
			s.values.push(v.v[i]!);
		}
		points += v.n;
		if (points > maxSamples) throw tooManySamples(expr);
	}
	checkDeadline(ctx, expr, opts);
	return { type: 'matrix', series: sortByLabels([...series.values()], (s) => s.labels) };
}

/** The selectors of the expression: matchers, range (of range selectors) and offset, in ms. */
export function selectorsOf(expr: Expr): { matchers: Matcher[]; range?: number; offset: number }[] {
	return selectorNodes(expr.root).map((n) =>
		n.kind === 'matrix'
			? { matchers: n.selector.matchers.map((m) => ({ ...m })), range: n.range, offset: n.selector.offset }
			: { matchers: n.matchers.map((m) => ({ ...m })), offset: n.offset }
	);
}

/** Whether the expression uses absent() or absent_over_time() (it then gives results without data). */
export function usesAbsent(expr: Expr): boolean {
	let found = false;
	walk(expr.root, (n) => {
		if (n.kind === 'call' && (n.fn === 'absent' || n.fn === 'absent_over_time')) found = true;
	});
	return found;
}
