/**
 * Reads a YAML document and validates it with a zod schema, collecting every problem (YAML syntax,
 * wrong types, unknown keys) with its path and line, instead of stopping at the first.
 * Overrides (environment variables) are applied before validation and named in their problems.
 */
import { readFile } from 'node:fs/promises';
import { isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { formatPath, friendlyErrors, problemsFromZod, type Problem } from '../shared/problems';
import { readYaml, yamlValue } from './yaml-doc';

export type Validated<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

export interface Override {
	/** Where the value goes, e.g. `['server', 'port']`. */
	path: string[];
	value: unknown;
	/** Where the value came from, e.g. `PORT`; printed with any problem at that path. */
	source: string;
}

function setIn(target: Record<string, unknown>, path: string[], value: unknown): void {
	let node = target;
	for (const key of path.slice(0, -1)) {
		const next = node[key];
		if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
		node = node[key] as Record<string, unknown>;
	}
	node[path[path.length - 1]!] = value;
}

/** Validates YAML text against a schema. `origin` names the text in messages (a file path). */
export function validateYaml<S extends z.ZodType>(
	text: string,
	schema: S,
	overrides: Override[] = []
): Validated<z.output<S>> {
	const { doc, lines: lineCounter, problems: yamlProblems } = readYaml(text);
	if (yamlProblems.length > 0) return { ok: false, problems: yamlProblems.map((p) => ({ path: '', ...p })) };
	const value = yamlValue(doc);
	if (!value.ok) return { ok: false, problems: [{ path: '', message: value.message, line: 1 }] };
	let raw: unknown = value.value;
	if (raw === null || raw === undefined) raw = {};
	if (typeof raw !== 'object' || Array.isArray(raw)) {
		return { ok: false, problems: [{ path: '', message: 'expected a mapping of settings at the top level', line: 1 }] };
	}
	for (const o of overrides) setIn(raw as Record<string, unknown>, o.path, o.value);

	const result = schema.safeParse(raw, { error: friendlyErrors });
	if (result.success) return { ok: true, value: result.data };

	const sources = overrides.map((o) => ({ at: formatPath(o.path), source: o.source }));
	// A problem at or under an overridden path (roles[1] under roles) came from the override.
	const sourceOf = (path: string) =>
		sources.find(({ at }) => path === at || path.startsWith(`${at}.`) || path.startsWith(`${at}[`))?.source;
	const problems = problemsFromZod(result.error).map((p): Problem => {
		const source = sourceOf(p.path);
		if (source) return { ...p, message: `${p.message} (set by ${source})` };
		const node = nodeAt(doc, p.path, p.code === 'unknown_key');
		if (!node?.range) return p;
		const pos = lineCounter.linePos(node.range[0]);
		return { ...p, line: pos.line, column: pos.col };
	});
	return { ok: false, problems };
}

/** The YAML node at a formatted path, or the nearest parent that exists (to point at its line). */
function nodeAt(
	doc: Document,
	path: string,
	preferKey = false
): { range?: [number, number, number] | null } | undefined {
	const parts: Array<string | number> = [];
	const re = /([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
	for (const m of path.matchAll(re)) {
		if (m[1] !== undefined) parts.push(m[1]);
		else if (m[2] !== undefined) parts.push(Number(m[2]));
		else if (m[3] !== undefined) parts.push(JSON.parse(`"${m[3]}"`) as string);
	}
	for (let n = parts.length; n > 0; n--) {
		const key = () => {
			// The key of the pair at this path: for unknown keys, and for keys with no value (`interval:`).
			const parent = doc.getIn(parts.slice(0, n - 1), true) as { items?: Array<{ key?: unknown }> } | undefined;
			const pair = parent?.items?.find((it) => isNode(it.key) && (it.key as { value?: unknown }).value === parts[n - 1]);
			return pair && isNode(pair.key) ? pair.key : undefined;
		};
		const node = preferKey && n === parts.length ? (key() ?? doc.getIn(parts, true)) : doc.getIn(parts.slice(0, n), true);
		if (isNode(node)) return node;
		const k = key();
		if (k) return k;
	}
	return undefined;
}

/** Reads and validates a YAML file; a missing or unreadable file is a problem, not a throw. */
export async function loadYamlFile<S extends z.ZodType>(
	file: string,
	schema: S,
	overrides: Override[] = []
): Promise<Validated<z.output<S>>> {
	let text: string;
	try {
		text = await readFile(file, 'utf8');
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		const message =
			code === 'ENOENT' ? `file not found: ${file}` : `cannot read ${file}: ${(err as Error).message}`;
		return { ok: false, problems: [{ path: '', message }] };
	}
	return validateYaml(text, schema, overrides);
}
