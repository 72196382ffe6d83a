/**
 * Rule files in Prometheus's format (`groups:` of alerting and recording rules), with Vigil's own
 * optional keys, validated as a whole: every problem is reported with its file, group, rule, field
 * and line. The user-facing rules of the format are in docs/rules.md.
 */
import { isNode, isScalar, LineCounter, stringify, type Document } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../../shared/duration';
import { friendlyErrors, suggest } from '../../shared/problems';
import type { AnyRuleSpec } from '../../shared/rule-spec';
import { compileAnyRule, type CompiledRecording, type CompiledRule, type FieldProblem } from './compile';
import { readYaml, yamlValue } from '../yaml-doc';
import { formatRuleProblem, type RuleProblem } from './problems';

/**
 * A group's evaluation interval when it names none: the default of the config's
 * `alerts.defaultInterval`. The configured value is passed down from the config to the engine, the
 * API, the rule page and backtests; this constant is only what the config and a bare rule-file
 * parse (no config at hand) fall back to.
 */
export const DEFAULT_GROUP_INTERVAL_MS = 30_000;

/** Largest rule file read (its UTF-8 bytes): a file of valid rules this size compiles in about 2 s. */
export const MAX_RULE_FILE_BYTES = 1024 * 1024;

export type GroupSpec = {
	name: string;
	interval?: string;
	rules: AnyRuleSpec[];
};

export interface RuleGroup {
	name: string;
	/** Evaluation interval of the group (its `interval`, else the default). */
	intervalMs: number;
	/** The alerting rules that compiled, in file order (`index` gives each one's place in the group). */
	rules: CompiledRule[];
	/** The recording rules that compiled, in file order (`index` among all the group's rules). */
	recordings: CompiledRecording[];
	/** The group as written, every rule included. */
	spec: GroupSpec;
}

export interface ParsedRuleFile {
	groups: RuleGroup[];
	problems: RuleProblem[];
}

export interface ParseOptions {
	/**
	 * Interval of groups that do not set one: the config's `alerts.defaultInterval`.
	 * @defaultValue DEFAULT_GROUP_INTERVAL_MS (30 s, that setting's default)
	 */
	defaultIntervalMs?: number;
}

type Path = Array<string | number>;

const GROUP_KEYS = ['name', 'interval', 'rules'];

const durationText = z.union([z.string(), z.literal(0)]).transform((v, ctx) => {
	const text = String(v);
	if (parseDuration(text) === null) {
		ctx.addIssue({ code: 'custom', message: `expected a duration like "5m", got ${JSON.stringify(v)}` });
		return z.NEVER;
	}
	return text;
});

const groupSchema = z.strictObject({
	name: z.string().min(1, 'must not be empty'),
	interval: durationText.optional(),
	rules: z.array(z.unknown()).nullish()
});

class Located {
	private readonly lines: LineCounter;
	constructor(
		readonly doc: Document,
		lines: LineCounter
	) {
		this.lines = lines;
	}

	/** 1-based line (and column) of the node at `path`, or of the nearest parent that exists. */
	at(path: Path, preferKey = false): { line?: number; column?: number } {
		for (let n = path.length; n >= 0; n--) {
			const parts = path.slice(0, n);
			let node: unknown;
			if (preferKey && n === path.length && n > 0) node = this.keyNode(parts);
			node ??= this.doc.getIn(parts, true);
			if (!isNode(node) && n > 0) node = this.keyNode(parts);
			if (isNode(node) && node.range) {
				const pos = this.lines.linePos(node.range[0]);
				return { line: pos.line, column: pos.col };
			}
		}
		return {};
	}

	private keyNode(parts: Path): unknown {
		const parent = this.doc.getIn(parts.slice(0, -1), true) as { items?: Array<{ key?: unknown }> } | undefined;
		const pair = parent?.items?.find((it) => isScalar(it.key) && (it.key as { value?: unknown }).value === parts[parts.length - 1]);
		return pair?.key;
	}

	/** Whether the scalar at `path` is a block scalar (`|` or `>`): its text starts on the next line. */
	blockKind(path: Path): 'literal' | 'folded' | undefined {
		const node = this.doc.getIn(path, true);
		if (!isScalar(node)) return undefined;
		if (node.type === 'BLOCK_LITERAL') return 'literal';
		if (node.type === 'BLOCK_FOLDED') return 'folded';
		return undefined;
	}
}

function zodProblems(error: z.ZodError): Array<{ path: Path; message: string; key: boolean }> {
	const out: Array<{ path: Path; message: string; key: boolean }> = [];
	for (const issue of error.issues) {
		const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
		if (issue.code === 'unrecognized_keys') {
			const lines = issue.message.split('\n');
			issue.keys.forEach((k, i) => out.push({ path: [...path, k], message: lines[i] ?? 'unknown key', key: true }));
		} else out.push({ path, message: issue.message, key: false });
	}
	return out;
}

