/**
 * Rule unit tests in the format of `promtool test rules` (Prometheus 2.42), evaluated as promtool
 * does: input series from 0 at the test group's interval, every rule evaluated at every
 * `evaluation_interval` from 0 to the largest eval_time, alerts compared at the evaluation at or
 * just before each eval_time (the firing ones; labels and annotations exactly, order ignored).
 * Runs in memory (MemoryStore), without Redis. Output and exit code follow promtool's.
 */
import { readFile as fsReadFile, readdir } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { isScalar, parseDocument, visit, type Document } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../../shared/duration';
import { friendlyErrors, problemsFromZod } from '../../shared/problems';
import type { Labels } from '../../shared/series';
import { evalInstant, parseExpr, PromQLError, type EvalOptions, expandSeries, NotationError, parseSeriesDescription, parseSeriesValues } from '../promql';
import type { CompiledRecording, CompiledRule } from './compile';
import { vectorOf } from './evaluate';
import { alertSamples, recordingSamples, SeriesWriter } from './record';
import { TestStorage } from './test-storage';
import { formatRuleFile, parseRuleFile, type RuleGroup } from './file';
import { formatFloat } from './gofmt';
import { compareLabels, formatLabels, labelsEqual } from './labels';
import { duplicateRules, duplicateRulesMessage } from './lint';
import { formatRuleProblem } from './problems';
import { readRuleFile } from './read';
import { RuleMachine, type EvalOutcome } from './state';

export interface RuleTestOptions {
	/** Receives the report, line by line. */
	out: (line: string) => void;
	/** Reads a file (default: from disk). */
	readFile?: (path: string) => Promise<string>;
	/** Lists a directory, for globs in rule_files (default: from disk). */
	readDir?: (path: string) => Promise<string[]>;
	/**
	 * Where relative paths are read from. They are printed as given, as promtool prints them.
	 * @defaultValue the process's working directory
	 */
	cwd?: string;
}

const duration = z.union([z.string(), z.literal(0)]).transform((v, ctx) => {
	const ms = parseDuration(String(v));
	if (ms === null) {
		ctx.addIssue({ code: 'custom', message: `expected a duration like "1m", got ${JSON.stringify(v)}` });
		return z.NEVER;
	}
	return ms;
});
const textMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).nullish();

const testFileSchema = z.strictObject({
	rule_files: z.array(z.string()).nullish(),
	evaluation_interval: duration.optional(),
	group_eval_order: z.array(z.string()).nullish(),
	tests: z
		.array(
			z.strictObject({
				name: z.string().optional(),
				interval: duration.optional(),
				input_series: z.array(z.strictObject({ series: z.string(), values: z.union([z.string(), z.number()]).transform(String) })).nullish(),
				alert_rule_test: z
					.array(
						z.strictObject({
							eval_time: duration.optional(),
							alertname: z.string().optional(),
							exp_alerts: z.array(z.strictObject({ exp_labels: textMap, exp_annotations: textMap })).nullish()
						})
					)
					.nullish(),
				promql_expr_test: z
					.array(
						z.strictObject({
							expr: z.union([z.string(), z.number()]).transform(String),
							eval_time: duration.optional(),
							// Any float64, as promtool reads it: .inf and .nan too.
							exp_samples: z.array(z.strictObject({ labels: z.string().optional(), value: z.custom<number>((v) => typeof v === 'number', 'expected a number') })).nullish()
						})
					)
					.nullish(),
				external_labels: textMap,
				external_url: z.string().optional()
			})
		)
		.nullish()
});

type TestFile = z.output<typeof testFileSchema>;

/**
 * Plain scalars as promtool's Go structs read them: fields of type string get the text as written
 * (`values: 0x10` is the text "0x10", in the expanding notation 0 eleven times, not the number 16;
 * a label value `1.0` stays "1.0"); only `value` (of exp_samples) is a number.
 */
function textAsWritten(doc: Document): void {
	visit(doc, {
		Pair(_, pair) {
			const v = pair.value;
			if (!isScalar(v) || (isScalar(pair.key) && pair.key.value === 'value')) return;
			if (v.type === 'PLAIN' && v.value !== null && typeof v.value !== 'string' && typeof v.source === 'string') v.value = v.source;
		}
	});
}
type TestGroup = NonNullable<TestFile['tests']>[number];

