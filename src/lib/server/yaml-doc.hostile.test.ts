/** Hostile YAML for every reader of YAML files (config and rule files): problems, never exceptions. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validateYaml } from './yaml-config';
import { readYaml, yamlValue } from './yaml-doc';

const laughs = (() => {
	const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
	for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
	return lines.join('\n');
})();

describe('YAML with hostile input', () => {
	it('a config file that expands aliases without bound is a problem (validateYaml used to throw)', () => {
		const r = validateYaml(laughs, z.object({}).passthrough());
		expect(r).toEqual({ ok: false, problems: [{ path: '', message: expect.stringMatching(/^YAML: aliases expand to too many values/), line: 1 }] });
	});

	it('finds a repeated key with its line, in linear time', () => {
		const text = `${Array.from({ length: 50_000 }, (_, i) => `k${i}: 1`).join('\n')}\nk49999: 2\n`;
		const { problems } = readYaml(text);
		expect(problems).toEqual([{ message: 'YAML: Map keys must be unique', line: 50_001, column: 1 }]);
		// Keys equal as text but of different types are different keys, as in YAML.
		expect(readYaml('1: a\n"1": b\n').problems).toEqual([]);
		expect(validateYaml('a: 1\nb: 2\na: 3\n', z.object({}).passthrough())).toEqual({ ok: false, problems: [{ path: '', message: 'YAML: Map keys must be unique', line: 3, column: 1 }] });
	});

	it('nesting too deep for the parser is a problem', () => {
		const { problems } = readYaml(`x: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}`);
		expect(problems.map((p) => p.message)).toContain('YAML: nested too deeply');
		expect(yamlValue(readYaml(`x: ${'['.repeat(300)}${']'.repeat(300)}`).doc).ok).toBe(true);
	});
});
