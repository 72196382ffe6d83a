/**
 * Turning validation failures into problems a person can act on: each names the field (as a path
 * like `collectors[2].interval`) and what is wrong with it. Every validator in Vigil reports through
 * this shape, so the CLI, the API and the pages print problems the same way.
 */
import type { z } from 'zod';

export interface Problem {
	/** Where: `collectors[2].interval`, or `` for the whole document. */
	path: string;
	message: string;
	/** What kind of problem, when a validator says (`unknown_key` points at the key, not its value). */
	code?: string;
	/** 1-based position in the source text, when the source is a file. */
	line?: number;
	column?: number;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
	let out = '';
	for (const part of path) {
		if (typeof part === 'number') out += `[${part}]`;
		else {
			const key = String(part);
			out += /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? (out ? `.${key}` : key) : `[${JSON.stringify(key)}]`;
		}
	}
	return out;
}

export function formatProblem(p: Problem): string {
	const where = p.line ? `${p.path || '(document)'} (line ${p.line}${p.column ? `, column ${p.column}` : ''})` : p.path || '(document)';
	return `${where}: ${p.message}`;
}

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'a list';
	if (typeof value === 'object') return 'a mapping';
	if (typeof value === 'string') return `"${value.length > 40 ? value.slice(0, 37) + '...' : value}"`;
	return String(value);
}

/** Edit distance counting a swap of two neighbouring letters as one edit (a common typo). */
function distance(a: string, b: string): number {
	const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
	for (let i = 1; i <= a.length; i++) {
		for (let j = 1; j <= b.length; j++) {
			const cost = a[i - 1] === b[j - 1] ? 0 : 1;
			let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
			if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
			d[i]![j] = v;
		}
	}
	return d[a.length]![b.length]!;
}

/** The closest known name to a misspelt one, if it is close enough to be a likely typo. */
export function suggest(name: string, known: Iterable<string>): string | undefined {
	let best: string | undefined;
	let bestScore = Infinity;
	for (const k of known) {
		const d = distance(name.toLowerCase(), k.toLowerCase());
		if (d < bestScore) {
			best = k;
			bestScore = d;
		}
	}
	return best !== undefined && bestScore <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

type RawIssue = z.core.$ZodRawIssue;

/**
 * An error map for `schema.safeParse(input, { error: friendlyErrors })`: short messages that say what
 * was expected and what was found. Schemas that carry their own message keep it.
 */
export function friendlyErrors(iss: RawIssue): string | undefined {
	switch (iss.code) {
		case 'invalid_type':
			if (iss.input === undefined) return 'is required';
			return `expected ${iss.expected === 'array' ? 'a list' : iss.expected === 'object' ? 'a mapping' : iss.expected}, got ${describe(iss.input)}`;
		case 'unrecognized_keys': {
			const shape = (iss.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
			const known = shape ? Object.keys(shape) : [];
			// One line per key, in order; problemsFromZod splits them into one problem each.
			return iss.keys
				.map((k) => {
					const s = suggest(k, known);
					return s ? `unknown key; did you mean "${s}"?` : `unknown key${known.length ? `; expected one of ${known.join(', ')}` : ''}`;
				})
				.join('\n');
		}
		case 'invalid_union': {
			const u = iss as RawIssue & { note?: string; discriminator?: string; options?: unknown[] };
			if (u.note === 'No matching discriminator' && u.discriminator) {
				const input = iss.input as Record<string, unknown> | undefined;
				const got = input && typeof input === 'object' ? input[u.discriminator] : undefined;
				const options = (u.options ?? []).map(String).join(', ');
				return got === undefined ? `is required: one of ${options}` : `unknown ${u.discriminator} ${describe(got)}; expected one of ${options}`;
			}
			return undefined;
		}
		case 'invalid_value':
			return `expected ${iss.values.length === 1 ? JSON.stringify(iss.values[0]) : `one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`}, got ${describe(iss.input)}`;
		default:
			return undefined;
	}
}

/** Flattens a ZodError into problems, one per field (an unknown key is a problem of its own). */
export function problemsFromZod(error: z.ZodError): Problem[] {
	const out: Problem[] = [];
	for (const issue of error.issues) {
		if (issue.code === 'unrecognized_keys') {
			const lines = issue.message.split('\n');
			issue.keys.forEach((key, i) => {
				out.push({ path: formatPath([...issue.path, key]), message: lines[i] ?? lines[0] ?? 'unknown key', code: 'unknown_key' });
			});
		} else {
			out.push({ path: formatPath(issue.path), message: issue.message });
		}
	}
	return out;
}
