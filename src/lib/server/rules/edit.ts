/**
 * One rule as the rule editor and the rule API send it (the YAML of one rule, the shape of a rule
 * in a rule file), checked by the same validator as rule files and saves (`compileRule`). Every
 * problem names its field (`expr`, `labels.team`, `for`) and, inside an expression or a template,
 * its position: line and column (1-based) and offsets (0-based) in that field's text. Pure.
 */
import type { Labels } from '../../shared/series';
import { readYaml, yamlValue } from '../yaml-doc';
import { compileRule, thresholdShape, type CompiledRule, type FieldProblem, type RuleSpec, type ThresholdShape } from './compile';

/** Longest rule text read (the API caps its body too). */
export const MAX_RULE_TEXT = 64 * 1024;

export interface RuleEditProblem {
	/** The field: `expr`, `labels.team`, `for`; `yaml` for text that does not read as YAML; `` for the whole rule. */
	path: string;
	message: string;
	/** 1-based, inside that field's text (for `yaml`: inside the whole text). */
	line?: number;
	column?: number;
	/** 0-based offsets inside the field's text, when the parser gives them. */
	from?: number;
	to?: number;
}

export interface RuleThreshold extends ThresholdShape {
	/** The clear threshold (hysteresis), when the rule has `clear_threshold`. */
	clear: number | null;
}

export interface CheckedRule {
	/** The rule as written, when its shape is right. */
	spec?: RuleSpec;
	/** The compiled rule, when there are no problems. */
	rule?: CompiledRule;
	problems: RuleEditProblem[];
	threshold: RuleThreshold | null;
}

function pathText(path: ReadonlyArray<string | number>): string {
	let out = '';
	for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
	return out;
}

function problemOf(p: FieldProblem): RuleEditProblem {
	const out: RuleEditProblem = { path: pathText(p.path), message: p.message };
	if (p.line !== undefined) out.line = p.line;
	if (p.column !== undefined) out.column = p.column;
	if (p.from !== undefined) out.from = p.from;
	if (p.to !== undefined) out.to = p.to;
	return out;
}

/** The threshold line (and clear line) of a compiled rule, when its expr is `LHS op N`. */
export function ruleThreshold(rule: Pick<CompiledRule, 'expr' | 'spec'>): RuleThreshold | null {
	const shape = thresholdShape(rule.expr);
	if (!shape) return null;
	return { ...shape, clear: typeof rule.spec.clear_threshold === 'number' ? rule.spec.clear_threshold : null };
}

/**
 * Checks the YAML of one rule in a group. `expectAlert`: the alert name the rule must keep (an
 * edit of a stored rule), a problem at `alert` otherwise.
 */
export function checkRuleText(text: string, group: { name: string; intervalMs: number }, options: { expectAlert?: string } = {}): CheckedRule {
	if (text.length > MAX_RULE_TEXT) return { problems: [{ path: '', message: `the rule is longer than ${MAX_RULE_TEXT} characters` }], threshold: null };
	const { doc, problems: yamlProblems } = readYaml(text);
	if (yamlProblems.length > 0) return { problems: yamlProblems.map((p) => ({ path: 'yaml', message: p.message, line: p.line, column: p.column })), threshold: null };
	const value = yamlValue(doc);
	if (!value.ok) return { problems: [{ path: 'yaml', message: value.message }], threshold: null };
	let raw = value.value;
	// A rule file holding exactly one rule is accepted too (what `vigil rules export` prints).
	if (raw && typeof raw === 'object' && !Array.isArray(raw) && 'groups' in raw) {
		const groups = (raw as { groups?: unknown }).groups;
		const rules = Array.isArray(groups) ? groups.flatMap((g) => (g && typeof g === 'object' && Array.isArray((g as { rules?: unknown }).rules) ? ((g as { rules: unknown[] }).rules as unknown[]) : [])) : [];
		if (rules.length !== 1) return { problems: [{ path: '', message: `expected one rule (alert:, expr:, ...), got a rule file with ${rules.length} rules` }], threshold: null };
		raw = rules[0];
	}
	if (raw === null || raw === undefined) return { problems: [{ path: '', message: 'expected a rule: a mapping with alert, expr, ...' }], threshold: null };
	const result = compileRule(raw, group);
	const problems = result.problems.map(problemOf);
	const alert = (raw as { alert?: unknown }).alert;
	if (options.expectAlert !== undefined && typeof alert === 'string' && alert !== options.expectAlert) {
		problems.unshift({ path: 'alert', message: `the alert name must stay ${JSON.stringify(options.expectAlert)} (a rule's id is group/alert); to rename it, import a rule file` });
	}
	const out: CheckedRule = { problems, threshold: null };
	if (result.spec) out.spec = result.spec;
	if (result.rule && problems.length === 0) {
		out.rule = result.rule;
		out.threshold = ruleThreshold(result.rule);
	}
	return out;
}

/**
 * The rule's labels and annotations rendered for one instance (the series' labels and the value),
 * as the state machine renders them: rule labels over the series' labels (an empty value removes
 * the label), `alertname` last.
 */
export function renderRuleFor(rule: Pick<CompiledRule, 'name' | 'labels' | 'annotations'>, seriesLabels: Labels, value: number): { labels: Labels; annotations: Labels } {
	const data = { labels: seriesLabels, value };
	const labels: Labels = {};
	for (const [k, v] of Object.entries(seriesLabels)) if (k !== '__name__') labels[k] = v;
	for (const [k, t] of Object.entries(rule.labels)) {
		const v = t.constant ? t.source : t.render(data);
		if (v === '') delete labels[k];
		else labels[k] = v;
	}
	labels.alertname = rule.name;
	const annotations: Labels = {};
	for (const [k, t] of Object.entries(rule.annotations)) annotations[k] = t.constant ? t.source : t.render(data);
	return { labels, annotations };
}
