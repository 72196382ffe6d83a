import { describe, expect, it } from 'vitest';
import { formatProblem } from '../src/lib/shared/problems';
import { clusterUrl, isClusterUrl, seedsOf } from '../src/lib/server/redis/cluster';
import { parseConfig } from './config';

function parse(text: string, env: NodeJS.ProcessEnv = {}) {
	const r = parseConfig(text, { env });
	return r.ok ? { ok: true as const, value: r.value } : { ok: false as const, problems: r.problems.map(formatProblem) };
}

describe('redis.cluster.nodes', () => {
	it('reads seed nodes from the file and from REDIS_CLUSTER_NODES', () => {
		const file = parse('redis:\n  cluster:\n    nodes: ["10.0.0.5:6379", "[::1]:7000"]\n');
		expect(file.ok && file.value.redis.cluster?.nodes).toEqual(['10.0.0.5:6379', '[::1]:7000']);
		const env = parse('', { REDIS_CLUSTER_NODES: ' a:7000, b:7001 ,' });
		expect(env.ok && env.value.redis.cluster?.nodes).toEqual(['a:7000', 'b:7001']);
	});

	it('names a node that is not host:port, and the variable that set it', () => {
		const r = parse('', { REDIS_CLUSTER_NODES: 'a:7000,redis://b:7001' });
		expect(r.ok).toBe(false);
		expect(!r.ok && r.problems).toEqual(['redis.cluster.nodes[1]: expected host:port, e.g. 10.0.0.5:6379 (set by REDIS_CLUSTER_NODES)']);
	});

	it('refuses a cluster and a single URL at once', () => {
		const r = parse('', { REDIS_CLUSTER_NODES: 'a:7000', REDIS_URL: 'redis://b:6379' });
		expect(!r.ok && r.problems.join('\n')).toContain('not both');
	});

	it('travels as one redis-cluster:// address', () => {
		const url = clusterUrl(['a:7000', '[::1]:7001']);
		expect(isClusterUrl(url)).toBe(true);
		expect(seedsOf(url)).toEqual([
			{ host: 'a', port: 7000 },
			{ host: '::1', port: 7001 }
		]);
	});
});
