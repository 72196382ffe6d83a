/**
 * The differential harness: evaluates generated checks with the engine, writes them as a
 * `promtool test rules` file whose expected samples are the engine's answers, runs promtool
 * (Prometheus v2.42) and attributes its failures to checks.
 *
 * promtool compares values exactly and cannot compare NaN, so a result holding NaN is checked as
 * two expressions: `(E) == on(L) (E)` (the samples that are not NaN) and
 * `count by (L) ((E) != on(L) (E))` (which samples are NaN), L being every label name of the
 * result. promtool loads series in a random order, so where the order of summation matters (sum,
 * avg) a difference in the last bits is accepted and counted apart, and topk/bottomk among equal
 * values (whose winner depends on that order) are skipped and counted.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Labels } from '../../../shared/series';
import { evalInstant, type InstantResult } from '../eval';
import { PromQLError } from '../errors';
import { formatLabels } from '../labels';
import { parseExpr } from '../parse';
import { MemorySource, type SeriesData } from '../source';
import type { GenGroup, GenSeries, Slot, TieProbe } from './generate';

/** The test files' evaluation_interval: promtool's step for subqueries written without one. */
const EVAL_INTERVAL_MS = 5000;
const EVAL_OPTS = { subqueryStepMs: EVAL_INTERVAL_MS };

export type Status = 'exact' | 'approx' | 'error' | 'skipped' | 'failed';

export interface Outcome {
	group: string;
	expr: string;
	t: number;
	status: Status;
	/** Samples the engine's answer has (0 for errors and empty results). */
	samples: number;
	detail?: string;
}

export interface Report {
	outcomes: Outcome[];
	counts: Record<Status, number>;
	failures: Outcome[];
}

interface PromSample {
	labels: string;
	value: number;
}

/** One promtool test: an expression at a time, and the samples expected. */
interface PromTest {
	id: number;
	expr: string;
	t: number;
	exp: PromSample[];
}

type Expectation =
	| { kind: 'values'; tests: PromTest[]; orderSensitive: boolean }
	| { kind: 'error'; test: PromTest; problem: string; parse: boolean }
	| { kind: 'skip'; reason: string };

interface Pending {
	outcome: Outcome;
	expect: Expectation;
}

/** Series of a group as the engine reads them. */
export function seriesData(intervalMs: number, series: GenSeries[]): SeriesData[] {
	return series.map((s) => {
		const ts: number[] = [];
		const values: number[] = [];
		const stale: number[] = [];
		s.slots.forEach((slot, i) => {
			if (slot === '_') return;
			if (slot === 'stale') {
				stale.push(ts.length);
				values.push(NaN);
			} else values.push(slot);
			ts.push(i * intervalMs);
		});
		return stale.length ? { labels: s.labels, ts, values, stale } : { labels: s.labels, ts, values };
	});
}

function slotText(s: Slot): string {
	if (s === '_' || s === 'stale') return s;
	if (Number.isNaN(s)) return 'NaN';
	if (s === Infinity) return 'Inf';
	if (s === -Infinity) return '-Inf';
	return String(s);
}

function seriesText(labels: Labels): string {
	const { __name__: name, ...rest } = labels;
	return `${name ?? ''}${formatLabels(rest)}`;
}

function yamlFloat(v: number): string {
	if (v === Infinity) return '.inf';
	if (v === -Infinity) return '-.inf';
	if (Number.isNaN(v)) return '.nan';
	return String(v);
}

/** Does a topk/bottomk input hold equal values (or NaN) that Prometheus could pick either of? */
function tied(probe: TieProbe, t: number, source: MemorySource): boolean {
	let res: InstantResult;
	try {
		res = evalInstant(parseExpr(probe.expr), t, source, EVAL_OPTS);
	} catch {
		return false;
	}
	if (res.type !== 'vector') return false;
	const k = Number(probe.k);
	if (!(k >= 1)) return false;
	const groups = new Map<string, number[]>();
	for (const s of res.samples) {
		const key = Object.keys(s.labels)
			.filter((n) => (probe.without ? n !== '__name__' && !probe.grouping.includes(n) : probe.grouping.includes(n)))
			.sort()
			.map((n) => `${n}=${s.labels[n]}`)
			.join(',');
		let g = groups.get(key);
		if (!g) groups.set(key, (g = []));
		g.push(s.value);
	}
	for (const vals of groups.values()) {
		if (vals.length <= Math.trunc(k)) continue;
		if (vals.some((v) => Number.isNaN(v))) return true;
		if (new Set(vals.map((v) => (v === 0 ? 0 : v))).size !== vals.length) return true;
	}
	return false;
}

