/**
 * One rule, from the rule-file shape to what the engine runs. An alerting rule: its expression
 * parsed, its templates compiled, its durations read, and the expressions Vigil derives from it
 * (the clear condition of `clear_threshold`, the presence check of hysteresis, the no-data check).
 * A recording rule: its name, expression and labels, checked as Prometheus checks them.
 */
import { z } from 'zod';
import { parseDuration } from '../../shared/duration';
import { friendlyErrors, suggest } from '../../shared/problems';
import type { RecordingRuleSpec, RuleSpec } from '../../shared/rule-spec';
import { isSafeLink, isSafeLinkStart } from '../../shared/links';
import { LABEL_NAME, METRIC_NAME, type Labels } from '../../shared/series';
import { parseExpr, PromQLError, selectorsOf, usesAbsent, type Expr } from '../promql';
import type { Matcher } from '../tsdb';
import { compileTemplate, TemplateError, type CompiledTemplate } from './template';
import { NODATA_POLICIES, SEVERITIES, type NodataPolicy, type Severity, type StateRule } from './types';

/** One alerting rule as written in a rule file: Prometheus's keys plus Vigil's. */
export type { RuleSpec, RecordingRuleSpec };

/** A recording rule as the engine runs it: at each evaluation, `expr`'s result is stored as series named `name`. */
export interface CompiledRecording {
	kind: 'record';
	/** `group/record`, with `#n` for the n-th rule of that name in the group. */
	id: string;
	/** The metric name it writes (`record:`). */
	name: string;
	group: string;
	/** Place of the rule in its group (0-based), among alerting and recording rules. */
	index: number;
	intervalMs: number;
	enabled: boolean;
	spec: RecordingRuleSpec;
	expr: Expr;
	/** Labels set on every series written (replacing the result's own). */
	labels: Labels;
}

export interface CompiledRule extends StateRule {
	/** `group/alert`. */
	id: string;
	group: string;
	/** Place of the rule in its group (0-based). */
	index: number;
	/** Interval of the rule's group. */
	intervalMs: number;
	/** Rules are evaluated only when enabled (the rule store can disable one). */
	enabled: boolean;
	spec: RuleSpec;
	expr: Expr;
	/** Hysteresis: the expression returning the series that are clear. */
	clear?: Expr;
	/** Hysteresis: the series that have data now (a firing instance without one resolves). */
	presence?: Expr;
	/** Returns nothing exactly when every input series of `expr` is missing; unset when the no-data policy cannot apply. */
	data?: Expr;
	severity?: Severity;
	runbookUrl?: string;
}

export interface FieldProblem {
	/** Path inside the rule: `['expr']`, `['labels', 'team']`. */
	path: Array<string | number>;
	message: string;
	/** The problem is the key itself (an unknown key). */
	key?: boolean;
	/** 1-based position inside the field's text (an expression or a template). */
	line?: number;
	column?: number;
	/** 0-based offsets inside the field's text of what the problem is about, when the parser knows them. */
	from?: number;
	to?: number;
}

export interface CompileResult {
	rule?: CompiledRule;
	/** The rule as written, when its shape is right (even if it does not compile). */
	spec?: RuleSpec;
	problems: FieldProblem[];
}

const RULE_KEYS = ['alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations', 'clear_expr', 'clear_threshold', 'nodata', 'runbook_url', 'severity'];

/** Alert names: letters, digits and underscores, not starting with a digit. */
export const ALERT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const scalarText = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const textMap = z.record(z.string(), scalarText).nullish();
const durationText = z.union([z.string(), z.literal(0)]).transform((v, ctx) => {
	const text = String(v);
	if (parseDuration(text) === null) {
		ctx.addIssue({ code: 'custom', message: `expected a duration like "5m", got ${JSON.stringify(v)}` });
		return z.NEVER;
	}
	return text;
});

const ruleSchema = z.strictObject({
	alert: z.string().min(1, 'must not be empty'),
	expr: z.union([z.string(), z.number()]).transform(String),
	for: durationText.optional(),
	keep_firing_for: durationText.optional(),
	labels: textMap,
	annotations: textMap,
	clear_expr: z.union([z.string(), z.number()]).transform(String).optional(),
	clear_threshold: z.number().refine(Number.isFinite, 'must be a finite number').optional(),
	nodata: z.enum(NODATA_POLICIES as [NodataPolicy, ...NodataPolicy[]]).optional(),
	runbook_url: z.string().optional(),
	severity: z.enum(SEVERITIES as [Severity, ...Severity[]]).optional()
});