/** Go's time.Duration.String() for whole milliseconds: `0s`, `1m0s`, `1h2m3.5s`. */
export function goDuration(ms: number): string {
	if (ms === 0) return '0s';
	const neg = ms < 0;
	let rest = Math.abs(ms);
	let out = '';
	if (rest < 1000) return `${neg ? '-' : ''}${rest}ms`;
	const h = Math.floor(rest / 3_600_000);
	rest -= h * 3_600_000;
	const m = Math.floor(rest / 60_000);
	rest -= m * 60_000;
	const s = rest / 1000;
	if (h) out += `${h}h`;
	if (h || m) out += `${m}m`;
	out += `${s}s`;
	return (neg ? '-' : '') + out;
}

/** Prometheus's model.Duration.String(): `0s`, `1m`, `1h30m`, `2d`, `1w`. */
export function promDuration(ms: number): string {
	if (ms === 0) return '0s';
	let rest = ms;
	let out = '';
	const f = (unit: string, mult: number, exact: boolean) => {
		if (exact && rest % mult !== 0) return;
		const v = Math.floor(rest / mult);
		if (v > 0) {
			out += `${v}${unit}`;
			rest -= v * mult;
		}
	};
	f('y', 365 * 86_400_000, true);
	f('w', 7 * 86_400_000, true);
	f('d', 86_400_000, false);
	f('h', 3_600_000, false);
	f('m', 60_000, false);
	f('s', 1000, false);
	f('ms', 1, false);
	return out;
}

function indentLines(text: string, indent: string): string {
	return text
		.split('\n')
		.map((l, i) => (i > 0 ? indent + l : l))
		.join('\n');
}

type LabelsAndAnnotations = FiringAlert;

function laString(list: LabelsAndAnnotations[]): string {
	if (list.length === 0) return '[]';
	const item = (la: LabelsAndAnnotations) => `Labels:${formatLabels(la.labels)}\nAnnotations:${formatLabels(la.annotations)}`;
	let s = '[\n0:' + indentLines('\n' + item(list[0]!), '  ');
	list.slice(1).forEach((la, i) => {
		s += `,\n${i + 1}:` + indentLines('\n' + item(la), '  ');
	});
	return s + '\n]';
}

function sortLA(list: LabelsAndAnnotations[]): LabelsAndAnnotations[] {
	return [...list].sort((a, b) => compareLabels(a.labels, b.labels) || compareLabels(a.annotations, b.annotations));
}

function laEqual(a: LabelsAndAnnotations[], b: LabelsAndAnnotations[]): boolean {
	return a.length === b.length && a.every((x, i) => labelsEqual(x.labels, b[i]!.labels) && labelsEqual(x.annotations, b[i]!.annotations));
}

function globToRegex(glob: string): RegExp {
	let re = '';
	for (let i = 0; i < glob.length; i++) {
		const c = glob[i]!;
		if (c === '*') re += '[^/]*';
		else if (c === '?') re += '[^/]';
		else if (c === '[') {
			const end = glob.indexOf(']', i + 1);
			if (end < 0) re += '\\[';
			else {
				re += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
				i = end;
			}
		} else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
	}
	return new RegExp(`^${re}$`);
}

interface Loaded {
	groups: RuleGroup[];
}

/** A firing alert as rule tests compare it. */
export interface FiringAlert {
	labels: Labels;
	annotations: Labels;
}

export interface InputSeries {
	/** `name{a="b"}` */
	series: string;
	/** The expanding notation: `1+1x10 _ stale`. */
	values: string;
}

/** Most samples a query of a rule test may hold at once: promtool's limit. */
export const TEST_MAX_SAMPLES = 10_000;

