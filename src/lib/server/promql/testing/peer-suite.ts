/**
 * Runs Prometheus' own PromQL test data (the `promql/testdata/*.test` files of v2.42) through this
 * engine, as Prometheus' promql/test.go runs them through its own:
 *
 * - `load <interval>` and the series lines below it (expanding notation: `0+10x5`, `_`, `stale`),
 *   samples from time 0 at the interval;
 * - `clear` empties the storage;
 * - `eval instant at <duration> <expr>` with the expected samples below it (a label set and one
 *   value each, or a lone number for a scalar); `eval_fail` expects an error, `eval_ordered` the
 *   order of the samples too;
 * - values compare with test.go's tolerance (a relative error below 1e-6; NaN equals NaN);
 * - every case is also evaluated as a range query over [t - 1m, t + 1m] at a 1 m step and its
 *   middle step compared (not for eval_ordered, and not after an expected error);
 * - unless it uses a function whose result depends on the evaluation time (time(), minute(),
 *   timestamp(), predict_linear(), ...), every case is evaluated again with `@ t` on each
 *   selector and subquery outside a subquery, at times far from t (-10t, 0, t/5, t, 10t; or
 *   -1 s, 0, 1 s when t is 0), instant and range both: the answer must not change.
 *
 * A case passes when all of its evaluations do; it is refused when the engine refuses a construct
 * as unsupported, an error when the engine fails where Prometheus does not, a failure when the
 * answer differs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Labels } from '../../../shared/series';
import { walk, type Node } from '../ast';
import { evalInstant, evalRange } from '../eval';
import { PromQLError } from '../errors';
import { formatLabels, labelsKey } from '../labels';
import { parseDuration, parseNumber } from '../lex';
import { parseExpr, type Expr } from '../parse';
import { MemorySource, type SeriesData } from '../source';
import { expandSeries, parseSeriesDescription, parseSeriesValues } from '../series-notation';

export type CaseStatus = 'pass' | 'refused' | 'error' | 'fail';

export interface SuiteCase {
	/** `file:line`, stable for the fixed test data. */
	id: string;
	file: string;
	line: number;
	expr: string;
	/** ms */
	at: number;
	mode: 'eval' | 'fail' | 'ordered';
	/** A scalar, or samples (keyed by labelsKey). */
	expect: { kind: 'scalar'; value: number } | { kind: 'vector'; samples: { labels: Labels; value: number; pos: number }[] };
}

export interface CaseOutcome {
	id: string;
	expr: string;
	status: CaseStatus;
	detail?: string;
}

type Command = { kind: 'load'; intervalMs: number; series: SeriesData[] } | { kind: 'clear' } | { kind: 'eval'; case: SuiteCase };

export class SuiteSyntaxError extends Error {
	override name = 'SuiteSyntaxError';
}

const PAT_LOAD = /^load\s+(.+?)$/;
const PAT_EVAL = /^eval(?:_(fail|ordered))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$/;

/** Splits a series line into its description (`name{a="b"}`) and its values, as Prometheus' lexer does. */
export function splitSeriesLine(line: string): { desc: string; values: string } {
	let i = 0;
	const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
	if (name) i = name[0].length;
	if (line[i] === '{') {
		let quote = '';
		for (i++; i < line.length; i++) {
			const c = line[i]!;
			if (quote) {
				if (c === '\\' && quote !== '`') i++;
				else if (c === quote) quote = '';
			} else if (c === '"' || c === "'" || c === '`') quote = c;
			else if (c === '}') {
				i++;
				break;
			}
		}
	}
	return { desc: line.slice(0, i), values: line.slice(i) };
}

/** Go's strconv.ParseInt(s, 0, 64), then ParseFloat: test.go's parseNumber for a scalar line. */
function scalarLine(line: string): number | undefined {
	return parseNumber(line);
}

