/**
 * "Save as test": a rule's behaviour over a window of stored history written as a rule test in
 * the format of `promtool test rules`, so an engineer can pin it in CI before changing the rule.
 *
 * - Time 0 of the test is the window's start less the lookback the rule needs (its longest range
 *   and offset, the 5-minute lookback of instant selectors, `for` and `keep_firing_for`), on an
 *   evaluation mark, so that alerts already pending or firing at the window's start are so in the
 *   test too.
 * - `input_series`: every series the rule reads, resampled at the group's interval (the last
 *   sample of each step; `_` for a step without one, `stale` for a stale marker), in the
 *   expanding notation with runs compressed (`7x20`, `1+0.5x9`, `_x30`).
 * - `alert_rule_test`: the evaluation times where the set of firing alerts changes within the
 *   window (from a replay of the exported series with the real state machine, as `vigil rules
 *   test` replays them), the window's first evaluation and its end, each with the alerts firing
 *   then (labels and annotations as rendered).
 *
 * Because the expected alerts come from replaying exactly the series the file holds, `vigil
 * rules test` passes on the exported pair by construction. The rule file is the rule in Vigil's
 * format with `severity:` written as the label it sets; when the rule uses no other Vigil key
 * (`clear_threshold`, `clear_expr`, `nodata`, `runbook_url`), `promtool test rules` reads it too
 * (`promtool` in the result). Pure: the caller loads the series (see `planRuleTest`).
 */
import { stringify } from 'yaml';
import { seriesId, type Labels } from '../../shared/series';
import { selectorsOf } from '../promql';
import type { Matcher, RawResult } from '../tsdb';
import { compileRule, ruleExprs, type CompiledRule, type RuleSpec } from './compile';
import { formatRuleFile, parseRuleFile } from './file';
import type { SeriesValue } from '../promql';
import { loadInputSeries, promDuration, replayRules, type FiringAlert, type InputSeries } from './unit-test';

/** The lookback of an instant selector (Prometheus's 5 minutes). */
const LOOKBACK_MS = 5 * 60_000;

export interface TestExportLimits {
	/** Most input series. */
	maxSeries: number;
	/** Most steps (samples per series) between time 0 and the window's end. */
	maxSteps: number;
	/** Most alert_rule_test entries. */
	maxEvalTimes: number;
}

export const TEST_EXPORT_LIMITS: TestExportLimits = { maxSeries: 200, maxSteps: 20_000, maxEvalTimes: 500 };

/** Keys of a rule that promtool does not know (Vigil's own). `severity` is written as a label instead. */
const VIGIL_ONLY_KEYS = ['clear_expr', 'clear_threshold', 'nodata', 'runbook_url'] as const;

export class TestExportError extends Error {
	override name = 'TestExportError';
	constructor(
		readonly field: string,
		message: string
	) {
		super(`${field}: ${message}`);
	}
}

export interface RuleTestRule {
	/** `group/alert`. */
	id: string;
	group: string;
	/** The group's interval as written (absent: the default). */
	interval?: string;
	intervalMs: number;
	spec: RuleSpec;
}

export interface RuleTestPlan {
	rule: CompiledRule;
	/** Step of the input series and of evaluations: the group's interval. */
	stepMs: number;
	/** Epoch ms of the test's time 0. */
	start: number;
	/** Epoch ms of the last evaluation (the window's end, on a mark). */
	end: number;
	/** Epoch ms of the window's first evaluation. */
	windowStart: number;
	/** What to load: each selector's matchers, over [dataFrom, dataTo]. */
	selectors: Matcher[][];
	dataFrom: number;
	dataTo: number;
}

/** The rule as promtool reads it: `severity:` as the label it sets. Vigil reads it the same. */
export function portableSpec(spec: RuleSpec): RuleSpec {
	if (spec.severity === undefined) return spec;
	const out: RuleSpec = { ...spec, labels: { ...(spec.labels ?? {}), severity: spec.severity } };
	delete out.severity;
	return out;
}

/** The Vigil keys that keep promtool from reading the rule (empty: promtool can run the test). */
export function vigilOnlyKeys(spec: RuleSpec): string[] {
	return VIGIL_ONLY_KEYS.filter((k) => spec[k] !== undefined);
}

