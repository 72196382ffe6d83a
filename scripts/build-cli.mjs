// Bundles the command line and the roles (TypeScript) into dist/vigil.js; packages stay external.
import { build } from 'esbuild';

await build({
	entryPoints: ['runtime/main.ts'],
	outfile: 'dist/vigil.js',
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	packages: 'external',
	sourcemap: true,
	logLevel: 'warning'
});
console.log('built dist/vigil.js');
