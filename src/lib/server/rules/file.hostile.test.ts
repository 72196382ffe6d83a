/**
 * Hostile rule files: known payloads in every field, generated YAML of wrong types and unknown
 * keys, alias bombs, deep nesting, huge strings and key counts, invalid UTF-8. parseRuleFile and
 * compileRuleSet must return problems (never throw), in bounded time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { HOSTILE_STRINGS, HOSTILE_VALUES, hostileJson, hostileString, MEGABYTE } from '../../../../tests/helpers/hostile';
import { compileRuleSet } from './index';
import { MAX_RULE_FILE_BYTES, parseRuleFile, type ParsedRuleFile } from './file';
import { invalidUtf8Offset, readRuleFile } from './read';
import { checkRuleFiles } from './unit-test';

/** Parses, failing the test on a throw (a parse that went quadratic runs into the test's timeout). */
function parse(text: string): ParsedRuleFile {
	let out: ParsedRuleFile;
	try {
		out = parseRuleFile(text, 'hostile.yml');
	} catch (err) {
		throw new Error(`threw on ${JSON.stringify(text.slice(0, 200))}: ${(err as Error).stack}`);
	}
	for (const p of out.problems) expect(typeof p.message).toBe('string');
	return out;
}

const messages = (r: ParsedRuleFile) => r.problems.map((p) => p.message);