/** How far before the window the test starts, so the state machine has what it needs at the window's start. */
export function ruleTestLookbackMs(rule: CompiledRule): number {
	let reach = LOOKBACK_MS;
	for (const e of ruleExprs(rule)) {
		for (const s of selectorsOf(e)) reach = Math.max(reach, (s.range ?? LOOKBACK_MS) + Math.max(0, s.offset));
	}
	return reach + rule.forMs + rule.keepFiringForMs;
}

/** Compiles the rule and works out the test's times and the data to load. Throws TestExportError. */
export function planRuleTest(input: RuleTestRule, window: { from: number; to: number }, limits: TestExportLimits = TEST_EXPORT_LIMITS): RuleTestPlan {
	const { from, to } = window;
	if (!Number.isFinite(from)) throw new TestExportError('from', 'expected a time');
	if (!Number.isFinite(to)) throw new TestExportError('to', 'expected a time');
	if (to <= from) throw new TestExportError('to', 'must be after from');
	const compiled = compileRule(input.spec, { name: input.group, intervalMs: input.intervalMs });
	if (!compiled.rule) throw new TestExportError('rule', `the rule does not compile: ${compiled.problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; ')}`);
	const rule = compiled.rule;
	const step = input.intervalMs;
	const windowStart = Math.ceil(from / step) * step;
	const end = Math.max(windowStart, Math.floor(to / step) * step);
	const start = Math.floor((windowStart - ruleTestLookbackMs(rule)) / step) * step;
	const steps = (end - start) / step + 1;
	if (steps > limits.maxSteps) {
		const most = (limits.maxSteps - 1) * step - (windowStart - start);
		throw new TestExportError(
			'to',
			`the test would hold ${steps.toLocaleString('en-US')} steps of ${promDuration(step)} per series (at most ${limits.maxSteps.toLocaleString('en-US')}, lookback included); narrow the window to at most ${promDuration(Math.max(step, most))}`
		);
	}
	const selectors = new Map<string, Matcher[]>();
	for (const e of ruleExprs(rule)) for (const s of selectorsOf(e)) selectors.set(JSON.stringify(s.matchers), s.matchers);
	// The value of a step is the last sample in (t - step, t].
	return { rule, stepMs: step, start, end, windowStart, selectors: [...selectors.values()], dataFrom: start - step + 1, dataTo: end };
}

/** One value per step at start, start + step, ... end: the last sample of (t - step, t]. */
export function resampleSeries(s: Pick<RawResult, 'ts' | 'values' | 'stale'>, start: number, end: number, step: number): SeriesValue[] {
	const n = Math.round((end - start) / step) + 1;
	const out: SeriesValue[] = new Array<SeriesValue>(n).fill(null);
	const stale = new Set(s.stale ?? []);
	for (let i = 0; i < s.ts.length; i++) {
		const k = Math.ceil((s.ts[i]! - start) / step);
		if (k < 0 || k >= n) continue;
		// Samples are in time order: a later one in the same step replaces the value.
		out[k] = stale.has(i) ? 'stale' : s.values[i]!;
	}
	return out;
}

function numberText(v: number): string {
	if (Number.isNaN(v)) return 'NaN';
	if (v === Infinity) return 'Inf';
	if (v === -Infinity) return '-Inf';
	return String(v);
}

/** Values in the expanding notation, runs compressed: `_x3 5x10 1+2x4 stale`. */
export function formatSeriesValues(values: readonly SeriesValue[]): string {
	const parts: string[] = [];
	let i = 0;
	while (i < values.length) {
		const v = values[i]!;
		if (v === null) {
			let j = i;
			while (j < values.length && values[j] === null) j++;
			parts.push(j - i === 1 ? '_' : `_x${j - i}`);
			i = j;
			continue;
		}
		if (v === 'stale') {
			parts.push('stale');
			i++;
			continue;
		}
		if (!Number.isFinite(v)) {
			// `NaNx3` would read as one word: non-finite values are written one by one.
			parts.push(numberText(v));
			i++;
			continue;
		}
		// The longest run a, a+b, a+2b, ... that step-by-step addition (as the notation expands) gives exactly.
		let j = i + 1;
		const next = values[j];
		let b = 0;
		if (typeof next === 'number' && Number.isFinite(next)) {
			b = next - v;
			let cur = v;
			while (j < values.length) {
				const x = values[j];
				if (typeof x !== 'number' || cur + b !== x) break;
				cur += b;
				j++;
			}
		}
		const n = j - i - 1;
		if (n === 0) parts.push(numberText(v));
		else if (b === 0) parts.push(`${numberText(v)}x${n}`);
		else parts.push(`${numberText(v)}${b < 0 ? '-' : '+'}${numberText(Math.abs(b))}x${n}`);
		i = j;
	}
	return parts.join(' ');
}

