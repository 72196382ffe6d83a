/**
 * The pure part of the rule editor: the form's state built from a rule spec, the rule's YAML
 * built from the form (the shape of one rule in a rule file, keys in rule-file order), and the
 * validator's problems sorted to the fields they belong to.
 */
import { stringify } from 'yaml';
import { NODATA_POLICIES, type NodataPolicy, type RuleSpec, type Severity } from '../../shared/rule-spec';

export { NODATA_POLICIES, type NodataPolicy, type RuleSpec, type Severity };
/** Severities in the order the form offers them: the most urgent first. */
export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

/** A validation problem as the rules API answers it. */
export interface RuleProblem {
	/** `expr`, `labels.team`, `labels["a-b"]`, `for`, or `` for the whole rule. */
	path: string;
	message: string;
	/** 1-based, inside that field's text. */
	line?: number;
	column?: number;
	/** 0-based offsets inside that field's text. */
	from?: number;
	to?: number;
}

/** A problem placed in an editor's text. */
export interface TextProblem {
	from: number;
	to: number;
	message: string;
}

export interface KeyValueRow {
	/** Stable id for keyed lists (never sent). */
	id: number;
	key: string;
	value: string;
}

export type ClearMode = 'none' | 'threshold' | 'expr';

export interface RuleFormState {
	alert: string;
	expr: string;
	for: string;
	keepFiringFor: string;
	clearMode: ClearMode;
	/** As typed; a number when it reads as one. */
	clearThreshold: string;
	clearExpr: string;
	nodata: NodataPolicy | '';
	severity: Severity | '';
	runbookUrl: string;
	labels: KeyValueRow[];
	annotations: KeyValueRow[];
}

let nextRowId = 1;

export function newRow(key = '', value = ''): KeyValueRow {
	return { id: nextRowId++, key, value };
}

function rowsOf(map: Record<string, unknown> | null | undefined): KeyValueRow[] {
	if (!map || typeof map !== 'object') return [];
	return Object.entries(map).map(([k, v]) => newRow(k, v === null || v === undefined ? '' : String(v)));
}

function text(v: unknown): string {
	return v === null || v === undefined ? '' : String(v);
}

/** The form's state for a rule (a new, empty rule when none is given). */
export function formFromSpec(spec?: Partial<RuleSpec> | null): RuleFormState {
	const s = spec ?? {};
	const clearMode: ClearMode = s.clear_expr !== undefined ? 'expr' : s.clear_threshold !== undefined ? 'threshold' : 'none';
	return {
		alert: text(s.alert),
		expr: text(s.expr),
		for: text(s.for),
		keepFiringFor: text(s.keep_firing_for),
		clearMode,
		clearThreshold: text(s.clear_threshold),
		clearExpr: text(s.clear_expr),
		nodata: (NODATA_POLICIES as readonly string[]).includes(s.nodata ?? '') ? (s.nodata as NodataPolicy) : '',
		severity: (SEVERITIES as readonly string[]).includes(s.severity ?? '') ? (s.severity as Severity) : '',
		runbookUrl: text(s.runbook_url),
		labels: rowsOf(s.labels),
		annotations: rowsOf(s.annotations)
	};
}

/** A number as YAML should hold it: the number when the text reads as a finite one, else the text (the validator names the problem). */
function numberOrText(t: string): number | string {
	const trimmed = t.trim();
	if (trimmed !== '' && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) {
		const n = Number(trimmed);
		if (Number.isFinite(n)) return n;
	}
	return t;
}

function mapOf(rows: readonly KeyValueRow[]): Record<string, string> | undefined {
	const out: Record<string, string> = {};
	let any = false;
	for (const r of rows) {
		if (r.key === '' && r.value === '') continue; // a row just added and not filled in
		out[r.key] = r.value;
		any = true;
	}
	return any ? out : undefined;
}

/**
 * The rule as a plain object in rule-file key order; empty optional fields are left out.
 * `clear_threshold` that does not read as a number stays text, so that the validator reports it.
 */