function fieldOf(path: Path): string {
	let out = '';
	for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
	return out;
}

/**
 * Parses and compiles a rule file. Groups whose name and interval are valid are returned with the
 * rules that compiled; every problem (YAML, structure, expressions, templates, names, durations,
 * duplicates) is in `problems`, with its line.
 */
export function parseRuleFile(text: string, fileName: string, options: ParseOptions = {}): ParsedRuleFile {
	const problems: RuleProblem[] = [];
	const fail = (message: string, line?: number): ParsedRuleFile => {
		problems.push({ file: fileName, path: '', message, ...(line !== undefined ? { line } : {}) });
		return { groups: [], problems };
	};
	if (typeof text !== 'string') return fail('expected the text of a rule file');
	if (text.length > MAX_RULE_FILE_BYTES || Buffer.byteLength(text) > MAX_RULE_FILE_BYTES) return fail(`the file is larger than ${MAX_RULE_FILE_BYTES} bytes; split it into several files`);
	const { doc, lines, problems: yamlProblems } = readYaml(text);
	if (yamlProblems.length > 0) {
		for (const p of yamlProblems) problems.push({ file: fileName, path: '', ...p });
		return { groups: [], problems };
	}
	const value = yamlValue(doc);
	if (!value.ok) return fail(value.message, 1);
	const raw: unknown = value.value ?? {};
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('expected a mapping with `groups:` at the top level', 1);
	const file = new RuleFileReader(fileName, new Located(doc, lines), problems, options.defaultIntervalMs ?? DEFAULT_GROUP_INTERVAL_MS);
	const groups = file.groups(raw as Record<string, unknown>);
	problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
	return { groups, problems };
}

/** One group of the file as it is read: where it is, and its name (if it has one). */
interface GroupAt {
	index: number;
	path: Path;
	name: string | undefined;
}

/** Reads a rule file's parsed YAML into groups, recording each problem with its place in the file. */
class RuleFileReader {
	private readonly groupNames = new Map<string, number>();

	constructor(
		private readonly fileName: string,
		private readonly loc: Located,
		private readonly problems: RuleProblem[],
		private readonly defaultIntervalMs: number
	) {}

	/** The top level: only `groups:`, a list; the groups that are valid. */
	groups(top: Record<string, unknown>): RuleGroup[] {
		for (const key of Object.keys(top)) {
			if (key === 'groups') continue;
			const s = suggest(key, ['groups']);
			this.problems.push({ file: this.fileName, path: key, message: s ? `unknown key; did you mean "${s}"?` : 'unknown key; a rule file has only `groups:`', code: 'unknown_key', ...this.loc.at([key], true) });
		}
		let rawGroups = top.groups ?? [];
		if (!Array.isArray(rawGroups)) {
			this.problems.push({ file: this.fileName, path: 'groups', message: 'expected a list of groups', ...this.loc.at(['groups']) });
			rawGroups = [];
		}
		const groups: RuleGroup[] = [];
		(rawGroups as unknown[]).forEach((rawGroup, gi) => {
			const g = this.group(rawGroup, gi);
			if (g) groups.push(g);
		});
		return groups;
	}

	private groupProblem(g: GroupAt, path: Path, message: string, key = false, code?: string): void {
		this.problems.push({
			file: this.fileName,
			path: fieldOf([...g.path, ...path]),
			message,
			...(code ? { code } : {}),
			group: g.name,
			groupIndex: g.index,
			field: fieldOf(path) || undefined,
			...this.loc.at([...g.path, ...path], key)
		});
	}

	/** One group: its fields checked, its rules compiled; the group itself when its name and fields are valid. */
	private group(rawGroup: unknown, gi: number): RuleGroup | undefined {
		const name = typeof (rawGroup as { name?: unknown } | null)?.name === 'string' ? ((rawGroup as { name: string }).name as string) : undefined;
		const g: GroupAt = { index: gi, path: ['groups', gi], name };
		if (typeof rawGroup !== 'object' || rawGroup === null || Array.isArray(rawGroup)) {
			this.groupProblem(g, [], 'expected a group: a mapping with name, interval and rules');
			return undefined;
		}
		const parsed = groupSchema.safeParse(rawGroup, { error: friendlyErrors });
		if (!parsed.success) {
			for (const p of zodProblems(parsed.error)) {
				const msg = p.key && p.message === 'unknown key' ? `unknown key; expected one of ${GROUP_KEYS.join(', ')}` : p.message;
				this.groupProblem(g, p.path, msg, p.key, p.key ? 'unknown_key' : undefined);
			}
		}
		if (name !== undefined) this.checkGroupName(g, name);
		const interval = parsed.success ? parsed.data.interval : undefined;
		const intervalMs = interval !== undefined ? parseDuration(interval)! : this.defaultIntervalMs;
		if (interval !== undefined && intervalMs <= 0) this.groupProblem(g, ['interval'], 'must be more than 0s');
		const rawRules = Array.isArray((rawGroup as { rules?: unknown }).rules) ? ((rawGroup as { rules: unknown[] }).rules as unknown[]) : [];
		const { compiled, recordings, specs } = this.rules(g, rawRules, intervalMs);
		if (!parsed.success || name === undefined || name.includes('/')) return undefined;
		const spec: GroupSpec = { name, ...(interval !== undefined ? { interval } : {}), rules: specs };
		return { name, intervalMs, rules: compiled, recordings, spec };
	}

