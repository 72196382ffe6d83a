// Bundles the command line and the roles (TypeScript) into dist/vigil.js, and the query worker
// thread into dist/query-worker.js (the runtime starts it from beside its own bundle); packages
// stay external.
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', sourcemap: true, logLevel: 'warning' };
await Promise.all([
	build({ ...common, entryPoints: ['runtime/main.ts'], outfile: 'dist/vigil.js' }),
	build({ ...common, entryPoints: ['src/lib/server/query-pool/worker.ts'], outfile: 'dist/query-worker.js' })
]);
console.log('built dist/vigil.js and dist/query-worker.js');