class Builder {
	private nextId = 1;
	readonly pending: Pending[] = [];

	test(expr: string, t: number, exp: PromSample[]): PromTest {
		return { id: this.nextId++, expr, t, exp };
	}

	add(group: GenGroup, source: MemorySource, expr: string, t: number, probes: TieProbe[], orderSensitive: boolean): void {
		const outcome: Outcome = { group: group.name, expr, t, status: 'failed', samples: 0 };
		let parsed;
		try {
			parsed = parseExpr(expr);
		} catch (err) {
			if (err instanceof PromQLError && err.kind === 'syntax') {
				this.pending.push({ outcome, expect: { kind: 'error', test: this.test(expr, t, []), problem: err.problem, parse: true } });
			} else this.pending.push({ outcome, expect: { kind: 'skip', reason: `refused: ${(err as Error).message}` } });
			return;
		}
		for (const p of probes) {
			if (tied(p, t, source)) {
				this.pending.push({ outcome, expect: { kind: 'skip', reason: 'topk/bottomk among equal values' } });
				return;
			}
		}
		let res: InstantResult;
		try {
			res = evalInstant(parsed, t, source, EVAL_OPTS);
		} catch (err) {
			if (!(err instanceof PromQLError)) throw err;
			this.pending.push({ outcome, expect: { kind: 'error', test: this.test(expr, t, []), problem: err.problem, parse: false } });
			return;
		}
		outcome.samples = res.type === 'scalar' ? 1 : res.samples.length;
		if (res.type === 'scalar') {
			if (Number.isNaN(res.value)) {
				const test = this.test(`count(vector(${expr}) != vector(${expr}))`, t, [{ labels: '{}', value: 1 }]);
				this.pending.push({ outcome, expect: { kind: 'values', tests: [test], orderSensitive } });
			} else {
				this.pending.push({ outcome, expect: { kind: 'values', tests: [this.test(expr, t, [{ labels: '{}', value: res.value }])], orderSensitive } });
			}
			return;
		}
		const samples = res.samples.map((s) => ({ labels: formatLabels(s.labels), value: s.value, raw: s.labels }));
		if (!samples.some((s) => Number.isNaN(s.value))) {
			this.pending.push({ outcome, expect: { kind: 'values', tests: [this.test(expr, t, samples)], orderSensitive } });
			return;
		}
		const names = [...new Set(res.samples.flatMap((s) => Object.keys(s.labels)))].sort().join(', ');
		const values = this.test(
			`(${expr}) == on(${names}) (${expr})`,
			t,
			samples.filter((s) => !Number.isNaN(s.value))
		);
		const nans = this.test(
			`count by (${names}) ((${expr}) != on(${names}) (${expr}))`,
			t,
			samples.filter((s) => Number.isNaN(s.value)).map((s) => ({ labels: s.labels, value: 1 }))
		);
		this.pending.push({ outcome, expect: { kind: 'values', tests: [values, nans], orderSensitive } });
	}
}

function testsOf(e: Expectation): PromTest[] {
	return e.kind === 'values' ? e.tests : e.kind === 'error' ? [e.test] : [];
}