/** Reads the input series (times from 0 at `intervalMs`) into a new test storage. */
export async function loadInputSeries(input: readonly InputSeries[], intervalMs: number): Promise<{ storage: TestStorage } | { errors: string[] }> {
	const series = [];
	for (const is of input) {
		let labels: Labels;
		let values;
		try {
			labels = parseSeriesDescription(is.series);
			values = parseSeriesValues(is.values);
		} catch (err) {
			if (err instanceof NotationError) return { errors: [`${is.series} ${is.values}: ${err.message}`] };
			throw err;
		}
		series.push(expandSeries(labels, values, intervalMs));
	}
	const storage = new TestStorage();
	storage.load(series);
	return { storage };
}

export interface ReplayOptions {
	evaluationIntervalMs: number;
	/** The last time of interest: rules are evaluated from 0 up to it. */
	untilMs: number;
	externalLabels?: Labels;
	externalURL?: string;
}

/** A rule's error as promtool prints it: the problem of an evaluation error, without a position. */
function errorText(err: unknown): string {
	if (err instanceof PromQLError) return err.kind === 'syntax' ? `${err.line}:${err.column}: parse error: ${err.problem}` : err.problem;
	return err instanceof Error ? err.message : String(err);
}

/**
 * Evaluates every rule at 0, evaluationInterval, ... up to `untilMs`, as promtool does: before each
 * evaluation the input samples up to its time are appended to the storage; the groups are
 * evaluated in order, each group's rules in order, recording rules writing their series and
 * alerting rules their ALERTS and ALERTS_FOR_STATE series into the storage as they go. After the
 * evaluation at or just before each of `checkTimes`, `check` gets the firing alerts of any alert
 * name. Returns evaluation errors (which end the replay, as in promtool).
 */
export async function replayRules(
	groups: readonly RuleGroup[],
	storage: TestStorage,
	opts: ReplayOptions,
	checkTimes: readonly number[],
	check: (t: number, firing: (alertname: string) => FiringAlert[]) => void
): Promise<string[]> {
	const evalInterval = opts.evaluationIntervalMs;
	const eo: EvalOptions = { subqueryStepMs: evalInterval, peakSamples: TEST_MAX_SAMPLES };
	type Item = { kind: 'alert'; rule: CompiledRule; machine: RuleMachine; writer: SeriesWriter } | { kind: 'record'; rule: CompiledRecording; writer: SeriesWriter };
	const plan: Item[][] = groups.map((g) =>
		[
			...g.rules.map((rule): Item => ({ kind: 'alert', rule, machine: new RuleMachine(rule), writer: new SeriesWriter() })),
			...(g.recordings ?? []).map((rule): Item => ({ kind: 'record', rule, writer: new SeriesWriter() }))
		].sort((a, b) => a.rule.index - b.rule.index)
	);
	const times = [...new Set(checkTimes)].sort((a, b) => a - b);
	const stepOpts = { externalLabels: opts.externalLabels ?? {}, externalURL: opts.externalURL };
	const firing = (alertname: string): FiringAlert[] => {
		const out: FiringAlert[] = [];
		for (const items of plan) {
			for (const it of items) {
				if (it.kind !== 'alert' || it.rule.name !== alertname) continue;
				for (const a of it.machine.instances.values()) if (a.state === 'firing') out.push({ labels: a.labels, annotations: a.annotations });
			}
		}
		return out;
	};
	let curr = 0;
	for (let ts = 0; ts <= opts.untilMs; ts += evalInterval) {
		storage.appendTill(ts);
		const errors: string[] = [];
		for (const items of plan) {
			for (const it of items) {
				if (it.kind === 'record') {
					try {
						storage.write(it.writer.step(ts, recordingSamples(it.rule, ts, storage, eo)));
					} catch (err) {
						errors.push(`    rule: ${it.rule.name}, time: ${goDuration(ts)}, err: ${errorText(err)}`);
					}
					continue;
				}
				let outcome: EvalOutcome;
				try {
					outcome = outcomeOf(it.rule, ts, storage, eo);
				} catch (err) {
					outcome = { kind: 'error', message: errorText(err) };
				}
				it.machine.step(ts, outcome, stepOpts);
				if (it.machine.health === 'error') errors.push(`    rule: ${it.rule.name}, time: ${goDuration(ts)}, err: ${it.machine.lastError}`);
				else storage.write(it.writer.step(ts, alertSamples(it.rule.name, it.machine.instances.values())));
			}
		}
		if (errors.length) return errors;
		while (curr < times.length && ts <= times[curr]! && times[curr]! < ts + evalInterval) check(times[curr++]!, firing);
	}
	return [];
}

