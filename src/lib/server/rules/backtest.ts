/**
 * Backtesting: replays a rule over stored history with the same state machine the engine runs,
 * at its group's interval (evaluation times aligned to multiples of the interval). Each expression
 * is evaluated once over the whole window (a range query); the state machine then steps over the
 * per-step vectors. It reports when each instance was pending, firing, nodata or error, and how
 * many notifications would have been sent: one when an instance starts firing, one when a firing
 * instance resolves, and one every `repeatIntervalMs` while it keeps firing.
 */
import type { Labels } from '../../shared/series';
import { evalRange, type EvalOptions, type Expr, type RangeResult, type SampleSource } from '../promql';
import type { CompiledRule } from './compile';
import { outcomeAt } from './evaluate';
import { RuleMachine, type EvalOutcome } from './state';
import type { AlertEvent, RuleState, VectorSample } from './types';

export type SpanState = 'pending' | 'firing' | 'nodata' | 'error';

export interface Span {
	state: SpanState;
	/** Epoch ms of the first evaluation in this state. */
	from: number;
	/** Epoch ms of the evaluation that left the state (exclusive), or the window's end. */
	to: number;
	/** Still in this state at the end of the window. */
	open?: boolean;
}

export interface BacktestInstance {
	fingerprint: string;
	labels: Labels;
	spans: Span[];
}

export interface BacktestOptions extends EvalOptions {
	from: number;
	to: number;
	/** Evaluation interval; default the rule's group interval. */
	interval?: number;
	/** How often a firing alert is notified again. Default 4 h. */
	repeatIntervalMs?: number;
	externalLabels?: Record<string, string>;
	/** The state to start from (default: nothing active). */
	initial?: RuleState;
	/** A monotonic clock in ms for durationMs. Default performance.now. */
	clock?: () => number;
	/** Receives every state change, in order. */
	onEvent?: (e: AlertEvent) => void;
}

export interface BacktestResult {
	ruleId: string;
	from: number;
	to: number;
	interval: number;
	instances: BacktestInstance[];
	notifications: number;
	evaluations: number;
	durationMs: number;
	/** A range evaluation failed, so the window was evaluated step by step. */
	stepwise?: boolean;
}

export const DEFAULT_REPEAT_INTERVAL_MS = 4 * 3_600_000;

/** Per-step vectors of a range result: `at(k)` is the vector at the k-th step. */
class Steps {
	private readonly series: Array<{ labels: Labels; ts: number[]; values: number[] }>;
	private readonly pos: number[];
	private readonly scalar?: { ts: number[]; values: number[] };
	private scalarPos = 0;

	constructor(res: RangeResult) {
		if (res.type === 'scalar') {
			this.series = [];
			this.pos = [];
			this.scalar = { ts: res.ts, values: res.values };
		} else {
			this.series = res.series.map((s) => ({ labels: s.labels, ts: s.ts, values: s.values }));
			this.pos = this.series.map(() => 0);
		}
	}

	/** Advances every series to time t; calls come in increasing t. */
	private seek(t: number): void {
		for (let i = 0; i < this.series.length; i++) {
			const ts = this.series[i]!.ts;
			let p = this.pos[i]!;
			while (p < ts.length && ts[p]! < t) p++;
			this.pos[i] = p;
		}
		if (this.scalar) {
			const ts = this.scalar.ts;
			while (this.scalarPos < ts.length && ts[this.scalarPos]! < t) this.scalarPos++;
		}
	}

	/** The vector at time t. */
	at(t: number): VectorSample[] {
		this.seek(t);
		if (this.scalar) {
			const p = this.scalarPos;
			return this.scalar.ts[p] === t ? [{ labels: EMPTY, value: this.scalar.values[p]! }] : [];
		}
		const out: VectorSample[] = [];
		for (let i = 0; i < this.series.length; i++) {
			const s = this.series[i]!;
			const p = this.pos[i]!;
			if (s.ts[p] === t) out.push({ labels: s.labels, value: s.values[p]! });
		}
		return out;
	}

	/** Whether the vector at time t has any element. */
	any(t: number): boolean {
		this.seek(t);
		if (this.scalar) return this.scalar.ts[this.scalarPos] === t;
		for (let i = 0; i < this.series.length; i++) if (this.series[i]!.ts[this.pos[i]!] === t) return true;
		return false;
	}

