// Builds Vigil when the build is missing or older than its sources; otherwise does nothing.
// Used by `npm start` and by the integration tests, so a fresh clone needs no separate build step.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const outputs = ['build/handler.js', 'dist/vigil.js', 'dist/query-worker.js'].map((f) => join(root, f));
const inputs = ['src', 'collectors', 'alerts', 'runtime', 'static', 'server.ts', 'svelte.config.js', 'vite.config.ts', 'package-lock.json', 'scripts/build-cli.mjs'];

function newest(path) {
	if (!existsSync(path)) return 0;
	const st = statSync(path);
	if (!st.isDirectory()) return st.mtimeMs;
	let max = 0;
	for (const entry of readdirSync(path)) {
		if (entry.endsWith('.test.ts')) continue;
		max = Math.max(max, newest(join(path, entry)));
	}
	return max;
}

const built = Math.min(...outputs.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));
const changed = Math.max(...inputs.map((f) => newest(join(root, f))));
if (built > 0 && built >= changed) process.exit(0);

console.log(built === 0 ? 'Building Vigil (first run; this takes about a minute)…' : 'Sources changed since the last build: rebuilding Vigil…');
const t0 = Date.now();
const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
	console.error('The build failed (see above). Fix the error, or run `npm ci` if dependencies are missing, then try again.');
	process.exit(r.status ?? 1);
}
console.log(`Built in ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
