import { describe, expect, it } from 'vitest';
import { formatProblem } from '../src/lib/shared/problems';
import { clusterAuthOf, clusterUrl, isClusterUrl, redactClusterUrl, seedsOf } from '../src/lib/server/redis/cluster';
import { redactUrl } from '../src/lib/server/redis/resolve';
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

	it('carries a user, a password with any characters, and TLS, and hides the password in logs', () => {
		const auth = { username: 'vigil', password: 'p@ss:w/rd,?&', tls: true };
		const url = clusterUrl(['a:7000', '[::1]:7001'], auth);
		expect(seedsOf(url)).toEqual([
			{ host: 'a', port: 7000 },
			{ host: '::1', port: 7001 }
		]);
		expect(clusterAuthOf(url)).toEqual(auth);
		expect(clusterAuthOf(clusterUrl(['a:1'], { password: 'only' }))).toEqual({ password: 'only' });
		expect(clusterAuthOf(clusterUrl(['a:1']))).toEqual({});
		for (const shown of [redactClusterUrl(url), redactUrl(url)]) {
			expect(shown).not.toContain('p@ss');
			expect(clusterAuthOf(shown)).toEqual({ ...auth, password: '***' });
		}
	});

	it('reads the user and TLS from the file and the password from REDIS_CLUSTER_PASSWORD', () => {
		const r = parse('redis:\n  cluster:\n    nodes: ["a:7000"]\n    username: vigil\n    tls: true\n', { REDIS_CLUSTER_PASSWORD: 's3cret' });
		expect(r.ok && r.value.redis.cluster).toEqual({ nodes: ['a:7000'], username: 'vigil', password: 's3cret', tls: true });
		const plain = parse('redis:\n  cluster:\n    nodes: ["a:7000"]\n');
		expect(plain.ok && plain.value.redis.cluster).toEqual({ nodes: ['a:7000'], tls: false });
	});
});
