/**
 * One prom-client registry per process, holding the default Node metrics and Vigil's own.
 * Modules register their metrics on the registry they are given, never on prom-client's global one,
 * so two runtimes in one process (tests) do not collide.
 */
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export type { Registry };

export interface ProcessMetrics {
	registry: Registry;
	roleRunning: Gauge<'role'>;
	redisConnected: Gauge;
}

export function createProcessMetrics(version: string, nodeId: string): ProcessMetrics {
	const registry = new Registry();
	collectDefaultMetrics({ register: registry });
	const build = new Gauge({
		name: 'vigil_build_info',
		help: 'Vigil version and node id of this process; always 1.',
		labelNames: ['version', 'node'],
		registers: [registry]
	});
	build.set({ version, node: nodeId }, 1);
	const roleRunning = new Gauge({
		name: 'vigil_role_running',
		help: 'Whether this process runs a role and it has started (1) or not (0).',
		labelNames: ['role'],
		registers: [registry]
	});
	const redisConnected = new Gauge({
		name: 'vigil_redis_connected',
		help: 'Whether the Redis connection is ready (1) or down (0).',
		registers: [registry]
	});
	return { registry, roleRunning, redisConnected };
}
