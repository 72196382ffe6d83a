/**
 * The `vigil` process, run as a Node parent runs it (execFile: stdout is a pipe): everything it
 * wrote arrives before it exits, also when that is more than a pipe holds at once.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
let dir: string;
let bundle: string;

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), 'vigil-main-'));
	bundle = join(root, 'node_modules/.cache', `vigil-main-${process.pid}.mjs`);
	await build({ entryPoints: [join(root, 'runtime/main.ts')], outfile: bundle, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
});

afterAll(() => {
	rmSync(dir, { recursive: true, force: true });
	rmSync(bundle, { force: true });
});

function run(args: string[]): Promise<{ code: number; stdout: string }> {
	return new Promise((done) => {
		execFile(process.execPath, [bundle, ...args], { cwd: dir, maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
			done({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout });
		});
	});
}

describe('the vigil process', () => {
	it('writes all of a long report to a pipe before it exits', { timeout: 60_000 }, async () => {
		// 1,500 rules with a problem each: a report of some 200 kB, several times a pipe's buffer.
		const n = 1500;
		let text = 'groups:\n  - name: g\n    rules:\n';
		for (let i = 0; i < n; i++) text += `      - alert: A${i}\n        expr: up{job="${'x'.repeat(40)}"} >\n`;
		const file = join(dir, 'rules.yml');
		writeFileSync(file, text);
		for (let k = 0; k < 2; k++) {
			const r = await run(['rules', 'check', file]);
			expect(r.code).toBe(1);
			const problems = r.stdout.split('\n').filter((l) => l.includes(': expr: '));
			expect(problems.length).toBe(n);
		}
	});
});