export function specFromForm(f: RuleFormState): Record<string, unknown> {
	const out: Record<string, unknown> = { alert: f.alert, expr: f.expr };
	if (f.for.trim() !== '') out.for = f.for.trim();
	if (f.keepFiringFor.trim() !== '') out.keep_firing_for = f.keepFiringFor.trim();
	if (f.clearMode === 'expr' && f.clearExpr.trim() !== '') out.clear_expr = f.clearExpr;
	if (f.clearMode === 'threshold' && f.clearThreshold.trim() !== '') out.clear_threshold = numberOrText(f.clearThreshold);
	if (f.nodata) out.nodata = f.nodata;
	if (f.severity) out.severity = f.severity;
	if (f.runbookUrl.trim() !== '') out.runbook_url = f.runbookUrl.trim();
	const labels = mapOf(f.labels);
	if (labels) out.labels = labels;
	const annotations = mapOf(f.annotations);
	if (annotations) out.annotations = annotations;
	return out;
}

/** One rule as YAML, the shape of a rule in a rule file (the same options as Vigil's rule-file writer). */
export function ruleYaml(f: RuleFormState): string {
	return stringify(specFromForm(f), { lineWidth: 0, indent: 2 });
}

/** Keys given more than once in a list of rows: row id -> problem text. */
export function duplicateKeys(rows: readonly KeyValueRow[]): Map<number, string> {
	const seen = new Map<string, number>();
	const out = new Map<number, string>();
	for (const r of rows) {
		if (r.key === '' && r.value === '') continue;
		if (seen.has(r.key)) out.set(r.id, `"${r.key}" is given twice; only the last one counts`);
		else seen.set(r.key, r.id);
	}
	return out;
}

/** The parts of a problem path: `labels.team` -> { field: 'labels', key: 'team' }, `expr` -> { field: 'expr' }. */
export function splitPath(path: string): { field: string; key?: string } {
	// A label or annotation key is everything after the first dot (`labels.a.b` names the key `a.b`).
	const kv = /^(labels|annotations)\.(.*)$/s.exec(path);
	if (kv) return { field: kv[1]!, key: kv[2]! };
	const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\.([^.[\]]+)|\[("(?:[^"\\]|\\.)*")\])?$/.exec(path);
	if (!m) return { field: path };
	if (m[2] !== undefined) return { field: m[1]!, key: m[2] };
	if (m[3] !== undefined) {
		try {
			return { field: m[1]!, key: JSON.parse(m[3]) as string };
		} catch {
			return { field: path };
		}
	}
	return { field: m[1]! };
}

/** Fields that show their own problems. */
export const FORM_FIELDS = ['alert', 'expr', 'for', 'keep_firing_for', 'clear_expr', 'clear_threshold', 'nodata', 'severity', 'runbook_url', 'labels', 'annotations'] as const;
export type FormField = (typeof FORM_FIELDS)[number];

export interface PlacedProblems {
	/** Problems of a field as a whole (`labels` alone, without a key, included). */
	fields: Partial<Record<FormField, RuleProblem[]>>;
	/** Problems of one label or annotation, by its key. */
	labels: Map<string, RuleProblem[]>;
	annotations: Map<string, RuleProblem[]>;
	/** Problems of no field the form shows (the whole rule, unknown keys): shown above the form. */
	general: RuleProblem[];
}

function push<K>(map: Map<K, RuleProblem[]>, k: K, p: RuleProblem) {
	const list = map.get(k);
	if (list) list.push(p);
	else map.set(k, [p]);
}

/**
 * Sorts problems to the fields they belong to. `labels.<key>` for a key no row has (a row removed
 * since the request) goes to the labels field as a whole.
 */
export function placeProblems(problems: readonly RuleProblem[], rows?: { labels: readonly KeyValueRow[]; annotations: readonly KeyValueRow[] }): PlacedProblems {
	const out: PlacedProblems = { fields: {}, labels: new Map(), annotations: new Map(), general: [] };
	for (const p of problems) {
		const { field, key } = splitPath(p.path);
		if (!(FORM_FIELDS as readonly string[]).includes(field)) {
			out.general.push(p);
			continue;
		}
		const f = field as FormField;
		if ((f === 'labels' || f === 'annotations') && key !== undefined) {
			if (!rows || rows[f].some((r) => r.key === key)) {
				push(out[f], key, p);
				continue;
			}
			(out.fields[f] ??= []).push({ ...p, message: `${key}: ${p.message}` });
			continue;
		}
		if (key !== undefined) {
			out.general.push(p);
			continue;
		}
		(out.fields[f] ??= []).push(p);
	}
	return out;
}

