/**
 * One evaluation of a compiled rule over a sample source: runs its expressions (the alerting
 * expression, the no-data check, the clear condition and the presence check of hysteresis) and
 * steps the state machine. A failure of any of them is the rule's error state, never "ok".
 */
import { evalInstant, loadExprsSource, MemorySource, type EvalOptions, type InstantResult, type SampleSource } from '../promql';
import type { TimeSeriesStore } from '../tsdb';
import type { CompiledRecording, CompiledRule } from './compile';
import { stepRule, type EvalOutcome, type StepResult } from './state';
import type { RuleState, VectorSample } from './types';

export interface EvaluateOptions extends EvalOptions {
	externalLabels?: Record<string, string>;
	externalURL?: string;
	/**
	 * Render annotations.
	 * @defaultValue true
	 */
	annotations?: boolean;
	/** A monotonic clock in ms, for the evaluation's duration only. Default performance.now. */
	clock?: () => number;
}

export function vectorOf(res: InstantResult): VectorSample[] {
	return res.type === 'scalar' ? [{ labels: {}, value: res.value }] : res.samples;
}

function message(err: unknown): string {
	return err instanceof Error ? err.message : String(err);
}

/** Runs the rule's expressions at `at`; an exception is the error outcome. */
export function outcomeAt(rule: CompiledRule, at: number, source: SampleSource, opts: EvalOptions = {}): EvalOutcome {
	const eo: EvalOptions = {};
	if (opts.lookbackMs !== undefined) eo.lookbackMs = opts.lookbackMs;
	if (opts.deadline !== undefined) eo.deadline = opts.deadline;
	if (opts.maxSamples !== undefined) eo.maxSamples = opts.maxSamples;
	try {
		const samples = vectorOf(evalInstant(rule.expr, at, source, eo));
		const outcome: EvalOutcome & { kind: 'vector' } = { kind: 'vector', samples };
		if (rule.data) outcome.nodata = vectorOf(evalInstant(rule.data, at, source, eo)).length === 0;
		if (rule.clear) {
			outcome.clear = vectorOf(evalInstant(rule.clear, at, source, eo));
			if (rule.presence) outcome.present = vectorOf(evalInstant(rule.presence, at, source, eo)).map((s) => s.labels);
		}
		return outcome;
	} catch (err) {
		return { kind: 'error', message: message(err) };
	}
}

/**
 * Evaluates the rule at `at` (epoch ms) over `source`, or records `{ error }` (the source could not
 * be loaded), and steps its state from `previous`.
 */
export function evaluate(
	rule: CompiledRule,
	at: number,
	source: SampleSource | { error: string },
	previous: RuleState | undefined,
	opts: EvaluateOptions = {}
): StepResult {
	const clock = opts.clock ?? (() => performance.now());
	const t0 = clock();
	const outcome: EvalOutcome = 'error' in source && typeof source.error === 'string' ? { kind: 'error', message: source.error } : outcomeAt(rule, at, source as SampleSource, opts);
	return stepRule(rule, at, outcome, previous, {
		externalLabels: opts.externalLabels,
		externalURL: opts.externalURL,
		annotations: opts.annotations,
		durationMs: clock() - t0
	});
}

/** Loads from the store what an evaluation of a recording rule at `at` reads. */
export async function loadRecordingSource(store: Pick<TimeSeriesStore, 'raw'>, rule: CompiledRecording, at: number, opts?: EvalOptions): Promise<SampleSource> {
	return loadExprsSource(store, [rule.expr], at, at, opts);
}

/** Loads from the store what evaluations of the rule at any time in [from, to] read. */
export async function loadRuleSource(store: Pick<TimeSeriesStore, 'raw'>, rule: CompiledRule, from: number, to: number, opts?: EvalOptions): Promise<SampleSource> {
	const exprs = [rule.expr, rule.clear, rule.presence, rule.data].filter((e) => e !== undefined);
	return loadExprsSource(store, exprs, from, to, opts);
}

/** Loads the rule's data from the store and evaluates it; a store failure is the error state. */
export async function evaluateFromStore(
	rule: CompiledRule,
	at: number,
	store: Pick<TimeSeriesStore, 'raw'>,
	previous: RuleState | undefined,
	opts: EvaluateOptions = {}
): Promise<StepResult> {
	let source: SampleSource | { error: string };
	try {
		source = await loadRuleSource(store, rule, at, at, opts);
	} catch (err) {
		source = { error: `reading the store failed: ${message(err)}` };
	}
	return evaluate(rule, at, source, previous, opts);
}

export { MemorySource };