/** One evaluation of an alerting rule's expressions; an evaluation error is thrown. */
function outcomeOf(rule: CompiledRule, at: number, source: TestStorage, eo: EvalOptions): EvalOutcome {
	const samples = vectorOf(evalInstant(rule.expr, at, source, eo));
	const outcome: EvalOutcome & { kind: 'vector' } = { kind: 'vector', samples };
	if (rule.data) outcome.nodata = vectorOf(evalInstant(rule.data, at, source, eo)).length === 0;
	if (rule.clear) {
		outcome.clear = vectorOf(evalInstant(rule.clear, at, source, eo));
		if (rule.presence) outcome.present = vectorOf(evalInstant(rule.presence, at, source, eo)).map((s) => s.labels);
	}
	return outcome;
}

/** The firing alerts at each of `times`, per alert name, as a rule test would see them. */
export async function firingAlerts(
	groups: readonly RuleGroup[],
	input: readonly InputSeries[],
	opts: Omit<ReplayOptions, 'untilMs'> & { intervalMs: number },
	times: readonly number[]
): Promise<{ errors: string[]; at: Map<number, (alertname: string) => FiringAlert[]> }> {
	const loaded = await loadInputSeries(input, opts.intervalMs);
	if ('errors' in loaded) return { errors: loaded.errors, at: new Map() };
	const at = new Map<number, (alertname: string) => FiringAlert[]>();
	const names = [...new Set(groups.flatMap((g) => g.rules.map((r) => r.name)))];
	const errors = await replayRules(groups, loaded.storage, { ...opts, untilMs: Math.max(0, ...times) }, times, (t, firing) => {
		const snapshot = new Map(names.map((n) => [n, firing(n)]));
		at.set(t, (n) => snapshot.get(n) ?? []);
	});
	return { errors, at };
}

/** A path as given, read from `cwd` when it is relative. */
function fromCwd(cwd: string | undefined, path: string): string {
	return cwd === undefined ? path : resolve(cwd, path);
}

class TestRun {
	constructor(private readonly opts: RuleTestOptions) {}

	private read(path: string): Promise<string> {
		return (this.opts.readFile ?? ((p) => fsReadFile(p, 'utf8')))(fromCwd(this.opts.cwd, path));
	}