const rule = (fields: Record<string, unknown>) => stringify({ groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up == 0', ...fields }] }] });

const dir = mkdtempSync(join(tmpdir(), 'vigil-hostile-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseRuleFile with hostile input', () => {
	it('returns problems for every known value in every field of a rule and a group', () => {
		const fields = ['alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations', 'clear_expr', 'clear_threshold', 'nodata', 'severity', 'runbook_url'];
		let count = 0;
		for (const v of HOSTILE_VALUES) {
			for (const f of fields) {
				parse(rule({ [f]: v }));
				count++;
			}
			parse(rule({ labels: { team: v }, annotations: { summary: v } }));
			parse(stringify({ groups: [{ name: v, interval: v, rules: v }] }));
			parse(stringify({ groups: v }));
			count += 3;
		}
		for (const s of HOSTILE_STRINGS) {
			parse(s);
			parse(rule({ [s]: 1, labels: { [s]: 'x' } }));
			count += 2;
		}
		expect(count).toBeGreaterThan(1000);
	});

	it('reports, not throws on, a label object whose toString is not a function (a random run found it)', () => {
		const r = parse('groups:\n  - name: g\n    rules:\n      - labels:\n          __proto__:\n            toString: <img src=x onerror=alert(1)>\n');
		expect(r.problems.length).toBeGreaterThan(0);
	});

	it('never throws on generated documents of any shape', () => {
		const doc = fc.oneof(
			hostileJson.map((v) => stringify({ groups: [{ name: 'g', rules: [v] }] })),
			hostileJson.map((v) => stringify({ groups: v })),
			hostileJson.map((v) => stringify(v)),
			hostileString
		);
		fc.assert(
			fc.property(doc, (text) => {
				const r = parse(text);
				expect(compileRuleSet(text, 'hostile.yml').problems).toHaveLength(r.problems.length);
			}),
			{ numRuns: 400 }
		);
	});

	it('refuses a billion-laughs document with a problem, at once (it used to throw)', () => {
		const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
		for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
		lines.push('groups: *j');
		const r = parse(lines.join('\n'));
		expect(messages(r)).toEqual([expect.stringMatching(/^YAML: aliases expand to too many values \(at most 100 alias expansions/)]);
		expect(r.groups).toEqual([]);
		// A few aliases are fine.
		const ok = parse('groups:\n- &g {name: g, rules: [{alert: A, expr: up == 0}]}\nx: *g');
		expect(messages(ok)).toEqual(['unknown key; a rule file has only `groups:`']);
	});

	it('finds repeated keys among 40,000 in linear time (the YAML check was quadratic: 13 s for 30,000)', () => {
		const keys = Array.from({ length: 40_000 }, (_, i) => `k${i}: 1`);
		const r = parse(`groups: []\n${keys.join('\n')}\nk7: 2\n`);
		expect(r.problems).toEqual([expect.objectContaining({ message: 'YAML: Map keys must be unique', line: 40_002, column: 1 })]);
		const labels = parse(`groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    labels: {${Array.from({ length: 20_000 }, (_, i) => `k${i}: v`).join(', ')}}\n`);
		expect(labels.problems).toEqual([]);
	});

	it('reports nesting too deep for the parser as a problem', () => {
		for (const text of [`groups: ${'['.repeat(100_000)}${']'.repeat(100_000)}`, Array.from({ length: 1300 }, (_, i) => `${' '.repeat(i)}- `).join('\n')]) {
			const r = parse(text);
			expect(messages(r)).toContain('YAML: nested too deeply');
		}
		// Nested, but not too deep: a problem about the shape.
		expect(messages(parse(`groups: ${'['.repeat(200)}${']'.repeat(200)}`))).toContain('expected a group: a mapping with name, interval and rules');
	});

	it(`refuses a file over ${MAX_RULE_FILE_BYTES} bytes with a clear problem, and reads one just under`, () => {
		const big = `groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    annotations:\n      x: "${'x'.repeat(MAX_RULE_FILE_BYTES)}"\n`;
		expect(messages(parse(big))).toEqual([`the file is larger than ${MAX_RULE_FILE_BYTES} bytes; split it into several files`]);
		// Counted in UTF-8 bytes, not characters.
		const wide = `groups: []\n# ${'é'.repeat(MAX_RULE_FILE_BYTES / 2)}`;
		expect(messages(parse(wide))).toEqual([`the file is larger than ${MAX_RULE_FILE_BYTES} bytes; split it into several files`]);
		const under = `groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    annotations:\n      x: "${'x'.repeat(MAX_RULE_FILE_BYTES - 200)}"\n`;
		const r = parse(under);
		expect(r.problems).toEqual([]);
		expect(r.groups[0]!.rules).toHaveLength(1);
	});

	it('reads enormous numbers of groups and rules within the size limit in bounded time', () => {
		const groups = Array.from({ length: 2000 }, (_, i) => `- name: g${i}\n  rules:\n  - alert: A\n    expr: up{job="j${i}"} == 0\n  - alert: B\n    expr: x == 1`).join('\n');
		const r = parse(`groups:\n${groups}\n`);
		expect(r.problems).toEqual([]);
		expect(r.groups).toHaveLength(2000);
		const bad = Array.from({ length: 2000 }, (_, i) => `- name: g${i % 3}\n  rules: [{alert: "${i}", expr: "(", bogus: 1}]`).join('\n');
		const rb = parse(`groups:\n${bad}\n`);
		expect(rb.problems.length).toBeGreaterThan(6000);
	}, 20_000);

	it('keeps prototype keys as plain unknown keys, without polluting objects', () => {
		const r = parse('__proto__: {polluted: true}\ngroups:\n- name: g\n  __proto__: {x: 1}\n  rules:\n  - alert: A\n    expr: up == 0\n    constructor: 1\n    labels: {__proto__: x, constructor: y}\n');
		expect(r.problems.map((p) => p.path)).toEqual(['__proto__', 'groups[0].__proto__', 'groups[0].rules[0].constructor', 'groups[0].rules[0].labels.__proto__']);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	});
});

describe('reading rule files from disk', () => {
	it('refuses bytes that are not UTF-8, naming the offset (they used to become U+FFFD silently)', async () => {
		const file = join(dir, 'latin1.yml');
		writeFileSync(file, Buffer.concat([Buffer.from('groups:\n- name: caf'), Buffer.from([0xe9]), Buffer.from('\n  rules: []\n')]));
		await expect(readRuleFile(file)).rejects.toThrow('the file is not valid UTF-8: byte 0xe9 at offset 19');
		const out: string[] = [];
		expect(await checkRuleFiles([file], { out: (l) => out.push(l) })).toBe(1);
		expect(out).toContain(`${file}: the file is not valid UTF-8: byte 0xe9 at offset 19`);
		for (const bytes of [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]) {
			expect(invalidUtf8Offset(Buffer.from([0x61, 0xef, 0xbf, 0xbd, ...bytes]))).toBe(4);
		}
		expect(invalidUtf8Offset(Buffer.from('ok 🙂 \uFFFD é', 'utf8'))).toBe(-1);
	});

	it('refuses a file over the limit before reading it', async () => {
		const file = join(dir, 'big.yml');
		writeFileSync(file, Buffer.alloc(MAX_RULE_FILE_BYTES + 1, 0x20));
		await expect(readRuleFile(file)).rejects.toThrow(`the file is larger than ${MAX_RULE_FILE_BYTES} bytes`);
		const out: string[] = [];
		expect(await checkRuleFiles([file], { out: (l) => out.push(l) })).toBe(1);
		expect(out.join('\n')).toContain('larger than');
		expect(MEGABYTE).toBe(MAX_RULE_FILE_BYTES);
	});
});
