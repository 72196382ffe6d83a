/**
 * Binary operators as Prometheus v2.42 evaluates them: arithmetic and comparisons between
 * scalars, a vector and a scalar, and two vectors (with `on`/`ignoring`, `group_left`/
 * `group_right` and their errors), and the set operators `and`, `or`, `unless`.
 */
import { dropsName, isComparison, type BinaryNode, type BinaryOp, type VectorMatching } from './ast';
import { execError, ScalarNode, VectorNode, type EvalContext, type Vec } from './core';
import { formatLabels, type LabelSet } from './labels';
import { goPow } from './math';

/** The value of `lhs op rhs`, and for comparisons whether the element is kept (`keep`). */
let keep = true;
function elem(op: BinaryOp, lhs: number, rhs: number): number {
	keep = true;
	switch (op) {
		case '+':
			return lhs + rhs;
		case '-':
			return lhs - rhs;
		case '*':
			return lhs * rhs;
		case '/':
			return lhs / rhs;
		case '^':
			return goPow(lhs, rhs);
		case '%':
			return lhs % rhs;
		case 'atan2':
			return Math.atan2(lhs, rhs);
		case '==':
			keep = lhs === rhs;
			return lhs;
		case '!=':
			keep = lhs !== rhs;
			return lhs;
		case '>':
			keep = lhs > rhs;
			return lhs;
		case '<':
			keep = lhs < rhs;
			return lhs;
		case '>=':
			keep = lhs >= rhs;
			return lhs;
		case '<=':
			keep = lhs <= rhs;
			return lhs;
		default:
			throw new Error(`not an arithmetic or comparison operator: ${op}`);
	}
}

export class ScalarBinaryNode extends ScalarNode {
	constructor(
		ctx: EvalContext,
		readonly node: BinaryNode,
		private readonly lhs: ScalarNode,
		private readonly rhs: ScalarNode
	) {
		super(ctx, node);
	}

	eval(t: number): number {
		const v = elem(this.node.op, this.lhs.eval(t), this.rhs.eval(t));
		return isComparison(this.node.op) ? (keep ? 1 : 0) : v;
	}
}

/** A vector and a scalar, on either side. */
export class VectorScalarNode extends VectorNode {
	private readonly dropName: boolean;

	constructor(
		ctx: EvalContext,
		readonly node: BinaryNode,
		private readonly vector: VectorNode,
		private readonly scalar: ScalarNode,
		/** The scalar is the left-hand side. */
		private readonly swap: boolean
	) {
		super(ctx, node);
		this.dropName = dropsName(node.op) || node.returnBool;
	}

	eval(t: number): Vec {
		const out = this.out;
		out.n = 0;
		const { op, returnBool } = this.node;
		const cmp = isComparison(op);
		// Evaluate in the written order.
		let s = 0;
		if (this.swap) s = this.scalar.eval(t);
		const vec = this.vector.eval(t);
		if (!this.swap) s = this.scalar.eval(t);
		for (let i = 0; i < vec.n; i++) {
			const x = vec.v[i]!;
			let value = this.swap ? elem(op, s, x) : elem(op, x, s);
			// A comparison keeps the vector's value, whichever side it is on.
			if (cmp && this.swap) value = x;
			if (returnBool) {
				value = keep ? 1 : 0;
				keep = true;
			}
			if (!keep) continue;
			const ls = vec.ls[i]!;
			out.push(this.dropName ? this.ctx.interner.dropName(ls) : ls, value);
		}
		this.checkDuplicates(out);
		return out;
	}
}

/** A match group: the samples whose matching labels are equal. Per-step state is stamped. */
interface Sig {
	/** The step this group was last seen on the "one" side (or in the set-operator's lookup). */
	stamp: number;
	/** Index of its sample on the "one" side. */
	idx: number;
	/** The step a one-to-one match used it. */
	matched: number;
	/** Result label sets produced for it this step (many-to-one). */
	metrics: LabelSet[];
	metricsStamp: number;
}

/** How the two sides of a vector operation are matched: match groups by label set. */
class Signer {
	private readonly bySet = new Map<LabelSet, Sig>();
	private readonly byKey = new Map<string, Sig>();
	private readonly names: string[];

	constructor(private readonly matching: VectorMatching) {
		this.names = [...matching.labels].sort();
	}

	of(ls: LabelSet): Sig {
		let sig = this.bySet.get(ls);
		if (sig) return sig;
		let key = '';
		if (this.matching.on) {
			for (const n of this.names) {
				const v = ls.labels[n];
				if (v !== undefined && v !== '') key += `${n}=${v.length}:${v},`;
			}
		} else {
			for (const n of Object.keys(ls.labels).sort()) {
				if (n === '__name__' || this.names.includes(n)) continue;
				const v = ls.labels[n]!;
				key += `${n}=${v.length}:${v},`;
			}
		}
		sig = this.byKey.get(key);
		if (!sig) this.byKey.set(key, (sig = { stamp: 0, idx: -1, matched: 0, metrics: [], metricsStamp: 0 }));
		this.bySet.set(ls, sig);
		return sig;
	}

	/** The matching labels of a set, as Prometheus prints them in errors. */
	matched(ls: LabelSet): string {
		const out: Record<string, string> = {};
		for (const [k, v] of Object.entries(ls.labels)) {
			const listed = this.matching.labels.includes(k);
			if (this.matching.on ? listed : !listed && k !== '__name__') out[k] = v;
		}
		return formatLabels(out);
	}
}