/** Parses a `.test` file into commands (Prometheus' Test.parse). */
export function parseSuite(file: string, text: string): Command[] {
	const lines = text.split('\n').map((l) => {
		const t = l.trim();
		return t.startsWith('#') ? '' : t;
	});
	const cmds: Command[] = [];
	const fail = (i: number, what: string): never => {
		throw new SuiteSyntaxError(`${file}:${i + 1}: ${what}`);
	};
	for (let i = 0; i < lines.length; i++) {
		const l = lines[i]!;
		if (l === '') continue;
		const word = l.split(/[\t ]+/, 1)[0]!.toLowerCase();
		if (word === 'clear') {
			cmds.push({ kind: 'clear' });
		} else if (word === 'load') {
			const m = PAT_LOAD.exec(l);
			if (!m) fail(i, 'invalid load command. (load <step:duration>)');
			const intervalMs = parseDuration(m![1]!);
			if (intervalMs === undefined) fail(i, `invalid step definition ${JSON.stringify(m![1])}`);
			const bySeries = new Map<string, SeriesData>();
			while (i + 1 < lines.length && lines[i + 1] !== '') {
				i++;
				const { desc, values } = splitSeriesLine(lines[i]!);
				let labels: Labels;
				try {
					labels = parseSeriesDescription(desc);
					const s = expandSeries(labels, parseSeriesValues(values), intervalMs!);
					// A series given twice in one load: the last one counts (test.go keys them by hash).
					bySeries.set(labelsKey(labels), s);
				} catch (err) {
					fail(i, (err as Error).message);
				}
			}
			cmds.push({ kind: 'load', intervalMs: intervalMs!, series: [...bySeries.values()] });
		} else if (word.startsWith('eval')) {
			const m = PAT_EVAL.exec(l);
			if (!m) fail(i, 'invalid evaluation command. (eval[_fail|_ordered] instant [at <offset:duration>] <query>');
			const mode = (m![1] ?? 'eval') as 'fail' | 'ordered' | 'eval';
			const at = m![2] === undefined ? 0 : parseDuration(m![2]);
			if (at === undefined) fail(i, `invalid step definition ${JSON.stringify(m![2])}`);
			const c: SuiteCase = { id: `${file}:${i + 1}`, file, line: i + 1, expr: m![3]!, at: at!, mode, expect: { kind: 'vector', samples: [] } };
			const samples: { labels: Labels; value: number; pos: number }[] = [];
			for (let j = 1; i + 1 < lines.length && lines[i + 1] !== ''; j++) {
				i++;
				const def = lines[i]!;
				const f = scalarLine(def);
				if (f !== undefined) {
					c.expect = { kind: 'scalar', value: f };
					break;
				}
				const { desc, values } = splitSeriesLine(def);
				try {
					const labels = parseSeriesDescription(desc);
					const vals = parseSeriesValues(values);
					if (vals.length > 1) fail(i, 'expecting multiple values in instant evaluation not allowed');
					const v = vals[0];
					// An omitted value (`_`) is 0 in test.go.
					samples.push({ labels, value: v === 'stale' ? NaN : (v ?? 0), pos: j });
				} catch (err) {
					if (err instanceof SuiteSyntaxError) throw err;
					fail(i, (err as Error).message);
				}
			}
			if (c.expect.kind === 'vector') c.expect.samples = samples;
			cmds.push({ kind: 'eval', case: c });
		} else fail(i, `invalid command ${JSON.stringify(l)}`);
	}
	return cmds;
}

const MIN_NORMAL = 2.2250738585072014e-308;
const EPSILON = 0.000001;

/** test.go's almostEqual: a relative error below 1e-6, NaN equal to NaN. */
export function almostEqual(a: number, b: number): boolean {
	if (Number.isNaN(a) && Number.isNaN(b)) return true;
	if (a === b) return true;
	const diff = Math.abs(a - b);
	if (a === 0 || b === 0 || diff < MIN_NORMAL) return diff < EPSILON * MIN_NORMAL;
	return diff / (Math.abs(a) + Math.abs(b)) < EPSILON;
}

type Got = { kind: 'scalar'; value: number } | { kind: 'vector'; samples: { labels: Labels; value: number }[] };

