// Runs a TypeScript script of the project (benchmarks, tools): bundles it with esbuild into a
// file under node_modules/.cache (so its packages resolve from the project), then imports it.
// Usage: node scripts/run-ts.mjs FILE [args]
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
	console.error('usage: node scripts/run-ts.mjs FILE.ts [args...]');
	process.exit(2);
}
const cache = resolve('node_modules/.cache');
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(join(cache, 'vigil-run-'));
const outfile = join(dir, 'script.mjs');
await build({
	entryPoints: [resolve(entry)],
	outfile,
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	packages: 'external',
	sourcemap: 'inline',
	logLevel: 'warning'
});
process.argv = [process.argv[0], resolve(entry), ...args];
try {
	await import(pathToFileURL(outfile).href);
} finally {
	rmSync(dir, { recursive: true, force: true });
}
