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
	/** Interval of groups that do not set one. Default 1m. */
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
	const defaultIntervalMs = options.defaultIntervalMs ?? DEFAULT_GROUP_INTERVAL_MS;
	const problems: RuleProblem[] = [];
	if (typeof text !== 'string') {
		problems.push({ file: fileName, path: '', message: 'expected the text of a rule file' });
		return { groups: [], problems };
	}
	if (text.length > MAX_RULE_FILE_BYTES || Buffer.byteLength(text) > MAX_RULE_FILE_BYTES) {
		problems.push({ file: fileName, path: '', message: `the file is larger than ${MAX_RULE_FILE_BYTES} bytes; split it into several files` });
		return { groups: [], problems };
	}
	const { doc, lines, problems: yamlProblems } = readYaml(text);
	if (yamlProblems.length > 0) {
		for (const p of yamlProblems) problems.push({ file: fileName, path: '', ...p });
		return { groups: [], problems };
	}
	const loc = new Located(doc, lines);
	const value = yamlValue(doc);
	if (!value.ok) {
		problems.push({ file: fileName, path: '', message: value.message, line: 1 });
		return { groups: [], problems };
	}
	const raw: unknown = value.value ?? {};
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
		problems.push({ file: fileName, path: '', message: 'expected a mapping with `groups:` at the top level', line: 1 });
		return { groups: [], problems };
	}
	const top = raw as Record<string, unknown>;
	for (const key of Object.keys(top)) {
		if (key === 'groups') continue;
		const s = suggest(key, ['groups']);
		problems.push({ file: fileName, path: key, message: s ? `unknown key; did you mean "${s}"?` : 'unknown key; a rule file has only `groups:`', code: 'unknown_key', ...loc.at([key], true) });
	}
	let rawGroups = top.groups ?? [];
	if (!Array.isArray(rawGroups)) {
		problems.push({ file: fileName, path: 'groups', message: 'expected a list of groups', ...loc.at(['groups']) });
		rawGroups = [];
	}

	const groups: RuleGroup[] = [];
	const groupNames = new Map<string, number>();
	(rawGroups as unknown[]).forEach((rawGroup, gi) => {
		const gPath: Path = ['groups', gi];
		const name = typeof (rawGroup as { name?: unknown } | null)?.name === 'string' ? ((rawGroup as { name: string }).name as string) : undefined;
		const groupProblem = (path: Path, message: string, key = false, code?: string): void => {
			problems.push({
				file: fileName,
				path: fieldOf([...gPath, ...path]),
				message,
				...(code ? { code } : {}),
				group: name,
				groupIndex: gi,
				field: fieldOf(path) || undefined,
				...loc.at([...gPath, ...path], key)
			});
		};
		if (typeof rawGroup !== 'object' || rawGroup === null || Array.isArray(rawGroup)) {
			groupProblem([], 'expected a group: a mapping with name, interval and rules');
			return;
		}
		const parsed = groupSchema.safeParse(rawGroup, { error: friendlyErrors });
		if (!parsed.success) {
			for (const p of zodProblems(parsed.error)) {
				const msg = p.key && p.message === 'unknown key' ? `unknown key; expected one of ${GROUP_KEYS.join(', ')}` : p.message;
				groupProblem(p.path, msg, p.key, p.key ? 'unknown_key' : undefined);
			}
		}
		if (name !== undefined) {
			if (name.includes('/')) groupProblem(['name'], 'a group name must not contain "/" (rule ids are group/alert)');
			if (groupNames.has(name)) groupProblem(['name'], `group name ${JSON.stringify(name)} is repeated in the same file (first at group ${groupNames.get(name)! + 1})`);
			else groupNames.set(name, gi);
		}
		const interval = parsed.success ? parsed.data.interval : undefined;
		const intervalMs = interval !== undefined ? parseDuration(interval)! : defaultIntervalMs;
		if (interval !== undefined && intervalMs <= 0) groupProblem(['interval'], 'must be more than 0s');
		const rawRules = Array.isArray((rawGroup as { rules?: unknown }).rules) ? ((rawGroup as { rules: unknown[] }).rules as unknown[]) : [];
		const compiled: CompiledRule[] = [];
		const recordings: CompiledRecording[] = [];
		const specs: AnyRuleSpec[] = [];
		const ruleNames = new Map<string, number>();
		rawRules.forEach((rawRule, ri) => {
			const rPath: Path = [...gPath, 'rules', ri];
			const nameOf = (key: 'alert' | 'record') => (typeof (rawRule as Record<string, unknown> | null)?.[key] === 'string' ? ((rawRule as Record<string, string>)[key] as string) : undefined);
			const alert = nameOf('alert') ?? nameOf('record');
			const ruleProblem = (fp: FieldProblem): void => {
				const path: Path = [...rPath, ...fp.path];
				let at = loc.at(path, fp.key === true);
				if (fp.line !== undefined && at.line !== undefined) {
					// A problem inside the field's text (an expression or a template).
					const block = loc.blockKind(path);
					at = { line: at.line + (block === 'literal' ? fp.line : block === 'folded' ? 1 : fp.line - 1), column: block ? undefined : at.column };
				}
				problems.push({
					file: fileName,
					path: fieldOf(path),
					message: fp.message,
					...(fp.key ? { code: 'unknown_key' } : {}),
					group: name,
					groupIndex: gi,
					ruleIndex: ri,
					alert,
					field: fieldOf(fp.path) || undefined,
					...(at.line !== undefined ? { line: at.line } : {}),
					...(at.column !== undefined ? { column: at.column } : {})
				});
			};
			const result = compileAnyRule(rawRule, { name: name ?? '', intervalMs }, ri);
			result.problems.forEach(ruleProblem);
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
		if (parsed.success && name !== undefined && !name.includes('/')) {
			const spec: GroupSpec = { name, ...(interval !== undefined ? { interval } : {}), rules: specs };
			groups.push({ name, intervalMs, rules: compiled, recordings, spec });
		}
	});
	problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
	return { groups, problems };
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