	private checkGroupName(g: GroupAt, name: string): void {
		if (name.includes('/')) this.groupProblem(g, ['name'], 'a group name must not contain "/" (rule ids are group/alert)');
		if (this.groupNames.has(name)) this.groupProblem(g, ['name'], `group name ${JSON.stringify(name)} is repeated in the same file (first at group ${this.groupNames.get(name)! + 1})`);
		else this.groupNames.set(name, g.index);
	}

	/** A group's rules, compiled; those with problems are left out (their specs stay). */
	private rules(g: GroupAt, rawRules: readonly unknown[], intervalMs: number) {
		const compiled: CompiledRule[] = [];
		const recordings: CompiledRecording[] = [];
		const specs: AnyRuleSpec[] = [];
		const ruleNames = new Map<string, number>();
		rawRules.forEach((rawRule, ri) => {
			const nameOf = (key: 'alert' | 'record') => (typeof (rawRule as Record<string, unknown> | null)?.[key] === 'string' ? ((rawRule as Record<string, string>)[key] as string) : undefined);
			const alert = nameOf('alert') ?? nameOf('record');
			const result = compileAnyRule(rawRule, { name: g.name ?? '', intervalMs }, ri);
			for (const fp of result.problems) this.ruleProblem(g, ri, alert, fp);
			// As in Prometheus, several rules may share a name (a warning and a critical threshold,
			// say, or a recording rule per source); the second is `group/name#2`, and so on.
			let occurrence = 1;
			if (alert !== undefined && alert !== '') {
				occurrence = (ruleNames.get(alert) ?? 0) + 1;
				ruleNames.set(alert, occurrence);
			}
			if (result.spec) specs.push(result.spec);
			const rule = result.alert ?? result.recording;
			if (rule && result.problems.length === 0) {
				if (occurrence > 1) rule.id = `${rule.id}#${occurrence}`;
				if (result.alert) compiled.push(result.alert);
				else recordings.push(result.recording!);
			}
		});
		return { compiled, recordings, specs };
	}

	/** A rule's problem, at its field's line (inside an expression or a template: that line of it). */
	private ruleProblem(g: GroupAt, ri: number, alert: string | undefined, fp: FieldProblem): void {
		const path: Path = [...g.path, 'rules', ri, ...fp.path];
		let at = this.loc.at(path, fp.key === true);
		if (fp.line !== undefined && at.line !== undefined) {
			const block = this.loc.blockKind(path);
			at = { line: at.line + (block === 'literal' ? fp.line : block === 'folded' ? 1 : fp.line - 1), column: block ? undefined : at.column };
		}
		this.problems.push({
			file: this.fileName,
			path: fieldOf(path),
			message: fp.message,
			...(fp.key ? { code: 'unknown_key' } : {}),
			group: g.name,
			groupIndex: g.index,
			ruleIndex: ri,
			alert,
			field: fieldOf(fp.path) || undefined,
			...(at.line !== undefined ? { line: at.line } : {}),
			...(at.column !== undefined ? { column: at.column } : {})
		});
	}
}

const RULE_KEY_ORDER = ['record', 'alert', 'expr', 'for', 'keep_firing_for', 'clear_expr', 'clear_threshold', 'nodata', 'severity', 'runbook_url', 'labels', 'annotations'];

function ordered(spec: AnyRuleSpec): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	const s = spec as Record<string, unknown>;
	for (const k of RULE_KEY_ORDER) if (s[k] !== undefined) out[k] = s[k];
	for (const k of Object.keys(s)) if (!(k in out) && s[k] !== undefined) out[k] = s[k];
	return out;
}

/** The groups as a rule file (YAML) that parses back to the same groups. */
export function formatRuleFile(groups: ReadonlyArray<GroupSpec | RuleGroup>): string {
	const specs = groups.map((g) => ('spec' in g ? g.spec : g));
	const doc = {
		groups: specs.map((g) => ({
			name: g.name,
			...(g.interval !== undefined ? { interval: g.interval } : {}),
			rules: g.rules.map(ordered)
		}))
	};
	return stringify(doc, { lineWidth: 0, indent: 2 });
}

/** A rule file's problems as lines of text. */
export function formatRuleProblems(problems: readonly RuleProblem[]): string[] {
	return problems.map(formatRuleProblem);
}