function exprProblem(path: string, err: unknown): FieldProblem {
	if (err instanceof PromQLError) return { path: [path], message: err.message, line: err.line, column: err.column, from: err.from, to: err.to };
	return { path: [path], message: (err as Error).message };
}

function matcherText(matchers: readonly Matcher[]): string {
	return `{${matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`).join(', ')}}`;
}

function durationText2(ms: number): string {
	const sign = ms < 0 ? '-' : '';
	ms = Math.abs(ms);
	if (ms % 1000 !== 0) return `${sign}${ms}ms`;
	return `${sign}${ms / 1000}s`;
}

/**
 * An expression that returns something exactly when at least one input series of `expr` has data
 * at the evaluation time: each selector as it reads (a range selector through count_over_time),
 * joined with `or`. Undefined for expressions without selectors or using absent/absent_over_time.
 */
export function dataExprOf(expr: Expr): Expr | undefined {
	if (usesAbsent(expr)) return undefined;
	const parts = new Set<string>();
	for (const s of selectorsOf(expr)) {
		const off = s.offset ? ` offset ${durationText2(s.offset)}` : '';
		const sel = matcherText(s.matchers);
		parts.add(s.range ? `count_over_time(${sel}[${durationText2(s.range)}]${off})` : `${sel}${off}`);
	}
	if (parts.size === 0) return undefined;
	try {
		return parseExpr([...parts].join(' or '));
	} catch {
		// A selector the engine cannot read back on its own: no no-data check for this rule.
		return undefined;
	}
}

export interface ThresholdShape {
	lhs: string;
	op: '>' | '>=' | '<' | '<=';
	threshold: number;
}

type AnyNode = { kind: string; type?: string; from: number; to: number; op?: string; lhs?: AnyNode; rhs?: AnyNode; expr?: AnyNode; value?: number; returnBool?: boolean };

/** `LHS op NUMBER` with op in > >= < <= (no bool), or undefined. */
export function thresholdShape(expr: Expr): ThresholdShape | undefined {
	const root = (expr as unknown as { root?: AnyNode }).root;
	if (!root || root.kind !== 'binary' || root.returnBool) return undefined;
	if (!['>', '>=', '<', '<='].includes(root.op!)) return undefined;
	const lhs = root.lhs!;
	const rhs = root.rhs!;
	if (lhs.type !== 'vector') return undefined;
	let threshold: number | undefined;
	if (rhs.kind === 'number') threshold = rhs.value;
	else if (rhs.kind === 'unary' && rhs.op === '-' && rhs.expr?.kind === 'number') threshold = -rhs.expr.value!;
	else if (rhs.kind === 'unary' && rhs.op === '+' && rhs.expr?.kind === 'number') threshold = rhs.expr.value!;
	if (threshold === undefined) return undefined;
	return { lhs: expr.text.slice(lhs.from, lhs.to), op: root.op as ThresholdShape['op'], threshold };
}

function numberText(n: number): string {
	return String(n);
}

function compileTemplates(
	kind: 'labels' | 'annotations',
	map: Record<string, string>,
	alert: string,
	problems: FieldProblem[]
): Record<string, CompiledTemplate> {
	const out: Record<string, CompiledTemplate> = {};
	for (const [k, v] of Object.entries(map)) {
		if (!LABEL_NAME.test(k)) {
			problems.push({ path: [kind, k], key: true, message: `invalid ${kind === 'labels' ? 'label' : 'annotation'} name ${JSON.stringify(k)}: must match ${LABEL_NAME.source}` });
			continue;
		}
		if (kind === 'labels' && k.startsWith('__')) {
			problems.push({ path: [kind, k], key: true, message: `label name ${JSON.stringify(k)} is reserved (names starting with __ are internal)` });
			continue;
		}
		if (kind === 'labels' && k === 'alertname') {
			problems.push({ path: [kind, k], key: true, message: 'the alertname label is set from `alert:`; remove it' });
			continue;
		}
		try {
			out[k] = compileTemplate(v, alert);
		} catch (err) {
			if (!(err instanceof TemplateError)) throw err;
			problems.push({ path: [kind, k], message: `template: ${err.message}`, line: err.line, column: err.column, from: err.offset, to: err.offset });
		}
	}
	return out;
}

const RECORD_KEYS = ['record', 'expr', 'labels'];

const recordSchema = z.strictObject({
	record: z.string().min(1, 'must not be empty'),
	expr: z.union([z.string(), z.number()]).transform(String),
	labels: textMap
});

/**
 * Validates and compiles one recording rule, as Prometheus v2.42 checks one: a valid metric name,
 * an expression of an instant vector or a scalar, label names that are valid and not `__name__`,
 * and no alerting keys (`for`, `annotations`, ...).
 */
export function compileRecordingRule(raw: unknown, group: { name: string; intervalMs: number }, index = 0): { rule?: CompiledRecording; spec?: RecordingRuleSpec; problems: FieldProblem[] } {
	const problems: FieldProblem[] = [];
	const obj = raw as Record<string, unknown>;
	const parsed = recordSchema.safeParse(raw, { error: friendlyErrors });
	if (!parsed.success) {
		schemaProblems(parsed.error.issues, problems, (k) =>
			RULE_KEYS.includes(k) ? `invalid field '${k}' in recording rule (a recording rule has ${RECORD_KEYS.join(', ')})` : `unknown key; expected one of ${RECORD_KEYS.join(', ')}`
		);
	}
	const record = typeof obj.record === 'string' ? obj.record : '';
	if (record && !METRIC_NAME.test(record)) problems.push({ path: ['record'], message: `invalid recording rule name: ${record}` });
	const expr = instantExpr(obj.expr, problems);
	const labels: Labels = {};
	const rawLabels = parsed.success ? (parsed.data.labels ?? {}) : {};
	for (const [k, v] of Object.entries(rawLabels)) {
		if (!LABEL_NAME.test(k) || k === '__name__') problems.push({ path: ['labels', k], key: true, message: `invalid label name: ${k}` });
		else if (v !== '') labels[k] = v;
	}
	const spec: RecordingRuleSpec | undefined = parsed.success ? { record: parsed.data.record, expr: parsed.data.expr, ...(parsed.data.labels ? { labels: parsed.data.labels } : {}) } : undefined;
	if (problems.length > 0 || !parsed.success || !expr) return { spec, problems };
	return {
		rule: { kind: 'record', id: `${group.name}/${record}`, name: record, group: group.name, index, intervalMs: group.intervalMs, enabled: true, spec: spec!, expr, labels },
		spec,
		problems
	};
}

/** Compiles a rule of either kind: a mapping with `record:` is a recording rule. */
export function compileAnyRule(
	raw: unknown,
	group: { name: string; intervalMs: number },
	index = 0
): { alert?: CompiledRule; recording?: CompiledRecording; spec?: RuleSpec | RecordingRuleSpec; problems: FieldProblem[] } {
	if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && 'record' in raw) {
		if ('alert' in raw) return { problems: [{ path: ['alert'], key: true, message: 'a rule has either `alert:` or `record:`, not both' }] };
		const r = compileRecordingRule(raw, group, index);
		return { ...(r.rule ? { recording: r.rule } : {}), ...(r.spec ? { spec: r.spec } : {}), problems: r.problems };
	}
	const r = compileRule(raw, group, index);
	return { ...(r.rule ? { alert: r.rule } : {}), ...(r.spec ? { spec: r.spec } : {}), problems: r.problems };
}

/** The schema's issues as problems; an unknown key gets `unknownKey`'s message. */
function schemaProblems(issues: readonly z.core.$ZodIssue[], problems: FieldProblem[], unknownKey: (key: string) => string): void {
	for (const issue of issues) {
		const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
		if (issue.code === 'unrecognized_keys') {
			for (const k of issue.keys) problems.push({ path: [...path, k], key: true, message: unknownKey(k) });
		} else problems.push({ path, message: issue.message });
	}
}

/** A rule's `expr`, parsed: an instant vector or a scalar (undefined, with a problem, otherwise). */
function instantExpr(value: unknown, problems: FieldProblem[]): Expr | undefined {
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	try {
		const expr = parseExpr(String(value));
		if (expr.type !== 'matrix') return expr;
		problems.push({ path: ['expr'], message: 'must be an instant vector or a scalar, got a range vector; wrap it in a function such as rate() or max_over_time()' });
	} catch (err) {
		problems.push(exprProblem('expr', err));
	}
	return undefined;
}

type ParsedRule = ReturnType<typeof ruleSchema.safeParse>;

/**
 * Validates and compiles one alerting rule as found in a rule file (any shape). `group` gives the
 * rule its id (`group/alert`) and interval; `index` is its place in the group.
 */
export function compileRule(raw: unknown, group: { name: string; intervalMs: number }, index = 0): CompileResult {
	const problems: FieldProblem[] = [];
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
		return { problems: [{ path: [], message: 'expected a rule: a mapping with alert, expr, ...' }] };
	}
	const obj = raw as Record<string, unknown>;
	if ('record' in obj) {
		return { problems: [{ path: ['record'], key: true, message: 'this is a recording rule (record:); an alerting rule has alert:' }] };
	}
	const parsed = ruleSchema.safeParse(raw, { error: friendlyErrors });
	if (!parsed.success) {
		schemaProblems(parsed.error.issues, problems, (k) => {
			const s = suggest(k, RULE_KEYS);
			return s ? `unknown key; did you mean "${s}"?` : `unknown key; expected one of ${RULE_KEYS.join(', ')}`;
		});
	}
	// Check what has the right type even when other fields do not, so every problem shows at once.
	const alert = typeof obj.alert === 'string' ? obj.alert : '';
	if (alert && !ALERT_NAME.test(alert)) problems.push({ path: ['alert'], message: `invalid alert name ${JSON.stringify(alert)}: use letters, digits and underscores (${ALERT_NAME.source})` });
	const expr = instantExpr(obj.expr, problems);
	const { labels, annotations, severity } = ruleLabels(obj, parsed, alert, problems);
	const runbookUrl = typeof obj.runbook_url === 'string' ? checkRunbookUrl(obj.runbook_url, alert, problems) : undefined;
	const { clear, presence } = hysteresisOf(obj, expr, problems);
	const spec = ruleSpecOf(parsed);
	if (problems.length > 0 || !parsed.success || !expr) return { spec, problems };

	const d = parsed.data;
	const rule: CompiledRule = {
		id: `${group.name}/${d.alert}`,
		name: d.alert,
		group: group.name,
		index,
		intervalMs: group.intervalMs,
		enabled: true,
		spec: spec!,
		expr,
		forMs: d.for !== undefined ? parseDuration(d.for)! : 0,
		keepFiringForMs: d.keep_firing_for !== undefined ? parseDuration(d.keep_firing_for)! : 0,
		labels,
		annotations,
		nodata: d.nodata ?? 'nodata',
		hysteresis: clear !== undefined,
		...(clear ? { clear } : {}),
		...(presence ? { presence } : {}),
		...(severity ? { severity } : {}),
		...(runbookUrl ? { runbookUrl } : {})
	};
	const data = dataExprOf(expr);
	if (data) rule.data = data;
	return { rule, spec, problems };
}

/** The rule as written (what the repository stores), when it passed the schema. */
function ruleSpecOf(parsed: ParsedRule): RuleSpec | undefined {
	if (!parsed.success) return undefined;
	return Object.fromEntries(
		Object.entries({
			...parsed.data,
			labels: parsed.data.labels ?? undefined,
			annotations: parsed.data.annotations ?? undefined
		}).filter(([, v]) => v !== undefined)
	) as RuleSpec;
}

/**
 * A label or annotation value as template text. The schema refuses values that are not text; a
 * refused file is still read for its other problems, so an object (even one whose `toString` is
 * not a function, as `__proto__: {toString: x}` makes) becomes empty text instead of throwing.
 */
function templateText(v: unknown): string {
	return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

/** A rule's label and annotation templates, and its severity: the `severity` key sets the label. */
function ruleLabels(obj: Record<string, unknown>, parsed: ParsedRule, alert: string, problems: FieldProblem[]) {
	const labelsRaw = parsed.success ? (parsed.data.labels ?? {}) : typeof obj.labels === 'object' && obj.labels ? (obj.labels as Record<string, string>) : {};
	const annotationsRaw = parsed.success ? (parsed.data.annotations ?? {}) : typeof obj.annotations === 'object' && obj.annotations ? (obj.annotations as Record<string, string>) : {};
	const labels = compileTemplates('labels', Object.fromEntries(Object.entries(labelsRaw).map(([k, v]) => [k, templateText(v)])), alert, problems);
	const annotations = compileTemplates('annotations', Object.fromEntries(Object.entries(annotationsRaw).map(([k, v]) => [k, templateText(v)])), alert, problems);
	const severityKey = parsed.success ? parsed.data.severity : undefined;
	let severity: Severity | undefined = severityKey;
	if (severityKey !== undefined && 'severity' in labelsRaw) {
		problems.push({ path: ['labels', 'severity'], key: true, message: 'severity is given twice (the severity key sets this label); keep one' });
	} else if (severityKey !== undefined) {
		labels.severity = compileTemplate(severityKey, alert);
	} else if ((SEVERITIES as readonly string[]).includes(labelsRaw.severity ?? '')) severity = labelsRaw.severity as Severity;
	return { labels, annotations, severity };
}

/**
 * runbook_url: a field of the rule (for notifications and pages), not an annotation, so alerts
 * compare the same under promtool. It becomes a link: only an http(s) URL or a path on this site
 * is stored. A template must fix that with the text before its first action; one that starts
 * with an action is checked where it is rendered (and shown as text when it is not one).
 */
function checkRunbookUrl(runbookUrl: string, alert: string, problems: FieldProblem[]): string {
	try {
		const t = compileTemplate(runbookUrl, alert);
		const expected = 'expected an http:// or https:// URL, or a path on this site (/..., ./..., ../...)';
		if (t.constant && !isSafeLink(runbookUrl)) problems.push({ path: ['runbook_url'], message: `${expected}, got ${JSON.stringify(runbookUrl.slice(0, 200))}` });
		else if (!t.constant) {
			const start = runbookUrl.slice(0, runbookUrl.indexOf('{{'));
			if (start !== '' && !isSafeLinkStart(start)) {
				problems.push({ path: ['runbook_url'], message: `${expected}: the text before the first {{ must start one, got ${JSON.stringify(start.slice(0, 200))}` });
			}
		}
	} catch (err) {
		if (!(err instanceof TemplateError)) throw err;
		problems.push({ path: ['runbook_url'], message: `template: ${err.message}`, line: err.line, column: err.column, from: err.offset, to: err.offset });
	}
	return runbookUrl;
}

/** Hysteresis: the clear condition (clear_expr, or one built from clear_threshold) and what data it needs. */
function hysteresisOf(obj: Record<string, unknown>, expr: Expr | undefined, problems: FieldProblem[]): { clear?: Expr; presence?: Expr } {
	const hasClearExpr = obj.clear_expr !== undefined;
	const hasClearThreshold = obj.clear_threshold !== undefined;
	if (hasClearExpr && hasClearThreshold) {
		problems.push({ path: ['clear_threshold'], message: 'clear_expr and clear_threshold are mutually exclusive; keep one' });
	} else if (hasClearExpr && (typeof obj.clear_expr === 'string' || typeof obj.clear_expr === 'number')) {
		const clear = clearExpr(String(obj.clear_expr), problems);
		return { clear, presence: expr && clear ? dataExprOf(expr) : undefined };
	} else if (hasClearThreshold && typeof obj.clear_threshold === 'number' && Number.isFinite(obj.clear_threshold) && expr) {
		return clearFromThreshold(expr, obj.clear_threshold, problems);
	}
	return {};
}

function clearExpr(text: string, problems: FieldProblem[]): Expr | undefined {
	try {
		const clear = parseExpr(text);
		if (clear.type === 'vector') return clear;
		problems.push({ path: ['clear_expr'], message: `must be an instant vector (the series that are clear), got a ${clear.type === 'matrix' ? 'range vector' : 'scalar'}` });
	} catch (err) {
		problems.push(exprProblem('clear_expr', err));
	}
	return undefined;
}

/** `LHS > N` with clear_threshold C: clear when `(LHS) < C`, and present where LHS has data. */
function clearFromThreshold(expr: Expr, c: number, problems: FieldProblem[]): { clear?: Expr; presence?: Expr } {
	const shape = thresholdShape(expr);
	if (!shape) {
		problems.push({ path: ['clear_threshold'], message: 'needs an expr of the form `LHS > N`, `LHS >= N`, `LHS < N` or `LHS <= N` (without bool); use clear_expr otherwise' });
		return {};
	}
	const above = shape.op === '>' || shape.op === '>=';
	if (above ? c > shape.threshold : c < shape.threshold) {
		problems.push({
			path: ['clear_threshold'],
			message: `must be ${above ? 'at most' : 'at least'} the threshold ${shape.threshold} of \`${shape.op}\` (an alert ${above ? 'above' : 'below'} it resolves once ${above ? 'below' : 'above'} the clear threshold)`
		});
		return {};
	}
	try {
		return { clear: parseExpr(`(${shape.lhs}) ${above ? '<' : '>'} ${numberText(c)}`), presence: parseExpr(shape.lhs) };
	} catch (err) {
		problems.push({ path: ['clear_threshold'], message: `cannot build the clear condition: ${(err as Error).message}` });
		return {};
	}
}

/** The expressions an evaluation of the rule runs (their data must be loaded). */
export function ruleExprs(rule: CompiledRule): Expr[] {
	return [rule.expr, rule.clear, rule.presence, rule.data].filter((e): e is Expr => e !== undefined);
}
