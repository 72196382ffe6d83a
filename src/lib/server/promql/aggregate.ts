/**
 * Aggregation operators (sum, avg, min, max, count, group, stddev, stdvar, topk, bottomk, quantile,
 * count_values) with `by` and `without`, as Prometheus v2.42's aggregation(): same accumulation
 * order, same NaN handling, same heaps for topk/bottomk (which decide among equal values).
 */
import type { AggregateNode } from './ast';
import { execError, ScalarNode, VectorNode, type EvalContext, type Vec } from './core';
import type { LabelSet } from './labels';
import { formatFloatFixed, quantile } from './math';

interface Group {
	ls: LabelSet;
	/** The step this group was last used in. */
	step: number;
	value: number;
	mean: number;
	count: number;
	/** topk/bottomk heap (of sample indexes into the input), quantile values. */
	heapLs: LabelSet[];
	heapV: number[];
}

const MAX_INT64 = 9223372036854775807;

export class AggregateEvalNode extends VectorNode {
	private readonly groupOf = new Map<LabelSet, Group>();
	private readonly byLabels = new Map<string, Group>();
	private readonly order: Group[] = [];
	private step = 0;
	private readonly names: string[];

	constructor(
		ctx: EvalContext,
		readonly node: AggregateNode,
		private readonly input: VectorNode,
		private readonly param: ScalarNode | undefined,
		/** count_values: the label the values go to. */
		private readonly valueLabel?: string
	) {
		super(ctx, node);
		const names = node.op === 'count_values' && !node.without ? [...node.grouping, valueLabel!] : node.grouping;
		this.names = node.without ? names : [...names].sort();
	}

	/** count_values: the element's labels with its value as a label. */
	private withValue(ls: LabelSet, v: number): LabelSet {
		return this.ctx.interner.of({ ...ls.labels, [this.valueLabel!]: formatFloatFixed(v) });
	}

	private group(ls: LabelSet): Group {
		let g = this.groupOf.get(ls);
		if (g) return g;
		const keep = !this.node.without;
		const labels = keep && this.names.length === 0 ? {} : this.ctx.interner.pick(ls, this.names, keep);
		const out = this.ctx.interner.of(labels);
		g = this.byLabels.get(out.key);
		if (!g) {
			g = { ls: out, step: -1, value: 0, mean: 0, count: 0, heapLs: [], heapV: [] };
			this.byLabels.set(out.key, g);
		}
		this.groupOf.set(ls, g);
		return g;
	}

	eval(t: number): Vec {
		const out = this.out;
		out.n = 0;
		const op = this.node.op;
		const p = this.param ? this.param.eval(t) : NaN;
		if (op === 'count_values' && !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(this.valueLabel!)) {
			throw execError(this.ctx, `invalid label name ${JSON.stringify(this.valueLabel)}`, this.node);
		}
		const vec = this.input.eval(t);
		const k = op === 'topk' || op === 'bottomk' ? this.kOf(p) : 0;
		if ((op === 'topk' || op === 'bottomk') && k < 1) return out;
		this.accumulate(vec, k);
		for (const g of this.order) this.emit(g, p);
		return out;
	}

	/** topk and bottomk's k: the parameter as a whole number (an error beyond int64). */
	private kOf(p: number): number {
		if (!(p <= MAX_INT64 && p >= -MAX_INT64 - 1)) throw execError(this.ctx, `Scalar value ${formatGoFloat(p)} overflows int64`, this.node);
		return Math.trunc(p);
	}

	/** Every element into its group, the groups in the order they were first met (`order`). */
	private accumulate(vec: Vec, k: number): void {
		const op = this.node.op;
		const step = ++this.step;
		this.order.length = 0;
		for (let i = 0; i < vec.n; i++) {
			const ls = vec.ls[i]!;
			const v = vec.v[i]!;
			const g = this.group(op === 'count_values' ? this.withValue(ls, v) : ls);
			if (g.step !== step) {
				g.step = step;
				this.start(g, ls, v);
				this.order.push(g);
			} else this.add(g, ls, v, k);
		}
	}

	/** A group's first element this step. */
	private start(g: Group, ls: LabelSet, v: number): void {
		const op = this.node.op;
		g.value = op === 'stddev' || op === 'stdvar' ? 0 : op === 'group' ? 1 : v;
		g.mean = v;
		g.count = 1;
		g.heapLs.length = 0;
		g.heapV.length = 0;
		if (op === 'topk' || op === 'bottomk' || op === 'quantile') {
			g.heapLs.push(ls);
			g.heapV.push(v);
		}
	}

