/**
 * What the dev plugin runs inside Vite (loaded with `ssrLoadModule`, so it shares its module graph
 * with the SvelteKit routes): the configured roles, attached to Vite's HTTP server.
 */
import type { Server } from 'node:http';
import { createLogger } from '../src/lib/server/log';
import { formatProblem } from '../src/lib/shared/problems';
import { loadConfig, resolveConfigPath } from './config';
import { packageRoot, packageVersion } from './package-root';
import { startVigil, type RunningVigil } from './start';

export async function startDev(server: Server): Promise<RunningVigil> {
	const root = packageRoot();
	const file = resolveConfigPath(undefined, process.env, process.cwd(), root);
	const result = await loadConfig(file, { env: process.env });
	if (!result.ok) {
		throw new Error(`${file} has problems:\n${result.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
	}
	const log = createLogger({ level: result.value.log.level });
	return startVigil({ config: result.value, log, version: packageVersion(root), http: { mode: 'attach', server } });
}
