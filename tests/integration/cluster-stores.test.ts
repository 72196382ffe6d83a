/**
 * Vigil's stores on a real Redis Cluster (3 masters, 1 replica each): the contract operations of the
 * rule repository, silences, incidents, the notification outbox, sessions and kiosk links, and the
 * control messages, through the same client Vigil uses. Also the check at start that the configured
 * mode (redis.url or redis.cluster.nodes) matches the server's. Skipped without redis-cli.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLease } from '../../alerts/lease';
import { IncidentStore } from '../../src/lib/server/alerting/incidents';
import { SilenceStore } from '../../src/lib/server/alerting/muting/silences';
import type { Notification } from '../../src/lib/server/alerting/notify/notification';
import { NotificationOutbox } from '../../src/lib/server/alerting/notify/outbox';
import { RuleRepository } from '../../src/lib/server/alerting/ruleset';
import { AuditLog } from '../../src/lib/server/audit';
import { createAuthStores } from '../../src/lib/server/auth/index';
import { announceRevocation, parseRevocation } from '../../src/lib/server/auth/revocation';
import { systemClock } from '../../src/lib/server/clock';
import { createKeys } from '../../src/lib/server/keys';
import { createLogger } from '../../src/lib/server/log';
import { closeClient, createRedisClient, waitReady, type Redis } from '../../src/lib/server/redis/client';
import { checkRedisMode, clusterUrl, RedisModeError } from '../../src/lib/server/redis/cluster';
import { clusterAvailable, startTestRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { VIGIL_BIN } from '../helpers/vigil-process';

const available = await clusterAvailable();
if (!available) console.warn('cluster tests skipped: redis-server and redis-cli are needed on PATH to start a local Redis Cluster');

const log = createLogger({ level: 'silent' });
let cluster: TestRedisCluster;
let single: TestRedis;
let redis: Redis;
const clients: Redis[] = [];
const dir = mkdtempSync(join(tmpdir(), 'vigil-cluster-cli-'));
let n = 0;
const keys = () => createKeys(`cl${process.pid}x${++n}:`);

function connect(name: string): Redis {
	const c = createRedisClient(clusterUrl(cluster.nodes), { name });
	clients.push(c);
	return c;
}

beforeAll(async () => {
	if (!available) return;
	[cluster, single] = await Promise.all([startTestRedisCluster(), startTestRedis()]);
	redis = connect('test');
	await waitReady(redis, 10_000);
}, 60_000);

afterAll(async () => {
	await Promise.all(clients.map(closeClient));
	await Promise.all([cluster?.stop(), single?.stop()]);
	rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!available)('the configured mode against the server', () => {
	it('refuses a cluster node given as one Redis, naming redis.cluster.nodes and REDIS_CLUSTER_NODES', async () => {
		const err = await checkRedisMode(`redis://127.0.0.1:${cluster.ports[0]}`).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(RedisModeError);
		expect((err as Error).message).toContain('cluster_enabled:1');
		expect((err as Error).message).toContain('redis.cluster.nodes');
		expect((err as Error).message).toContain('REDIS_CLUSTER_NODES');
	});

	it('refuses seed nodes that are a single Redis, naming the setting', async () => {
		const err = await checkRedisMode(clusterUrl([`127.0.0.1:${single.port}`])).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(RedisModeError);
		expect((err as Error).message).toMatch(/^redis\.cluster\.nodes \(REDIS_CLUSTER_NODES\) names 127\.0\.0\.1:\d+, which is a single Redis/);
	});

	it('accepts a cluster given as one, and a single Redis given as one', async () => {
		await expect(checkRedisMode(clusterUrl(cluster.nodes))).resolves.toBeUndefined();
		await expect(checkRedisMode(single.url)).resolves.toBeUndefined();
	});

	const vigil = (args: string[], env: Record<string, string>) => {
		const config = join(dir, 'vigil.config.yaml');
		writeFileSync(config, `redis:\n  prefix: "clcli${process.pid}:"\n`);
		const clean = { ...process.env };
		delete clean.REDIS_URL;
		delete clean.REDIS_CLUSTER_NODES;
		const r = spawnSync(process.execPath, [VIGIL_BIN, ...args, '--config', config], { cwd: dir, env: { ...clean, ...env }, encoding: 'utf8', timeout: 20_000 });
		return { code: r.status, out: r.stdout, err: r.stderr };
	};

	it('stops `vigil start` and a CLI command at once with one error when REDIS_URL names a cluster node', () => {
		const env = { REDIS_URL: `redis://127.0.0.1:${cluster.ports[1]}`, PORT: '1' };
		const start = vigil(['start'], env);
		expect(start.code).toBe(1);
		expect(start.out + start.err).toContain('Set redis.cluster.nodes in the config (or REDIS_CLUSTER_NODES=host:port,host:port)');
		expect(start.out + start.err).not.toContain('Vigil is running');
		const cli = vigil(['kiosk', 'list'], env);
		expect(cli.code).toBe(1);
		expect(cli.err).toContain('REDIS_CLUSTER_NODES');
	});

	it('runs a CLI command on the cluster with REDIS_CLUSTER_NODES', () => {
		const r = vigil(['kiosk', 'list'], { REDIS_CLUSTER_NODES: cluster.env });
		expect(r.err).toBe('');
		expect(r.code).toBe(0);
	});
});

describe.skipIf(!available)('stores on a Redis Cluster', () => {
	it('rule repository: saves, versions, concurrent saves and audit', async () => {
		const k = keys();
		const repo = new RuleRepository(redis, k, { audit: new AuditLog(redis, k) });
		const group = (expr: string) => ({ name: 'shop', interval: '30s', rules: [{ alert: 'Down', expr, for: '1m' }] });
		expect(await repo.isEmpty()).toBe(true);
		expect(await repo.save([group('up == 0')], { author: 'ana', at: 1000 })).toMatchObject({ revision: 1, created: ['shop/Down'] });
		await Promise.all([1, 2, 3, 4].map((i) => repo.save([{ name: `g${i}`, interval: '30s', rules: [{ alert: 'A', expr: `x > ${i}` }] }], { author: 'bo' })));
		const { revision, groups } = await repo.load();
		expect(revision).toBe(5);
		expect(groups.map((g) => g.name).sort()).toEqual(['g1', 'g2', 'g3', 'g4', 'shop']);
		expect((await repo.versions('shop/Down')).map((v) => v.author)).toEqual(['ana']);
	});

	it('silences: create, list, expire', async () => {
		const k = keys();
		const store = new SilenceStore(redis, k, new AuditLog(redis, k));
		const s = await store.create({ matchers: [{ name: 'service', op: '=', value: 'shop' }], durationMs: 3_600_000, comment: 'deploy' }, { actor: 'ana' });
		expect((await store.list()).map((x) => x.id)).toEqual([s.id]);
		await store.expire(s.id, { actor: 'ana' });
		expect(await store.list()).toEqual([]);
	});

	it('incidents: an alert event opens one incident, applied once by two stores', async () => {
		const k = keys();
		const a = new IncidentStore(redis, k);
		const other = connect('incidents-b');
		await waitReady(other, 5000);
		const b = new IncidentStore(other, k);
		const labels = { alertname: 'Down', service: 'shop', severity: 'critical' };
		await redis.xadd(k.alerts.events, '*', 'e', JSON.stringify({ ruleId: 'shop/Down', at: 1000, fingerprint: 'f1', labels, from: 'pending', to: 'firing', value: 1 }));
		const applied = await Promise.all([a.applyEvents(), b.applyEvents()]);
		expect(applied.reduce((x, y) => x + y, 0)).toBe(1);
		expect(await redis.zcard(k.alerts.incidents.active)).toBe(1);
	});

	it('notification outbox: a fenced commit enqueues, a claim holds, a finish settles', async () => {
		const k = keys();
		let token: number | undefined;
		const lease = startLease({ redis, keys: k.alerts, holder: 'node-a', clock: systemClock, log, onAcquired: (t) => (token = t), onLost: () => {} });
		await expect.poll(() => token, { timeout: 5000 }).toBeDefined();
		const outbox = new NotificationOutbox(redis, k);
		const n: Notification = {
			id: 'n1', idempotencyKey: 'i1', groupKey: 'g', routeId: 'r', receiver: 'ops', status: 'firing',
			groupLabels: {}, alerts: [], incidentIds: [], createdAt: 1000, deadline: 10_000, attempts: 0
		};
		await outbox.commit(token!, { enqueue: [n] });
		expect((await outbox.due(2000, 10)).map((x) => x.id)).toEqual(['n1']);
		expect(await outbox.claim('n1', 5000)).toBe(true);
		expect(await outbox.finish(n, { outcome: 'delivered', notification: 'n1', channel: 'ops', groupKey: 'g', attempt: 1, at: 2000 } as never)).toBe(true);
		expect(await outbox.pending()).toEqual([]);
		await lease.stop();
	});

	it('sessions: create, read, revoke every session of a user', async () => {
		const auth = createAuthStores(redis, keys());
		const user = { name: 'sam', id: 'id-sam', role: 'viewer' as const };
		const one = await auth.sessions.create(user);
		const two = await auth.sessions.create(user);
		expect((await auth.sessions.get(one.id))?.user).toBe('sam');
		expect(await auth.sessions.revokeUser('sam')).toBe(2);
		expect(await auth.sessions.get(two.id)).toBeNull();
	});

	it('kiosk links: create, authenticate, replace by name, revoke', async () => {
		const auth = createAuthStores(redis, keys());
		const { token, info } = await auth.kiosks.create({ name: 'lobby', board: 'default' });
		expect((await auth.kiosks.authenticate(token)).ok).toBe(true);
		const replaced = await auth.kiosks.replaceNamed({ name: 'lobby', board: 'default' });
		expect((await auth.kiosks.authenticate(token)).ok).toBe(false);
		expect(await auth.kiosks.revoke(replaced.info.id)).toBe(true);
		expect(info.id).not.toBe(replaced.info.id);
	});

	it('control messages: a revocation published through one node reaches a subscriber on another', async () => {
		const k = keys();
		const sub = connect('sub');
		await waitReady(sub, 5000);
		const heard: string[] = [];
		sub.on('message', (_channel: string, text: string) => heard.push(text));
		await sub.subscribe(k.revocations);
		await announceRevocation(redis, k, { type: 'revoke', user: 'sam' });
		await expect.poll(() => heard.length, { timeout: 5000 }).toBe(1);
		expect(parseRevocation(heard[0]!)).toEqual({ type: 'revoke', user: 'sam' });
	});
});

// Known gap (docs/cluster.md): after its master is killed, the cluster client's writes to that
// slot stay closed ("Connection is closed.", then waiting) past 20 s in most runs, although the
// replica takes over; one run measured 4.3 s. Issue 20 is not done until this passes every time.
describe.skip('failover', () => {
	it('a killed master is replaced by its replica; writes to its slots fail meanwhile, then succeed again with no acknowledged write lost', async () => {
		const k = keys();
		const auth = createAuthStores(redis, k);
		const before = await auth.sessions.create({ name: 'ana', id: 'id-ana', role: 'viewer' });
		// The master that holds the sessions' slot ({auth}).
		const slot = Number(await redis.call('CLUSTER', 'KEYSLOT', k.auth.session('x')));
		const shards = (await redis.call('CLUSTER', 'SHARDS')) as unknown[];
		const owner = shards
			.map((sh) => sh as unknown[])
			.find((sh) => {
				const ranges = sh[1] as number[];
				for (let i = 0; i < ranges.length; i += 2) if (slot >= ranges[i]! && slot <= ranges[i + 1]!) return true;
				return false;
			});
		const nodes = owner![3] as unknown[][];
		const master = nodes.map((n) => Object.fromEntries(Array.from({ length: n.length / 2 }, (_, i) => [n[2 * i], n[2 * i + 1]]))).find((n) => n.role === 'master')!;
		// Replication is asynchronous: give it a moment, as Redis Cluster may lose the last writes before a crash.
		await new Promise((r) => setTimeout(r, 500));
		await cluster.kill(Number(master.port));
		const killedAt = Date.now();
		// Every write acknowledged from here on must be readable afterwards.
		const written: string[] = [];
		let failed = 0;
		while (Date.now() - killedAt < 20_000) {
			try {
				written.push((await auth.sessions.create({ name: 'ana', id: 'id-ana', role: 'viewer' })).id);
				if (written.length >= 5) break;
			} catch (err) {
				failed++;
				if (failed % 20 === 1) console.info('failover write:', (err as Error).message);
			}
			await new Promise((r) => setTimeout(r, 100));
		}
		const recoveredMs = Date.now() - killedAt;
		// Writes succeed again, so the killed master's slots are served: the other nodes may still be
		// gossiping the change (cluster_state settles later on a loaded machine), which is not the claim.
		expect(written.length).toBe(5);
		for (const id of [before.id, ...written]) expect((await auth.sessions.get(id))?.user).toBe('ana');
		console.info(`failover: writes to the killed master's slots failed ${failed} times; ${recoveredMs} ms until 5 writes succeeded`);
	}, 60_000);
});
