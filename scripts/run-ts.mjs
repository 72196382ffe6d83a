// Runs a TypeScript script of the project (benchmarks, tools): bundles it with esbuild into a
// temporary file, packages external, then imports it. Usage: node scripts/run-ts.mjs FILE [args]
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
	console.error('usage: node scripts/run-ts.mjs FILE.ts [args...]');
	process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'vigil-run-'));
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
	logLevel: 'warning',
	// Resolve packages from the project, not from the temporary directory.
	nodePaths: [resolve('node_modules')],
	banner: { js: `import { createRequire as __cr } from 'node:module'; const require = __cr(${JSON.stringify(resolve('package.json'))});` }
});
process.argv = [process.argv[0], resolve(entry), ...args];
try {
	await import(pathToFileURL(outfile).href);
} finally {
	rmSync(dir, { recursive: true, force: true });
}