/** test.go's compareResult; undefined when equal, else what differs. */
function compare(c: SuiteCase, got: Got, ordered: boolean): string | undefined {
	const exp = c.expect;
	if (got.kind === 'scalar') {
		if (exp.kind !== 'scalar') return `expected a vector, got the scalar ${got.value}`;
		return almostEqual(exp.value, got.value) ? undefined : `expected scalar ${exp.value} but got ${got.value}`;
	}
	const expected = new Map<string, { labels: Labels; value: number; pos: number }>();
	if (exp.kind === 'scalar') expected.set(labelsKey({}), { labels: {}, value: exp.value, pos: 0 });
	else for (const s of exp.samples) expected.set(labelsKey(s.labels), s);
	const seen = new Set<string>();
	for (let i = 0; i < got.samples.length; i++) {
		const s = got.samples[i]!;
		const key = labelsKey(s.labels);
		const e = expected.get(key);
		if (!e || exp.kind === 'scalar') return `unexpected metric ${formatLabels(s.labels)} in result`;
		if (ordered && e.pos !== i + 1) return `expected metric ${formatLabels(s.labels)} with ${e.value} at position ${e.pos} but was at ${i + 1}`;
		if (!almostEqual(e.value, s.value)) return `expected ${e.value} for ${formatLabels(s.labels)} but got ${s.value}`;
		seen.add(key);
	}
	for (const [key, e] of expected) if (!seen.has(key)) return `expected metric ${formatLabels(e.labels)} with ${e.value} not found`;
	return undefined;
}

/** Functions whose result depends on the evaluation time even when their arguments do not. */
const AT_UNSAFE = new Set(['days_in_month', 'day_of_month', 'day_of_week', 'day_of_year', 'hour', 'minute', 'month', 'year', 'predict_linear', 'time', 'timestamp']);

/**
 * The expression with `@ at` (ms) on every selector and subquery that has none, except inside a
 * subquery, as test.go's atModifierTestCases; undefined when it must not be varied. Throws a
 * PromQLError of kind 'unsupported' while the engine has no `@`.
 */
export type AtVariant = (expr: Expr, at: number) => Expr | undefined;

function usesAtUnsafe(root: Node): boolean {
	let found = false;
	walk(root, (n) => {
		if (n.kind === 'call' && AT_UNSAFE.has(n.fn)) found = true;
	});
	return found;
}

/** The times test.go evaluates the `@` variants at. */
export function variantTimes(t: number): number[] {
	if (t === 0) return [-1000, 0, 1000];
	return [-10 * t, 0, Math.trunc(t / 5), t, 10 * t];
}

function outcomeOfError(err: unknown): { status: CaseStatus; detail: string } {
	if (err instanceof PromQLError) return { status: err.kind === 'unsupported' ? 'refused' : 'error', detail: err.message };
	return { status: 'error', detail: `crash: ${(err as Error).stack ?? String(err)}` };
}

export interface RunOptions {
	/** Builds the `@` variants (see AtVariant); without it they are not run. */
	atVariant?: AtVariant;
}

class Runner {
	private series: SeriesData[] = [];
	private source: MemorySource | undefined;

	constructor(private readonly opts: RunOptions) {}

	load(series: SeriesData[]): void {
		this.series.push(...series);
		this.source = undefined;
	}

	clear(): void {
		this.series = [];
		this.source = undefined;
	}

	private src(): MemorySource {
		return (this.source ??= new MemorySource(this.series));
	}

