/**
 * Prometheus v2.42's parser as an oracle: `promtool check rules` over a rule file with one
 * recording rule per expression reports each expression's first parse error as
 * `line:column: parse error: problem`, which is what parseExpr's errors say too.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PromQLError } from '../errors';
import { parseExpr } from '../parse';

/** What promtool says of each expression: undefined when it parses, else `line:column: problem`. */
export function promtoolParse(exprs: readonly string[], promtool = '/usr/bin/promtool'): (string | undefined)[] {
	const dir = mkdtempSync(join(tmpdir(), 'vigil-parse-'));
	try {
		const file = join(dir, 'rules.yml');
		let text = 'groups:\n- name: g\n  rules:\n';
		for (const e of exprs) text += `  - record: r\n    expr: ${JSON.stringify(e)}\n`;
		writeFileSync(file, text);
		let out = '';
		try {
			out = execFileSync(promtool, ['check', 'rules', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
		} catch (err) {
			const e = err as { stdout?: string; stderr?: string };
			out = `${e.stdout ?? ''}${e.stderr ?? ''}`;
		}
		const result: (string | undefined)[] = exprs.map(() => undefined);
		for (const line of out.split('\n')) {
			const m = /group "g", rule (\d+), "r": could not parse expression: (\d+:\d+): parse error: (.*)$/.exec(line);
			if (m) result[Number(m[1]) - 1] = `${m[2]}: ${m[3]}`;
		}
		return result;
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

/** What parseExpr says of an expression, in promtool's form (undefined when it parses). */
export function vigilParse(expr: string): string | undefined {
	try {
		parseExpr(expr);
		return undefined;
	} catch (err) {
		if (!(err instanceof PromQLError)) throw err;
		return `${err.line}:${err.column}: ${err.problem}`;
	}
}
