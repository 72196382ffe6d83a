/**
 * What every evaluation node shares. Expressions compile into a tree of nodes (compile.ts); each
 * step asks the root for its value at time t, and each node asks its children. Nodes keep state
 * between steps (cursors into the samples, worked-out label sets), so a range evaluation costs
 * little more per step than the arithmetic itself. A node's output buffer is reused from step to
 * step: a parent reads it before asking for the next step.
 */
import type { AtModifier, Node } from './ast';
import { PromQLError } from './errors';
import { Interner, type LabelSet } from './labels';

/** An instant vector: parallel arrays, `n` entries in use. */
export class Vec {
	n = 0;
	readonly ls: LabelSet[] = [];
	readonly v: number[] = [];

	push(ls: LabelSet, v: number): void {
		this.ls[this.n] = ls;
		this.v[this.n] = v;
		this.n++;
	}
}

export interface EvalContext {
	readonly text: string;
	readonly interner: Interner;
	readonly lookbackMs: number;
	readonly deadline: number | undefined;
	/** The times evaluated: [start, end] (what `@ start()` and `@ end()` mean). */
	readonly start: number;
	readonly end: number;
	/** The step of a subquery written without one (`x[1h:]`), ms. */
	readonly subqueryStepMs: number;
	/** Samples after the evaluation time are not read (see EvalOptions.causal). */
	readonly causal: boolean;
	/** The top-level evaluation time being evaluated (ms). */
	now: number;
	/** Most samples one read may hold (see EvalOptions.peakSamples); Infinity when unlimited. */
	readonly peakSamples: number;
	/** Increments for each duplicate check, to mark label sets seen by it. */
	stamp: number;
}

export function newContext(
	text: string,
	lookbackMs: number,
	deadline: number | undefined,
	start: number,
	end: number,
	subqueryStepMs = 60_000,
	more: { causal?: boolean; peakSamples?: number } = {}
): EvalContext {
	return { text, interner: new Interner(), lookbackMs, deadline, start, end, subqueryStepMs, causal: more.causal ?? false, now: start, peakSamples: more.peakSamples ?? Infinity, stamp: 0 };
}

/** Prometheus' error when a query holds more samples than its limit. */
export const TOO_MANY_SAMPLES = 'query processing would load too many samples into memory in query execution';

/** The time an `@` modifier names, in ms. */
export function atTime(ctx: Pick<EvalContext, 'start' | 'end'>, at: AtModifier): number {
	return at === 'start' ? ctx.start : at === 'end' ? ctx.end : at;
}

export function execError(ctx: EvalContext, problem: string, at: Pick<Node, 'from' | 'to'>): PromQLError {
	return new PromQLError('execution', problem, at.from, at.to, ctx.text);
}

export abstract class VectorNode {
	readonly out = new Vec();
	constructor(
		readonly ctx: EvalContext,
		readonly at: Pick<Node, 'from' | 'to'>
	) {}
	/** The vector at time t (ms); the returned buffer is valid until the next call. */
	abstract eval(t: number): Vec;

	/** Prometheus refuses a result vector with two equal label sets. */
	protected checkDuplicates(vec: Vec): void {
		if (vec.n < 2) return;
		const stamp = ++this.ctx.stamp;
		for (let i = 0; i < vec.n; i++) {
			const ls = vec.ls[i]!;
			if (ls.stamp === stamp) throw execError(this.ctx, 'vector cannot contain metrics with the same labelset', this.at);
			ls.stamp = stamp;
		}
	}
}

export abstract class ScalarNode {
	constructor(
		readonly ctx: EvalContext,
		readonly at: Pick<Node, 'from' | 'to'>
	) {}
	abstract eval(t: number): number;
}

export type EvalNode = VectorNode | ScalarNode;

/** Index of the first element >= x in the ascending array (length if none). */
export function lowerBound(a: ArrayLike<number>, x: number, lo = 0, hi = a.length): number {
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (a[mid]! < x) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/** Index of the first element > x in the ascending array (length if none). */
export function upperBound(a: ArrayLike<number>, x: number, lo = 0, hi = a.length): number {
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (a[mid]! <= x) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/**
 * Moves a cursor forward: the first index >= `from` whose element is > x. Probes a few steps,
 * then gallops, so a cursor that moves a little per step costs O(1) and a long jump O(log n).
 */
export function seekAbove(a: ArrayLike<number>, from: number, x: number): number {
	const len = a.length;
	let i = from;
	for (let k = 0; k < 4; k++, i++) if (i >= len || a[i]! > x) return i;
	let step = 8;
	while (i + step < len && a[i + step]! <= x) {
		i += step;
		step *= 2;
	}
	return upperBound(a, x, i, Math.min(len, i + step + 1));
}

/** Like seekAbove, for the first element >= x. */
export function seekAtLeast(a: ArrayLike<number>, from: number, x: number): number {
	const len = a.length;
	let i = from;
	for (let k = 0; k < 4; k++, i++) if (i >= len || a[i]! >= x) return i;
	let step = 8;
	while (i + step < len && a[i + step]! < x) {
		i += step;
		step *= 2;
	}
	return lowerBound(a, x, i, Math.min(len, i + step + 1));
}