	/** One query, instant and range: undefined when it agrees. */
	private query(c: SuiteCase, expr: Expr, t: number, label: string): CaseOutcome | undefined {
		const source = this.src();
		const out = (status: CaseStatus, detail: string): CaseOutcome => ({ id: c.id, expr: c.expr, status, detail: `${label}: ${detail}` });
		let got: Got;
		try {
			const r = evalInstant(expr, t, source);
			got = r.type === 'scalar' ? { kind: 'scalar', value: r.value } : { kind: 'vector', samples: r.samples };
		} catch (err) {
			if (c.mode === 'fail' && err instanceof PromQLError && err.kind !== 'unsupported') return undefined;
			const o = outcomeOfError(err);
			return out(o.status, o.detail);
		}
		if (c.mode === 'fail') return out('fail', 'expected an error, got none');
		const diff = compare(c, got, c.mode === 'ordered');
		if (diff) return out('fail', diff);
		// The same answer at the middle step of a range query.
		let mid: Got;
		try {
			const r = evalRange(expr, t - 60_000, t + 60_000, 60_000, source);
			if (r.type === 'scalar') mid = { kind: 'scalar', value: r.values[r.ts.indexOf(t)]! };
			else {
				const samples: { labels: Labels; value: number }[] = [];
				for (const s of r.series) {
					const i = s.ts.indexOf(t);
					if (i >= 0) samples.push({ labels: s.labels, value: s.values[i]! });
				}
				mid = { kind: 'vector', samples };
			}
		} catch (err) {
			const o = outcomeOfError(err);
			return out(o.status, `range mode: ${o.detail}`);
		}
		if (c.mode === 'ordered') return undefined;
		const rdiff = compare(c, mid, false);
		return rdiff ? out('fail', `range mode: ${rdiff}`) : undefined;
	}

	run(c: SuiteCase): CaseOutcome {
		let expr: Expr;
		try {
			expr = parseExpr(c.expr);
		} catch (err) {
			const o = outcomeOfError(err);
			if (c.mode === 'fail' && o.status === 'error') return { id: c.id, expr: c.expr, status: 'pass' };
			return { id: c.id, expr: c.expr, ...o };
		}
		const first = this.query(c, expr, c.at, `at ${c.at / 1000}s`);
		if (first) return first;
		if (this.opts.atVariant && !usesAtUnsafe(expr.root)) {
			let v: Expr | undefined;
			try {
				v = this.opts.atVariant(expr, c.at);
			} catch (err) {
				const o = outcomeOfError(err);
				return { id: c.id, expr: c.expr, status: o.status, detail: `@ ${c.at / 1000}: ${o.detail}` };
			}
			if (v) {
				for (const t of variantTimes(c.at)) {
					const o = this.query(c, v, t, `@ ${c.at / 1000} evaluated at ${t / 1000}s`);
					if (o) return o;
				}
			}
		}
		return { id: c.id, expr: c.expr, status: 'pass' };
	}
}

/** Runs one file's commands; returns the outcome of every eval case. */
export function runSuite(file: string, text: string, opts: RunOptions = {}): CaseOutcome[] {
	const runner = new Runner(opts);
	const out: CaseOutcome[] = [];
	for (const cmd of parseSuite(file, text)) {
		if (cmd.kind === 'clear') runner.clear();
		else if (cmd.kind === 'load') runner.load(cmd.series);
		else out.push(runner.run(cmd.case));
	}
	return out;
}

/** Runs every `.test` file of the directory, in name order. */
export function runSuiteDir(dir: string, opts: RunOptions = {}): CaseOutcome[] {
	const files = readdirSync(dir)
		.filter((f) => f.endsWith('.test'))
		.sort();
	return files.flatMap((f) => runSuite(f, readFileSync(join(dir, f), 'utf8'), opts));
}

export function countOutcomes(outcomes: readonly CaseOutcome[]): Record<CaseStatus, number> {
	const counts: Record<CaseStatus, number> = { pass: 0, refused: 0, error: 0, fail: 0 };
	for (const o of outcomes) counts[o.status]++;
	return counts;
}

/**
 * The `@` variant of an expression (see AtVariant): a copy with `@ at` on every selector, range
 * selector and subquery without one, but for those inside a subquery.
 */
export const atVariant: AtVariant = (expr, at) => {
	const root = structuredClone(expr.root);
	const visit = (n: Node): void => {
		switch (n.kind) {
			case 'selector':
				n.at ??= at;
				break;
			case 'matrix':
				n.selector.at ??= at;
				break;
			case 'subquery':
				n.at ??= at;
				break;
			case 'unary':
				visit(n.expr);
				break;
			case 'binary':
				visit(n.lhs);
				visit(n.rhs);
				break;
			case 'call':
				n.args.forEach(visit);
				break;
			case 'aggregate':
				if (n.param) visit(n.param);
				visit(n.expr);
				break;
			default:
				break;
		}
	};
	visit(root);
	return { text: expr.text, type: expr.type, root };
};
