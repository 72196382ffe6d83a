/**
 * Reads YAML text that may be hostile (rule files, config files) in bounded time and memory:
 * repeated keys are found in linear time (the yaml package's own check compares every key with
 * every other: 30,000 keys took 13 s), alias expansion is capped (a "billion laughs" document is
 * a problem, not an exception), and nesting too deep for the parser is reported as such.
 */
import { isMap, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';

export interface YamlProblem {
	message: string;
	line: number;
	column: number;
}

export interface ReadYaml {
	doc: Document;
	lines: LineCounter;
	/** Syntax problems, repeated keys and nesting too deep, each with its place; empty when the text reads. */
	problems: YamlProblem[];
}

/** Most aliases a document may expand (YAML's protection against exponential expansion). */
export const MAX_ALIAS_COUNT = 100;

export function readYaml(text: string): ReadYaml {
	const lines = new LineCounter();
	const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
	const at = (offset: number) => {
		const pos = lines.linePos(offset);
		return { line: pos.line, column: pos.col };
	};
	const problems: YamlProblem[] = doc.errors.map((e) => {
		const first = e.message.split('\n')[0]!;
		const message = /call stack/i.test(first) ? 'YAML: nested too deeply' : `YAML: ${first}`;
		return { message, ...at(e.pos[0]) };
	});
	if (problems.length === 0) {
		visit(doc, {
			Map(_, map) {
				if (!isMap(map)) return;
				const seen = new Set<string>();
				for (const pair of map.items) {
					if (!isScalar(pair.key)) continue;
					const id = `${typeof pair.key.value}:${String(pair.key.value)}`;
					if (seen.has(id)) problems.push({ message: 'YAML: Map keys must be unique', ...at(pair.key.range?.[0] ?? 0) });
					seen.add(id);
				}
			}
		});
	}
	return { doc, lines, problems };
}

/** The document as plain values, or a problem when it expands too many aliases. */
export function yamlValue(doc: Document): { ok: true; value: unknown } | { ok: false; message: string } {
	try {
		return { ok: true, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
	} catch (err) {
		if (err instanceof ReferenceError && /alias/i.test(err.message)) {
			return { ok: false, message: `YAML: aliases expand to too many values (at most ${MAX_ALIAS_COUNT} alias expansions; a document that multiplies its size through aliases is refused)` };
		}
		if (err instanceof RangeError) return { ok: false, message: 'YAML: nested too deeply' };
		return { ok: false, message: `YAML: ${(err as Error).message}` };
	}
}