function groupYaml(group: GenGroup, tests: PromTest[]): string {
	const lines: string[] = [];
	lines.push(`  - interval: ${group.intervalMs}ms`);
	lines.push('    input_series:');
	for (const s of group.series) {
		lines.push(`      - series: ${JSON.stringify(seriesText(s.labels))}`);
		lines.push(`        values: ${JSON.stringify(s.slots.map(slotText).join(' '))}`);
	}
	lines.push('    promql_expr_test:');
	// Samples are loaded up to the last evaluation: evaluate once at the last sample.
	const last = Math.max(0, ...group.series.map((s) => s.slots.length - 1)) * group.intervalMs;
	lines.push(`      - expr: "vector(1) # load"`);
	lines.push(`        eval_time: ${last}ms`);
	lines.push(`        exp_samples:`);
	lines.push(`          - labels: "{}"`);
	lines.push(`            value: 1`);
	for (const t of tests) {
		lines.push(`      - expr: ${JSON.stringify(`${t.expr} # c${t.id}`)}`);
		lines.push(`        eval_time: ${t.t}ms`);
		if (t.exp.length) {
			lines.push('        exp_samples:');
			for (const s of t.exp) {
				lines.push(`          - labels: ${JSON.stringify(s.labels)}`);
				lines.push(`            value: ${yamlFloat(s.value)}`);
			}
		}
	}
	return lines.join('\n');
}

interface Failure {
	err?: string;
	got?: PromSample[];
	exp?: string;
	gotText?: string;
}

/** Go's %E float text (as promtool prints values). */
function parseGoFloat(s: string): number {
	if (s === 'NaN') return NaN;
	if (s === '+Inf') return Infinity;
	if (s === '-Inf') return -Infinity;
	return Number(s);
}

/** Parses promtool's `{a="1"} 1E+00, {b="2"} NaN` (or `nil`). */
function parseSamples(text: string): PromSample[] {
	const out: PromSample[] = [];
	let i = 0;
	const s = text.trim();
	if (s === 'nil' || s === '') return out;
	while (i < s.length) {
		if (s[i] !== '{') throw new Error(`cannot read samples at ${i}: ${s}`);
		let j = i + 1;
		let inStr = false;
		for (; j < s.length; j++) {
			const c = s[j];
			if (inStr) {
				if (c === '\\') j++;
				else if (c === '"') inStr = false;
			} else if (c === '"') inStr = true;
			else if (c === '}') break;
		}
		const labels = s.slice(i, j + 1);
		const rest = s.slice(j + 2);
		const m = /^(\S+?)(, |$)/.exec(rest)!;
		out.push({ labels, value: parseGoFloat(m[1]!) });
		i = j + 2 + m[0].length;
	}
	return out;
}

function parseOutput(out: string): Map<number, Failure> {
	const failures = new Map<number, Failure>();
	const lines = out.split('\n');
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i]!;
		const m = /^\s+expr: ".*# c(\d+)", time: [^,]*,(?: err: (.*))?$/.exec(line);
		if (!m) {
			if (/^\s+expr: ".*# load"/.test(line)) throw new Error(`promtool failed to load a group:\n${lines.slice(i, i + 3).join('\n')}`);
			continue;
		}
		const id = Number(m[1]);
		if (m[2] !== undefined) {
			failures.set(id, { err: m[2] });
			continue;
		}
		const exp = /^\s+exp: (.*)$/.exec(lines[i + 1] ?? '');
		const got = /^\s+got: (.*)$/.exec(lines[i + 2] ?? '');
		if (!exp || !got) throw new Error(`cannot read promtool's output near: ${line}`);
		failures.set(id, { got: parseSamples(got[1]!), exp: exp[1], gotText: got[1] });
		i += 2;
	}
	return failures;
}

function closeEnough(a: number, b: number): boolean {
	if (a === b) return true;
	if (Number.isNaN(a) || Number.isNaN(b)) return false;
	return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * The same label sets but for values that are numbers equal but for the last bits: count_values
 * writes its values as labels, so an order-dependent sum under it differs there.
 */
function labelsClose(a: string, b: string): boolean {
	if (a === b) return true;
	if (a.slice(0, a.indexOf('{')) !== b.slice(0, b.indexOf('{'))) return false;
	const pa = [...a.matchAll(LABEL)];
	const pb = [...b.matchAll(LABEL)];
	if (pa.length !== pb.length) return false;
	return pa.every((m, i) => {
		const n = pb[i]!;
		if (m[1] !== n[1]) return false;
		if (m[2] === n[2]) return true;
		const x = Number(m[2]);
		const y = Number(n[2]);
		return m[2] !== '' && n[2] !== '' && Number.isFinite(x) && Number.isFinite(y) && closeEnough(x, y);
	});
}

/** Matches samples by labels, allowing values (and numbers written as label values) to differ in the last bits. */
function approxEqual(exp: PromSample[], got: PromSample[]): boolean {
	if (exp.length !== got.length) return false;
	const left = got.slice();
	return exp.every((s) => {
		let i = left.findIndex((g) => g.labels === s.labels);
		if (i < 0) i = left.findIndex((g) => labelsClose(s.labels, g.labels));
		if (i < 0 || !closeEnough(s.value, left[i]!.value)) return false;
		left.splice(i, 1);
		return true;
	});
}

/**
 * The same error; a duplicate-series error names a match group and two of its duplicates, which
 * depend on the order promtool loaded the series in.
 */
function sameError(ours: string, theirs: string): boolean {
	const norm = (s: string) => s.replace(/\[.*\]/, '[…]').replace(/match group \{[^}]*\}/, 'match group {…}');
	return norm(ours) === norm(theirs);
}