	/** A group's next element. */
	private add(g: Group, ls: LabelSet, v: number, k: number): void {
		switch (this.node.op) {
			case 'sum':
				g.value += v;
				break;
			case 'avg':
				g.count++;
				if (!Number.isFinite(g.mean) && !Number.isNaN(g.mean)) {
					if (!Number.isFinite(v) && !Number.isNaN(v) && g.mean > 0 === v > 0) break;
					if (Number.isFinite(v)) break;
				}
				g.mean += v / g.count - g.mean / g.count;
				break;
			case 'max':
				if (g.value < v || Number.isNaN(g.value)) g.value = v;
				break;
			case 'min':
				if (g.value > v || Number.isNaN(g.value)) g.value = v;
				break;
			case 'count':
			case 'count_values':
				g.count++;
				break;
			case 'group':
				break;
			case 'stddev':
			case 'stdvar': {
				g.count++;
				const delta = v - g.mean;
				g.mean += delta / g.count;
				g.value += delta * (v - g.mean);
				break;
			}
			case 'topk':
				offer(g, ls, v, k, false);
				break;
			case 'bottomk':
				offer(g, ls, v, k, true);
				break;
			case 'quantile':
				g.heapLs.push(ls);
				g.heapV.push(v);
				break;
		}
	}

	/** A group's result: one element, or for topk and bottomk its kept elements in order. */
	private emit(g: Group, p: number): void {
		const out = this.out;
		switch (this.node.op) {
			case 'avg':
				return out.push(g.ls, g.mean);
			case 'count':
			case 'count_values':
				return out.push(g.ls, g.count);
			case 'stdvar':
				return out.push(g.ls, g.value / g.count);
			case 'stddev':
				return out.push(g.ls, Math.sqrt(g.value / g.count));
			case 'quantile':
				return out.push(g.ls, quantile(p, g.heapV.slice()));
			case 'topk':
			case 'bottomk':
				return this.emitRanked(g, this.node.op === 'bottomk');
			default:
				return out.push(g.ls, g.value);
		}
	}

	/** Highest first for topk, lowest first for bottomk; NaN last. */
	private emitRanked(g: Group, lowestFirst: boolean): void {
		const idx = g.heapV.map((_, i) => i);
		idx.sort((a, b) => {
			const x = g.heapV[a]!;
			const y = g.heapV[b]!;
			if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
			if (Number.isNaN(y)) return -1;
			return lowestFirst ? x - y || 0 : y - x || 0;
		});
		for (const i of idx) this.out.push(g.heapLs[i]!, g.heapV[i]!);
	}
}

/**
 * Go's container/heap over the group's samples: a min-heap of values for topk (NaN below
 * everything), a max-heap for bottomk (NaN above everything). Mirrors Prometheus' use exactly,
 * so that the same samples win among equal values.
 */
function offer(g: Group, ls: LabelSet, v: number, k: number, bottom: boolean): void {
	const hv = g.heapV;
	const hl = g.heapLs;
	const top = hv[0]!;
	const better = bottom ? top > v : top < v;
	if (!(hv.length < k || better || Number.isNaN(top))) return;
	if (hv.length === k) {
		if (k === 1) {
			hv[0] = v;
			hl[0] = ls;
			return;
		}
		// heap.Pop: move the last to the root, sift down, drop the last.
		const n = hv.length - 1;
		swap(hv, hl, 0, n);
		down(hv, hl, 0, n, bottom);
		hv.pop();
		hl.pop();
	}
	hv.push(v);
	hl.push(ls);
	up(hv, hl, hv.length - 1, bottom);
}

function less(hv: number[], i: number, j: number, bottom: boolean): boolean {
	const a = hv[i]!;
	if (Number.isNaN(a)) return true;
	return bottom ? a > hv[j]! : a < hv[j]!;
}

function swap(hv: number[], hl: LabelSet[], i: number, j: number): void {
	const v = hv[i]!;
	hv[i] = hv[j]!;
	hv[j] = v;
	const l = hl[i]!;
	hl[i] = hl[j]!;
	hl[j] = l;
}

function up(hv: number[], hl: LabelSet[], j: number, bottom: boolean): void {
	for (;;) {
		const i = Math.trunc((j - 1) / 2);
		if (i === j || !less(hv, j, i, bottom)) break;
		swap(hv, hl, i, j);
		j = i;
	}
}

function down(hv: number[], hl: LabelSet[], i0: number, n: number, bottom: boolean): void {
	let i = i0;
	for (;;) {
		const j1 = 2 * i + 1;
		if (j1 >= n) break;
		let j = j1;
		const j2 = j1 + 1;
		if (j2 < n && less(hv, j2, j1, bottom)) j = j2;
		if (!less(hv, j, i, bottom)) break;
		swap(hv, hl, i, j);
		i = j;
	}
}

/** Go's %v of a float64 (shortest digits; exponent form below 1e-4 and from 1e6 up). */
export function formatGoFloat(v: number): string {
	if (Number.isNaN(v)) return 'NaN';
	if (v === Infinity) return '+Inf';
	if (v === -Infinity) return '-Inf';
	if (v === 0) return Object.is(v, -0) ? '-0' : '0';
	const [mant, e] = v.toExponential().split('e') as [string, string];
	const exp = Number(e);
	if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
	return String(v);
}