/** Arithmetic and comparisons between two vectors. */
export class VectorBinaryNode extends VectorNode {
	private readonly signer: Signer;
	private readonly resultLabels = new Map<LabelSet, Map<LabelSet, LabelSet>>();
	private step = 0;

	constructor(
		ctx: EvalContext,
		readonly node: BinaryNode,
		private readonly lhs: VectorNode,
		private readonly rhs: VectorNode
	) {
		super(ctx, node);
		this.signer = new Signer(node.matching!);
	}

	eval(t: number): Vec {
		const out = this.out;
		out.n = 0;
		const { op, returnBool } = this.node;
		const matching = this.node.matching!;
		const swap = matching.card === 'one-to-many';
		const left = this.lhs.eval(t);
		const right = this.rhs.eval(t);
		// Nothing can match (and no duplicate is looked for).
		if (left.n === 0 || right.n === 0) return out;
		// `many` is the side whose samples are each matched with one of `one`.
		const many = swap ? right : left;
		const one = swap ? left : right;
		const step = ++this.step;
		for (let i = 0; i < one.n; i++) {
			const ls = one.ls[i]!;
			const sig = this.signer.of(ls);
			if (sig.stamp === step) {
				throw execError(
					this.ctx,
					`found duplicate series for the match group ${this.signer.matched(ls)} on the ${swap ? 'left' : 'right'} hand-side of the operation: [${formatLabels(ls.labels)}, ${formatLabels(one.ls[sig.idx]!.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
					this.node
				);
			}
			sig.stamp = step;
			sig.idx = i;
		}
		const oneToOne = matching.card === 'one-to-one';
		for (let i = 0; i < many.n; i++) {
			const ls = many.ls[i]!;
			const sig = this.signer.of(ls);
			if (sig.stamp !== step) continue;
			const j = sig.idx;
			const rs = one.ls[j]!;
			const vl = swap ? one.v[j]! : many.v[i]!;
			const vr = swap ? many.v[i]! : one.v[j]!;
			let value = elem(op, vl, vr);
			if (returnBool) {
				value = keep ? 1 : 0;
			} else if (!keep) continue;
			let metric = this.result(ls, rs);
			if (returnBool) metric = this.ctx.interner.dropName(metric);
			if (oneToOne) {
				if (sig.matched === step) throw execError(this.ctx, 'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)', this.node);
				sig.matched = step;
			} else {
				if (sig.metricsStamp !== step) {
					sig.metricsStamp = step;
					sig.metrics.length = 0;
				} else if (sig.metrics.includes(metric)) throw execError(this.ctx, 'multiple matches for labels: grouping labels must ensure unique matches', this.node);
				sig.metrics.push(metric);
			}
			out.push(metric, value);
		}
		this.checkDuplicates(out);
		return out;
	}

	/** The labels of a result: Prometheus' resultMetric. `ls` is from the "many" side. */
	private result(ls: LabelSet, rs: LabelSet): LabelSet {
		let byR = this.resultLabels.get(ls);
		if (!byR) this.resultLabels.set(ls, (byR = new Map()));
		let res = byR.get(rs);
		if (res) return res;
		const matching = this.node.matching!;
		const labels: Record<string, string> = { ...ls.labels };
		if (dropsName(this.node.op)) delete labels.__name__;
		if (matching.card === 'one-to-one') {
			if (matching.on) {
				for (const k of Object.keys(labels)) if (!matching.labels.includes(k)) delete labels[k];
			} else {
				for (const k of matching.labels) delete labels[k];
			}
		}
		for (const k of matching.include) {
			const v = rs.get(k);
			if (v !== '') labels[k] = v;
			else delete labels[k];
		}
		res = this.ctx.interner.of(labels);
		byR.set(rs, res);
		return res;
	}
}

/** `and`, `or` and `unless`. */
export class SetOpNode extends VectorNode {
	private readonly signer: Signer;
	private step = 0;

	constructor(
		ctx: EvalContext,
		readonly node: BinaryNode,
		private readonly lhs: VectorNode,
		private readonly rhs: VectorNode
	) {
		super(ctx, node);
		this.signer = new Signer(node.matching!);
	}

	eval(t: number): Vec {
		const out = this.out;
		out.n = 0;
		const left = this.lhs.eval(t);
		const right = this.rhs.eval(t);
		const step = ++this.step;
		const sg = this.signer;
		switch (this.node.op) {
			case 'and':
				if (left.n === 0 || right.n === 0) break;
				for (let i = 0; i < right.n; i++) sg.of(right.ls[i]!).stamp = step;
				for (let i = 0; i < left.n; i++) if (sg.of(left.ls[i]!).stamp === step) out.push(left.ls[i]!, left.v[i]!);
				break;
			case 'or':
				for (let i = 0; i < left.n; i++) {
					sg.of(left.ls[i]!).stamp = step;
					out.push(left.ls[i]!, left.v[i]!);
				}
				for (let i = 0; i < right.n; i++) if (sg.of(right.ls[i]!).stamp !== step) out.push(right.ls[i]!, right.v[i]!);
				break;
			case 'unless':
				for (let i = 0; i < right.n; i++) sg.of(right.ls[i]!).stamp = step;
				for (let i = 0; i < left.n; i++) if (sg.of(left.ls[i]!).stamp !== step) out.push(left.ls[i]!, left.v[i]!);
				break;
			default:
				break;
		}
		this.checkDuplicates(out);
		return out;
	}
}
