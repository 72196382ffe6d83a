// The README's quick start is two commands (start the demo, run the tests), and CI runs exactly
// the README's test command after `npm ci`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function section(title: string): string {
	const start = readme.indexOf(`\n## ${title}\n`);
	expect(start).toBeGreaterThanOrEqual(0);
	const end = readme.indexOf('\n## ', start + 1);
	return readme.slice(start, end < 0 ? undefined : end);
}

function shellBlocks(text: string): string[] {
	return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
}

describe('README quick start', () => {
	it('has exactly two commands: start the demo, then run the tests', () => {
		expect(shellBlocks(section('Quick start'))).toEqual(['npm ci && npm start', 'npm test']);
	});

	it('is what CI runs: npm ci, then the test command', () => {
		const ci = readFileSync(join(root, '.ci', 'run'), 'utf8');
		expect(ci).toMatch(/^set -euo pipefail$/m);
		const commands = ci.split('\n').filter((l) => /^npm /.test(l));
		expect(commands).toEqual(['npm ci', 'npm test']);
	});
});