	/** Label sets of the vector's elements at time t. */
	labelsAt(t: number): Labels[] {
		this.seek(t);
		if (this.scalar) return this.scalar.ts[this.scalarPos] === t ? [EMPTY] : [];
		const out: Labels[] = [];
		for (let i = 0; i < this.series.length; i++) if (this.series[i]!.ts[this.pos[i]!] === t) out.push(this.series[i]!.labels);
		return out;
	}
}

const EMPTY: Labels = {};

function rangeOf(expr: Expr, start: number, end: number, step: number, source: SampleSource, opts: EvalOptions): Steps {
	return new Steps(evalRange(expr, start, end, step, source, opts));
}

/**
 * The outcome of each evaluation of the rule at first, first + interval, ..., last: one range
 * evaluation per expression, or, when one fails, an evaluation at each step (exact, slower).
 * `at` must be called with increasing times.
 */
export function rangeOutcomes(
	rule: CompiledRule,
	source: SampleSource,
	first: number,
	last: number,
	interval: number,
	eo: EvalOptions = {}
): { at: (t: number) => EvalOutcome; stepwise: boolean } {
	try {
		const main = rangeOf(rule.expr, first, last, interval, source, eo);
		const data = rule.data ? rangeOf(rule.data, first, last, interval, source, eo) : undefined;
		const clear = rule.clear ? rangeOf(rule.clear, first, last, interval, source, eo) : undefined;
		const presence = rule.presence ? rangeOf(rule.presence, first, last, interval, source, eo) : undefined;
		const at = (t: number): EvalOutcome => {
			const o: EvalOutcome & { kind: 'vector' } = { kind: 'vector', samples: main.at(t) };
			if (data) o.nodata = !data.any(t);
			if (clear) o.clear = clear.at(t);
			if (presence) o.present = presence.labelsAt(t);
			return o;
		};
		return { at, stepwise: false };
	} catch {
		return { at: (t) => outcomeAt(rule, t, source, eo), stepwise: true };
	}
}

/** Replays the rule over [from, to] on `source`. */
export function backtest(rule: CompiledRule, source: SampleSource, options: BacktestOptions): BacktestResult {
	const clock = options.clock ?? (() => performance.now());
	const t0 = clock();
	const interval = options.interval ?? rule.intervalMs;
	if (!(interval > 0)) throw new RangeError(`interval must be positive, got ${interval}`);
	if (!(options.to >= options.from)) throw new RangeError('to must not be before from');
	const first = Math.ceil(options.from / interval) * interval;
	const last = Math.floor(options.to / interval) * interval;
	const repeat = options.repeatIntervalMs ?? DEFAULT_REPEAT_INTERVAL_MS;
	// Each evaluation sees what a live one would have: nothing after its time (a negative offset
	// looks no further than now).
	const eo: EvalOptions = { causal: true };
	if (options.lookbackMs !== undefined) eo.lookbackMs = options.lookbackMs;
	if (options.deadline !== undefined) eo.deadline = options.deadline;
	if (options.maxSamples !== undefined) eo.maxSamples = options.maxSamples;
	if (options.subqueryStepMs !== undefined) eo.subqueryStepMs = options.subqueryStepMs;

	const result: BacktestResult = { ruleId: rule.id, from: options.from, to: options.to, interval, instances: [], notifications: 0, evaluations: 0, durationMs: 0 };
	if (last < first) {
		result.durationMs = clock() - t0;
		return result;
	}

	const outcomes = rangeOutcomes(rule, source, first, last, interval, eo);
	if (outcomes.stepwise) result.stepwise = true;
	const outcomeOf = outcomes.at;

	const open = new Map<string, Span>();
	const all = new Map<string, BacktestInstance>();
	/** Firing instances and when each was last notified. */
	const lastSent = new Map<string, number>();
	const machine = RuleMachine.from(rule, options.initial);
	for (const a of machine.instances.values()) {
		if (a.state !== 'inactive') openSpan(a.fingerprint, a.labels, a.state as SpanState, first);
		if (a.state === 'firing') lastSent.set(a.fingerprint, a.lastSentAt ?? first);
	}
	function openSpan(fp: string, labels: Labels, state: SpanState, t: number): void {
		let inst = all.get(fp);
		if (!inst) all.set(fp, (inst = { fingerprint: fp, labels, spans: [] }));
		const span: Span = { state, from: t, to: t };
		inst.spans.push(span);
		open.set(fp, span);
	}
	const stepOpts = { annotations: false, externalLabels: options.externalLabels };
	for (let t = first; t <= last; t += interval) {
		const events = machine.step(t, outcomeOf(t), stepOpts);
		result.evaluations++;
		for (const e of events) {
			options.onEvent?.(e);
			const span = open.get(e.fingerprint);
			if (span) {
				span.to = t;
				open.delete(e.fingerprint);
			}
			if (e.to !== 'inactive') openSpan(e.fingerprint, e.labels, e.to as SpanState, t);
			if (e.to === 'firing') {
				result.notifications++;
				lastSent.set(e.fingerprint, t);
			} else if (e.from === 'firing') {
				result.notifications++;
				lastSent.delete(e.fingerprint);
			}
		}
		for (const [fp, sent] of lastSent) {
			if (t - sent >= repeat) {
				result.notifications++;
				lastSent.set(fp, t);
			}
		}
	}
	for (const span of open.values()) {
		span.to = options.to;
		span.open = true;
	}
	result.instances = [...all.values()].sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1));
	result.durationMs = clock() - t0;
	return result;
}