/** The 0-based offset of a 1-based line and column in a text (clamped to the text). */
export function offsetAt(text: string, line: number, column: number): number {
	let offset = 0;
	for (let l = 1; l < line; l++) {
		const nl = text.indexOf('\n', offset);
		if (nl < 0) return text.length;
		offset = nl + 1;
	}
	const lineEnd = text.indexOf('\n', offset);
	const end = lineEnd < 0 ? text.length : lineEnd;
	return Math.min(offset + Math.max(0, column - 1), end);
}

/**
 * An expression field's problems as ranges of its text: from/to when the validator gave them,
 * else the line and column (to the end of the word there), else the whole text.
 */
export function textProblems(problems: readonly RuleProblem[] | undefined, text: string): TextProblem[] {
	if (!problems) return [];
	return problems.map((p) => {
		let from: number;
		let to: number;
		if (typeof p.from === 'number') {
			from = Math.max(0, Math.min(p.from, text.length));
			to = Math.max(from, Math.min(typeof p.to === 'number' ? p.to : from, text.length));
		} else if (typeof p.line === 'number') {
			from = offsetAt(text, p.line, p.column ?? 1);
			const word = /^[A-Za-z0-9_:.]+/.exec(text.slice(from));
			to = from + (word ? word[0].length : 0);
		} else {
			from = 0;
			to = text.length;
		}
		if (to === from && to < text.length && text[to] !== '\n') to++;
		return { from, to, message: p.message };
	});
}

/** An instance of the rule now, to render its annotations for. */
export interface PreviewInstance {
	labels: Record<string, string>;
	/** The expression's value (JSON numbers: NaN and infinities may come as strings). */
	value: number | string;
}

export interface ValidateResult {
	ok: boolean;
	problems: RuleProblem[];
	threshold: unknown;
	rendered?: { labels: Record<string, string>; annotations: Record<string, string> };
}

/** The body of POST /api/v1/rules/validate. */
export function validateBody(yaml: string, group: string | undefined, instance: PreviewInstance | undefined, ruleId?: string): string {
	const body: { yaml: string; group?: string; rule?: string; labels?: Record<string, string>; value?: number } = { yaml };
	if (group) body.group = group;
	if (ruleId) body.rule = ruleId;
	if (instance) {
		body.labels = instance.labels;
		const v = typeof instance.value === 'number' ? instance.value : Number(instance.value);
		if (Number.isFinite(v)) body.value = v;
	}
	return JSON.stringify(body);
}

/** Reads the validator's answer; a failure becomes one problem of the whole rule. */
export async function readValidateResponse(res: Response): Promise<ValidateResult> {
	let body: unknown = null;
	try {
		body = await res.json();
	} catch {
		body = null;
	}
	const b = (body ?? {}) as Partial<ValidateResult> & { error?: unknown };
	if (res.ok && Array.isArray(b.problems)) {
		return { ok: b.ok === true, problems: b.problems, threshold: b.threshold ?? null, ...(b.rendered ? { rendered: b.rendered } : {}) };
	}
	if (Array.isArray(b.problems) && b.problems.length > 0) return { ok: false, problems: b.problems, threshold: null };
	const why = typeof b.error === 'string' ? b.error : res.status === 404 ? 'the validator is not available' : `${res.status} ${res.statusText}`.trim();
	return { ok: false, problems: [{ path: '', message: `could not validate the rule: ${why}` }], threshold: null };
}

/** A short text naming an instance: its labels (without alertname) and value. */
export function instanceText(i: PreviewInstance): string {
	const labels = Object.entries(i.labels)
		.filter(([k]) => k !== 'alertname')
		.map(([k, v]) => `${k}=${JSON.stringify(v)}`)
		.join(', ');
	return `{${labels}} = ${i.value}`;
}