	private async expand(paths: string[]): Promise<string[]> {
		const out: string[] = [];
		for (const p of paths) {
			if (!/[*?[]/.test(basename(p))) {
				out.push(p);
				continue;
			}
			const dir = dirname(p);
			let names: string[] = [];
			try {
				names = await (this.opts.readDir ?? ((d) => readdir(d)))(fromCwd(this.opts.cwd, dir));
			} catch {
				names = [];
			}
			const re = globToRegex(basename(p));
			const matched = names.filter((n) => re.test(n)).sort();
			if (matched.length === 0) this.opts.out(`  WARNING: no file match pattern ${p}`);
			out.push(...matched.map((n) => join(dir, n)));
		}
		return out;
	}

	/** Runs one test file; returns its errors (empty when it passed). */
	async file(file: string): Promise<string[]> {
		let text: string;
		try {
			text = await this.read(file);
		} catch (err) {
			const code = (err as NodeJS.ErrnoException).code;
			return [code === 'ENOENT' ? `open ${file}: no such file or directory` : `cannot read ${file}: ${(err as Error).message}`];
		}
		const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
		if (doc.errors.length) return doc.errors.map((e) => `${file}: YAML: ${e.message.split('\n')[0]}`);
		textAsWritten(doc);
		const parsed = testFileSchema.safeParse(doc.toJS() ?? {}, { error: friendlyErrors });
		if (!parsed.success) return problemsFromZod(parsed.error).map((p) => `${file}: ${p.path || '(document)'}: ${p.message}`);
		const tf = parsed.data;
		const order = new Map<string, number>();
		for (const [i, g] of (tf.group_eval_order ?? []).entries()) {
			if (order.has(g)) return [`group name repeated in evaluation order: ${g}`];
			order.set(g, i);
		}
		const ruleFiles = await this.expand((tf.rule_files ?? []).map((f) => (f !== '' && !isAbsolute(f) ? join(dirname(file), f) : f)));
		const loaded: Loaded = { groups: [] };
		const problems: string[] = [];
		for (const rf of ruleFiles) {
			let rtext: string;
			try {
				rtext = await this.read(rf);
			} catch (err) {
				problems.push(`${rf}: ${(err as Error).message}`);
				continue;
			}
			const res = parseRuleFile(rtext, rf);
			problems.push(...res.problems.map(formatRuleProblem));
			loaded.groups.push(...res.groups);
		}
		if (problems.length) return problems;
		// Groups in group_eval_order first, in that order; the others after, in file order.
		const groups = loaded.groups
			.map((g, i) => ({ g, i }))
			.sort((a, b) => (order.get(a.g.name) ?? -1) - (order.get(b.g.name) ?? -1) || a.i - b.i)
			.map((x) => x.g);
		const evalInterval = tf.evaluation_interval || 60_000;
		const errors: string[] = [];
		for (const tg of tf.tests ?? []) errors.push(...(await this.group(tg, evalInterval, groups)));
		return errors;
	}

	private async group(tg: TestGroup, evalInterval: number, groups: RuleGroup[]): Promise<string[]> {
		const nameLine = tg.name ? `    name: ${tg.name},\n` : '';
		const loaded = await loadInputSeries(tg.input_series ?? [], tg.interval ?? 0);
		if ('errors' in loaded) return loaded.errors;
		const storage = loaded.storage;

		const alertTests = tg.alert_rule_test ?? [];
		for (const at of alertTests) {
			if (!at.alertname) {
				return [`an item under alert_rule_test misses required attribute alertname at eval_time ${promDuration(at.eval_time ?? 0)}${tg.name ? ` (in TestGroup ${tg.name})` : ''}`];
			}
		}
		const exprTests = tg.promql_expr_test ?? [];
		const maxT = Math.max(0, ...alertTests.map((a) => a.eval_time ?? 0), ...exprTests.map((e) => e.eval_time ?? 0));
		const errs: string[] = [];
		const evalErrors = await replayRules(
			groups,
			storage,
			{ evaluationIntervalMs: evalInterval, untilMs: maxT, externalLabels: tg.external_labels ?? {}, externalURL: tg.external_url },
			alertTests.map((a) => a.eval_time ?? 0),
			(t, firing) => {
				for (const tc of alertTests.filter((a) => (a.eval_time ?? 0) === t)) {
					const got = firing(tc.alertname!);
					const exp: FiringAlert[] = (tc.exp_alerts ?? []).map((e) => ({
						labels: { ...(e.exp_labels ?? {}), alertname: tc.alertname! },
						annotations: { ...(e.exp_annotations ?? {}) }
					}));
					const g = sortLA(got);
					const x = sortLA(exp);
					if (!laEqual(g, x)) {
						errs.push(
							`${nameLine}    alertname: ${tc.alertname}, time: ${promDuration(t)}, \n        exp:${indentLines(laString(x), '            ')}, \n        got:${indentLines(laString(g), '            ')}`
						);
					}
				}
			}
		);
		if (evalErrors.length) return [...errs, ...evalErrors];

		// PromQL expression tests, over the storage as the evaluations left it (input samples up to
		// the last evaluation, the rules' series).
		for (const tc of exprTests) {
			const t = tc.eval_time ?? 0;
			let got;
			try {
				got = vectorOf(evalInstant(parseExpr(tc.expr), t, storage, { subqueryStepMs: evalInterval, peakSamples: TEST_MAX_SAMPLES }));
			} catch (err) {
				errs.push(`    expr: ${JSON.stringify(tc.expr)}, time: ${promDuration(t)}, err: ${errorText(err)}`);
				continue;
			}
			const exp: Array<{ labels: Labels; value: number }> = [];
			let bad = false;
			for (const s of tc.exp_samples ?? []) {
				try {
					exp.push({ labels: s.labels ? parseSeriesDescription(s.labels) : {}, value: s.value });
				} catch (err) {
					errs.push(`    expr: ${JSON.stringify(tc.expr)}, time: ${promDuration(t)}, err: labels ${JSON.stringify(s.labels)}: ${(err as Error).message}`);
					bad = true;
					break;
				}
			}
			if (bad) continue;
			const byLabels = (a: { labels: Labels }, b: { labels: Labels }) => compareLabels(a.labels, b.labels);
			exp.sort(byLabels);
			const g = [...got].sort(byLabels);
			// Values compare exactly, as promtool 2.42 does (so NaN never equals NaN).
			const same = exp.length === g.length && exp.every((e, i) => labelsEqual(e.labels, g[i]!.labels) && e.value === g[i]!.value);
			if (!same) {
				const fmt = (list: Array<{ labels: Labels; value: number }>) =>
					list.length === 0 ? 'nil' : list.map((s) => `${formatLabels(s.labels)} ${formatFloat(s.value, 'E', -1)}`).join(', ');
				errs.push(`    expr: ${JSON.stringify(tc.expr)}, time: ${promDuration(t)},\n        exp: ${fmt(exp)}\n        got: ${fmt(g)}`);
			}
		}
		return errs;
	}
}

/**
 * Runs rule test files (promtool's `test rules` format). Prints `Unit Testing:  FILE`, then
 * `  SUCCESS` or `  FAILED:` with each failure; returns 0 when every test passed, else 1.
 */
export async function runRuleTests(files: readonly string[], options: RuleTestOptions): Promise<number> {
	const run = new TestRun(options);
	let failed = false;
	for (const f of files) {
		options.out(`Unit Testing:  ${f}`);
		const errors = await run.file(f);
		if (errors.length) {
			options.out('  FAILED:');
			for (const e of errors) {
				for (const line of e.split('\n')) options.out(line);
				options.out('');
			}
			failed = true;
		} else options.out('  SUCCESS');
		options.out('');
	}
	return failed ? 1 : 0;
}

export interface CheckOptions {
	out: (line: string) => void;
	readFile?: (path: string) => Promise<string>;
	/**
	 * Where relative paths are read from. They are printed as given, as promtool prints them.
	 * @defaultValue the process's working directory
	 */
	cwd?: string;
	/**
	 * promtool's `--lint`: `duplicate-rules` reports rules with the same name and labels.
	 * @defaultValue 'duplicate-rules'
	 */
	lint?: 'duplicate-rules' | 'none';
	/** promtool's `--lint-fatal`: a lint finding makes the exit code 3. */
	lintFatal?: boolean;
}

/**
 * Checks rule files as `promtool check rules` does: prints `Checking FILE`, then every problem or
 * `  SUCCESS: N rules found`; returns 0 when every file is valid, 1 when one is not, and 3 when
 * the only findings are lint findings and `lintFatal` is set (0 without it).
 */
export async function checkRuleFiles(files: readonly string[], options: CheckOptions): Promise<number> {
	const read = options.readFile ?? readRuleFile;
	let failed = false;
	let lintFailed = false;
	for (const f of files) {
		options.out(`Checking ${f}`);
		let text: string;
		try {
			text = await read(fromCwd(options.cwd, f));
		} catch (err) {
			const code = (err as NodeJS.ErrnoException).code;
			options.out('  FAILED:');
			options.out(code === 'ENOENT' ? `${f}: file not found` : `${f}: ${(err as Error).message}`);
			options.out('');
			failed = true;
			continue;
		}
		const res = parseRuleFile(text, f);
		const duplicates = res.problems.length || options.lint === 'none' ? [] : duplicateRules(res.groups);
		if (res.problems.length) {
			options.out('  FAILED:');
			for (const p of res.problems) options.out(formatRuleProblem(p));
			failed = true;
		} else if (duplicates.length) {
			options.out('  FAILED:');
			for (const line of duplicateRulesMessage(duplicates).split('\n')) options.out(line);
			lintFailed = true;
		} else options.out(`  SUCCESS: ${res.groups.reduce((n, g) => n + g.rules.length + g.recordings.length, 0)} rules found`);
		options.out('');
	}
	return failed ? 1 : lintFailed && options.lintFatal ? 3 : 0;
}

export { formatRuleFile };