export interface FiringDifference {
	/** The instance's labels without alertname (how the two sides are matched). */
	labels: Labels;
	/** `extra`: the draft fires where the current rule does not; `missing`: the other way round. */
	kind: 'extra' | 'missing';
	from: number;
	to: number;
}

export interface BacktestComparison {
	current: BacktestResult;
	draft: BacktestResult;
	/** draft.notifications - current.notifications */
	notificationsDelta: number;
	differences: FiringDifference[];
}

type Interval = [number, number];

function firingIntervals(r: BacktestResult): Map<string, { labels: Labels; spans: Interval[] }> {
	const out = new Map<string, { labels: Labels; spans: Interval[] }>();
	for (const inst of r.instances) {
		const labels = { ...inst.labels };
		delete labels.alertname;
		const key = JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
		const entry = out.get(key) ?? { labels, spans: [] };
		for (const s of inst.spans) if (s.state === 'firing' && s.to > s.from) entry.spans.push([s.from, s.to]);
		out.set(key, entry);
	}
	for (const e of out.values()) e.spans = union(e.spans);
	return out;
}

function union(spans: Interval[]): Interval[] {
	const sorted = [...spans].sort((a, b) => a[0] - b[0]);
	const out: Interval[] = [];
	for (const s of sorted) {
		const lastSpan = out[out.length - 1];
		if (lastSpan && s[0] <= lastSpan[1]) lastSpan[1] = Math.max(lastSpan[1], s[1]);
		else out.push([s[0], s[1]]);
	}
	return out;
}

/** Parts of `a` not covered by `b` (both sorted and disjoint). */
function minus(a: Interval[], b: Interval[]): Interval[] {
	const out: Interval[] = [];
	for (const [from, to] of a) {
		let cur = from;
		for (const [bf, bt] of b) {
			if (bt <= cur || bf >= to) continue;
			if (bf > cur) out.push([cur, bf]);
			cur = Math.max(cur, bt);
			if (cur >= to) break;
		}
		if (cur < to) out.push([cur, to]);
	}
	return out;
}

/** The current rule's backtest beside a draft's, with where their firing differs. */
export function compareBacktests(current: BacktestResult, draft: BacktestResult): BacktestComparison {
	const a = firingIntervals(current);
	const b = firingIntervals(draft);
	const differences: FiringDifference[] = [];
	for (const key of new Set([...a.keys(), ...b.keys()])) {
		const ca = a.get(key);
		const cb = b.get(key);
		const labels = (cb ?? ca)!.labels;
		for (const [from, to] of minus(cb?.spans ?? [], ca?.spans ?? [])) differences.push({ labels, kind: 'extra', from, to });
		for (const [from, to] of minus(ca?.spans ?? [], cb?.spans ?? [])) differences.push({ labels, kind: 'missing', from, to });
	}
	differences.sort((x, y) => x.from - y.from || (x.kind < y.kind ? -1 : 1));
	return { current, draft, notificationsDelta: draft.notifications - current.notifications, differences };
}