export interface RunOptions {
	promtool: string;
	/** Groups per promtool run (two runs go at once). */
	batch?: number;
}

/** Runs the groups' checks against promtool and reports each check's outcome. */
export function runDifferential(groups: GenGroup[], opts: RunOptions): Report {
	const b = new Builder();
	const yamlGroups: string[] = [];
	for (const group of groups) {
		const source = new MemorySource(seriesData(group.intervalMs, group.series));
		const first = b.pending.length;
		for (const c of group.checks) for (const t of c.times) b.add(group, source, c.expr, t, c.tieProbes, c.orderSensitive);
		yamlGroups.push(groupYaml(group, b.pending.slice(first).flatMap((p) => testsOf(p.expect))));
	}
	const dir = mkdtempSync(join(tmpdir(), 'vigil-promql-'));
	const failures = new Map<number, Failure>();
	try {
		const size = opts.batch ?? 40;
		for (let i = 0; i < yamlGroups.length; i += size) {
			const file = join(dir, `batch-${i / size}.yml`);
			writeFileSync(file, `rule_files: []\nevaluation_interval: ${EVAL_INTERVAL_MS}ms\ntests:\n${yamlGroups.slice(i, i + size).join('\n')}\n`);
			let out: string;
			try {
				out = execFileSync(opts.promtool, ['test', 'rules', file], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
			} catch (err) {
				// Failures go to standard error, and promtool exits 1.
				const e = err as { stdout?: string; stderr?: string; status?: number };
				if (e.status !== 1 || e.stderr === undefined) throw err;
				out = `${e.stdout ?? ''}\n${e.stderr}`;
				if (!/FAILED/.test(out)) throw new Error(`promtool failed: ${out.slice(0, 2000)}`);
			}
			for (const [id, f] of parseOutput(out)) failures.set(id, f);
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	const outcomes: Outcome[] = [];
	for (const { outcome, expect } of b.pending) {
		outcomes.push(outcome);
		if (expect.kind === 'skip') {
			outcome.status = 'skipped';
			outcome.detail = expect.reason;
			continue;
		}
		if (expect.kind === 'error') {
			const f = failures.get(expect.test.id);
			if (!f || f.err === undefined) {
				outcome.detail = `engine: error "${expect.problem}"; promtool: ${f ? `got ${f.gotText}` : 'no error, no samples'}`;
				continue;
			}
			const ok = expect.parse ? /^\d+:\d+: parse error: /.test(f.err) : sameError(expect.problem, f.err);
			outcome.status = ok ? 'error' : 'failed';
			if (!ok) outcome.detail = `engine: error "${expect.problem}"; promtool: error "${f.err}"`;
			continue;
		}
		let status: Status = 'exact';
		const details: string[] = [];
		for (const test of expect.tests) {
			const f = failures.get(test.id);
			if (!f) continue;
			if (f.err !== undefined) {
				status = 'failed';
				details.push(`${test.expr}: engine: ${test.exp.map((s) => `${s.labels} ${s.value}`).join(', ') || 'nil'}; promtool: error "${f.err}"`);
			} else if (expect.orderSensitive && approxEqual(test.exp, f.got!)) {
				if (status === 'exact') status = 'approx';
			} else {
				status = 'failed';
				details.push(`${test.expr}: engine: ${test.exp.map((s) => `${s.labels} ${s.value}`).join(', ') || 'nil'}; promtool: ${f.gotText}`);
			}
		}
		outcome.status = status;
		if (details.length) outcome.detail = details.join('\n');
	}
	const counts: Record<Status, number> = { exact: 0, approx: 0, error: 0, skipped: 0, failed: 0 };
	for (const o of outcomes) counts[o.status]++;
	return { outcomes, counts, failures: outcomes.filter((o) => o.status === 'failed') };
}
