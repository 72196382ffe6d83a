/**
 * Scalar nodes (numbers, time(), scalar(), operations on scalars), unary minus, and the
 * functions of instant vectors: abs, clamp_min, clamp_max, absent, vector.
 */
import type { CallNode, Node, UnaryNode } from './ast';
import { ScalarNode, VectorNode, type EvalContext, type Vec } from './core';
import type { LabelSet } from './labels';
import { goMax, goMin } from './math';

export class ConstNode extends ScalarNode {
	constructor(
		ctx: EvalContext,
		at: Node,
		private readonly value: number
	) {
		super(ctx, at);
	}

	eval(): number {
		return this.value;
	}
}

export class TimeNode extends ScalarNode {
	eval(t: number): number {
		return t / 1000;
	}
}

/** scalar(v): the value of a one-element vector, else NaN. */
export class ScalarOfNode extends ScalarNode {
	constructor(
		ctx: EvalContext,
		at: Node,
		private readonly input: VectorNode
	) {
		super(ctx, at);
	}

	eval(t: number): number {
		const v = this.input.eval(t);
		return v.n === 1 ? v.v[0]! : NaN;
	}
}

export class ScalarNegNode extends ScalarNode {
	constructor(
		ctx: EvalContext,
		at: UnaryNode,
		private readonly input: ScalarNode
	) {
		super(ctx, at);
	}

	eval(t: number): number {
		return -this.input.eval(t);
	}
}

/** -v: negated values, without the metric name. */
export class VectorNegNode extends VectorNode {
	constructor(
		ctx: EvalContext,
		at: UnaryNode,
		private readonly input: VectorNode
	) {
		super(ctx, at);
	}

	eval(t: number): Vec {
		const out = this.out;
		out.n = 0;
		const v = this.input.eval(t);
		for (let i = 0; i < v.n; i++) out.push(this.ctx.interner.dropName(v.ls[i]!), -v.v[i]!);
		this.checkDuplicates(out);
		return out;
	}
}

/** abs, clamp_min, clamp_max: a value function, without the metric name. */
export class MapNode extends VectorNode {
	private readonly f: (x: number, p: number) => number;

	constructor(
		ctx: EvalContext,
		readonly node: CallNode,
		private readonly input: VectorNode,
		private readonly param: ScalarNode | undefined
	) {
		super(ctx, node);
		this.f = node.fn === 'abs' ? Math.abs : node.fn === 'clamp_min' ? (x, p) => goMax(p, x) : (x, p) => goMin(p, x);
	}

	eval(t: number): Vec {
		const out = this.out;
		out.n = 0;
		const v = this.input.eval(t);
		const p = this.param ? this.param.eval(t) : NaN;
		for (let i = 0; i < v.n; i++) out.push(this.ctx.interner.dropName(v.ls[i]!), this.f(v.v[i]!, p));
		this.checkDuplicates(out);
		return out;
	}
}

/** absent(v): nothing when v has elements, else 1 with the labels of v's equality matchers. */
export class AbsentNode extends VectorNode {
	private readonly ls: LabelSet;

	constructor(
		ctx: EvalContext,
		readonly node: CallNode,
		private readonly input: VectorNode
	) {
		super(ctx, node);
		this.ls = ctx.interner.of(node.absentLabels ?? {});
	}

	eval(t: number): Vec {
		const out = this.out;
		out.n = 0;
		if (this.input.eval(t).n === 0) out.push(this.ls, 1);
		return out;
	}
}

/** vector(s): one element without labels. */
export class VectorOfNode extends VectorNode {
	private readonly ls: LabelSet;

	constructor(
		ctx: EvalContext,
		at: Node,
		private readonly input: ScalarNode
	) {
		super(ctx, at);
		this.ls = ctx.interner.of({});
	}

	eval(t: number): Vec {
		const out = this.out;
		out.n = 0;
		out.push(this.ls, this.input.eval(t));
		return out;
	}
}