export interface RuleTestExport {
	ruleFileName: string;
	ruleFile: string;
	testFileName: string;
	testFile: string;
	/** The eval_time of each alert_rule_test entry, as in the file (`35m`). */
	evalTimes: string[];
	/** The same times as epoch ms. */
	evalAt: number[];
	/** Epoch ms of the test's time 0. */
	startsAt: number;
	/** Distinct alerts (label sets) that fire at one of the eval times. */
	alerts: number;
	/** Whether `promtool test rules` can run the pair (the rule uses no Vigil-only key). */
	promtool: boolean;
	/** The Vigil-only keys that keep promtool out (empty when `promtool` is true). */
	vigilKeys: string[];
	series: number;
	steps: number;
}

/** A file name part from a rule id: letters, digits, `-` and `_`. */
function fileStem(id: string): string {
	return id.replace(/#/g, '-').replace(/\//g, '-').replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 120) || 'rule';
}

function sortedLabels(l: Labels): Labels {
	return Object.fromEntries(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function firingKey(list: readonly FiringAlert[]): string {
	return list
		.map((a) => JSON.stringify(sortedLabels(a.labels)))
		.sort()
		.join('\n');
}

const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

/**
 * Builds the rule file and the test file from the plan and the loaded series (each with its
 * labels, `__name__` included). `title` says where the window came from (`incident INC-3`).
 */
export async function buildRuleTest(
	input: RuleTestRule,
	plan: RuleTestPlan,
	loaded: readonly RawResult[],
	options: { title?: string; limits?: TestExportLimits } = {}
): Promise<RuleTestExport> {
	const limits = options.limits ?? TEST_EXPORT_LIMITS;
	const { stepMs: step, start, end, windowStart } = plan;
	const inputSeries = exportedSeries(loaded, plan, limits);
	const spec = portableSpec(input.spec);
	const vigilKeys = vigilOnlyKeys(spec);
	const stem = fileStem(input.id);
	const ruleFileName = `${stem}.rules.yml`;
	const testFileName = `${stem}.test.yml`;
	const ruleFile =
		`# ${input.id} as exported by Vigil, for ${testFileName}.\n` +
		formatRuleFile([{ name: input.group, ...(input.interval !== undefined ? { interval: input.interval } : { interval: promDuration(step) }), rules: [spec] }]);
	const last = end - start;
	const firingAt = await replayExport(ruleFile, ruleFileName, spec.alert, inputSeries, step, last);
	const chosen = chooseEvalTimes(firingAt, windowStart - start, last, step, limits);
	const { tests, alerts } = alertRuleTests(chosen, firingAt, spec.alert);
	const title = options.title ? ` during ${options.title}` : '';
	const doc = {
		rule_files: [ruleFileName],
		evaluation_interval: promDuration(step),
		tests: [{ name: `${input.id}${title}: ${iso(windowStart)} to ${iso(end)}`, interval: promDuration(step), input_series: inputSeries, alert_rule_test: tests }]
	};
	const header = [
		`# A rule test of ${input.id}${title}, exported by Vigil from stored history.`,
		`# Time 0 is ${iso(start)} (the window ${iso(windowStart)} .. ${iso(end)} less the rule's lookback);`,
		`# the series are resampled every ${promDuration(step)}, the group's interval.`,
		`# Run: vigil rules test ${testFileName}` + (vigilKeys.length === 0 ? `   (or: promtool test rules ${testFileName})` : ''),
		...(vigilKeys.length ? [`# promtool cannot run it: the rule uses Vigil's ${vigilKeys.join(', ')}.`] : [])
	].join('\n');
	return {
		ruleFileName,
		ruleFile,
		testFileName,
		testFile: `${header}\n${stringify(doc, { lineWidth: 0, indent: 2 })}`,
		evalTimes: chosen.map(promDuration),
		evalAt: chosen.map((t) => start + t),
		startsAt: start,
		alerts,
		promtool: vigilKeys.length === 0,
		vigilKeys,
		series: inputSeries.length,
		steps: last / step + 1
	};
}

/** The loaded series resampled on the test's steps, one entry per series (several selectors may read the same one), by id. */
function exportedSeries(loaded: readonly RawResult[], plan: RuleTestPlan, limits: TestExportLimits): InputSeries[] {
	const byId = new Map<string, RawResult>();
	for (const s of loaded) {
		const name = s.labels.__name__;
		if (name === undefined) continue;
		const rest = { ...s.labels };
		delete rest.__name__;
		byId.set(seriesId(name, rest), s);
	}
	if (byId.size > limits.maxSeries) {
		throw new TestExportError('rule', `the rule reads ${byId.size.toLocaleString('en-US')} series in this window (at most ${limits.maxSeries} in a test); narrow the window or the rule's selectors`);
	}
	const inputSeries: InputSeries[] = [];
	for (const [id, s] of [...byId].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
		const values = resampleSeries(s, plan.start, plan.end, plan.stepMs);
		if (values.every((v) => v === null)) continue;
		inputSeries.push({ series: id, values: formatSeriesValues(values) });
	}
	return inputSeries;
}

/** Replays what the files hold, as `vigil rules test` will: the alert's firing instances at each step. */
async function replayExport(ruleFile: string, ruleFileName: string, alert: string, inputSeries: InputSeries[], step: number, last: number): Promise<Map<number, FiringAlert[]>> {
	const parsed = parseRuleFile(ruleFile, ruleFileName, { defaultIntervalMs: step });
	if (parsed.problems.length || parsed.groups[0]?.rules.length !== 1) throw new TestExportError('rule', `the exported rule does not compile: ${parsed.problems.map((p) => p.message).join('; ')}`);
	const store = await loadInputSeries(inputSeries, step);
	if ('errors' in store) throw new TestExportError('series', store.errors.join('; '));
	const times: number[] = [];
	for (let t = 0; t <= last; t += step) times.push(t);
	const firingAt = new Map<number, FiringAlert[]>();
	const errors = await replayRules(parsed.groups, store.storage, { evaluationIntervalMs: step, untilMs: last }, times, (t, firing) => {
		firingAt.set(t, firing(alert));
	});
	if (errors.length) throw new TestExportError('rule', `the rule fails to evaluate over the exported series: ${errors.map((e) => e.trim()).join('; ')}`);
	return firingAt;
}

/** The window's first evaluation, each change of the firing set after it, and the end. */
function chooseEvalTimes(firingAt: ReadonlyMap<number, FiringAlert[]>, first: number, last: number, step: number, limits: TestExportLimits): number[] {
	const chosen: number[] = [first];
	let prev = firingKey(firingAt.get(first) ?? []);
	for (let t = first + step; t <= last; t += step) {
		const key = firingKey(firingAt.get(t) ?? []);
		if (key !== prev) chosen.push(t);
		prev = key;
	}
	if (chosen.at(-1) !== last) chosen.push(last);
	if (chosen.length > limits.maxEvalTimes) {
		throw new TestExportError('to', `the firing alerts change ${chosen.length.toLocaleString('en-US')} times in this window (at most ${limits.maxEvalTimes} eval times in a test); narrow the window`);
	}
	return chosen;
}

/** An alert_rule_test entry per chosen time, its alerts in label order; `alerts`: distinct alerts among them. */
function alertRuleTests(chosen: readonly number[], firingAt: ReadonlyMap<number, FiringAlert[]>, alertname: string) {
	const distinct = new Set<string>();
	const tests = chosen.map((t) => {
		const firing = [...(firingAt.get(t) ?? [])].sort((a, b) => (JSON.stringify(sortedLabels(a.labels)) < JSON.stringify(sortedLabels(b.labels)) ? -1 : 1));
		for (const a of firing) distinct.add(JSON.stringify(sortedLabels(a.labels)));
		return {
			eval_time: promDuration(t),
			alertname,
			exp_alerts: firing.map((a) => {
				const labels = sortedLabels(a.labels);
				delete labels.alertname;
				return { exp_labels: labels, exp_annotations: sortedLabels(a.annotations) };
			})
		};
	});
	return { tests, alerts: distinct.size };
}
