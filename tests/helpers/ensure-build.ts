// Vitest global setup for the integration tests: they run the built `vigil` command.
import { spawnSync } from 'node:child_process';

export default function setup(): void {
	const r = spawnSync(process.execPath, ['scripts/ensure-build.mjs'], { stdio: 'inherit' });
	if (r.status !== 0) throw new Error('could not build Vigil for the integration tests');
}
