/**
 * The access-control stores against a real Redis: the login limiter's sliding window, session
 * timeouts and revocation, users, setup links, token ownership and the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { authorize } from '../../src/lib/server/auth/access';
import { createAuthStores, type AuthStores } from '../../src/lib/server/auth/index';
import { SlidingWindowLimiter } from '../../src/lib/server/auth/rate-limit';
import { UserError } from '../../src/lib/server/auth/users';
import { createKeys, type Keys } from '../../src/lib/server/keys';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

let redis: TestRedis;
let client: Redis;
let keys: Keys;
let auth: AuthStores;
const by = { actor: 'test' };

beforeAll(async () => {
	redis = await startTestRedis();
	client = redis.client();
	keys = createKeys(`auth${process.pid}:`);
	auth = createAuthStores(client, keys, { sessions: { idleMs: 1000, absoluteMs: 5000, touchEveryMs: 100 } });
});

afterAll(async () => {
	await redis.stop();
});

describe('the sliding-window limiter', () => {
	it('allows the limit within the window, then says when the next attempt is allowed', async () => {
		const limiter = new SlidingWindowLimiter(client, 3, 10_000);
		const key = `${keys.prefix}t:lim`;
		for (let i = 0; i < 3; i++) expect((await limiter.attempt(key, 1000 + i * 1000)).allowed).toBe(true);
		expect(await limiter.attempt(key, 4000)).toEqual({ allowed: false, retryAfterMs: 7000 });
		// The window slides: the first attempt (at 1000) leaves it at 11000.
		expect((await limiter.attempt(key, 11_001)).allowed).toBe(true);
		expect((await limiter.attempt(key, 11_002)).allowed).toBe(false);
	});

	it('counts parallel attempts atomically, and a success can be taken back', async () => {
		const limiter = new SlidingWindowLimiter(client, 5, 60_000);
		const key = `${keys.prefix}t:par`;
		const results = await Promise.all(Array.from({ length: 20 }, () => limiter.attempt(key, 1000)));
		expect(results.filter((r) => r.allowed)).toHaveLength(5);
		await limiter.reset(key);
		const ok = await limiter.attempt(key, 2000);
		if (!ok.allowed) throw new Error('expected an allowed attempt');
		await limiter.forget(key, ok.member);
		expect(await client.zcard(key)).toBe(0);
	});
});

describe('sessions', () => {
	const user = { name: 'sam', id: 'id-sam', role: 'viewer' as const };

	it('ends after the idle timeout, and is kept alive by use', async () => {
		const { id } = await auth.sessions.create(user, 10_000);
		expect((await auth.sessions.get(id, 10_500))?.user).toBe('sam');
		expect((await auth.sessions.get(id, 11_400))?.user).toBe('sam');
		expect(await auth.sessions.get(id, 12_500)).toBeNull();
	});

	it('ends at the absolute timeout however much it is used', async () => {
		const { id } = await auth.sessions.create(user, Date.now());
		const t0 = Date.now();
		for (let t = t0; t < t0 + 5000; t += 800) expect(await auth.sessions.get(id, t)).not.toBeNull();
		expect(await auth.sessions.get(id, t0 + 5000)).toBeNull();
	});

	it('keeps only a hash of the id in Redis, and refuses ids of the wrong shape', async () => {
		const { id } = await auth.sessions.create(user);
		expect(await client.keys(`${keys.prefix}auth:session:*${id}*`)).toEqual([]);
		expect(await auth.sessions.get('not-an-id')).toBeNull();
		// Another id of the right shape (its last character changed, whatever it was).
		expect(await auth.sessions.get(`${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
	});

	it('revokes every session of a user in one call', async () => {
		const a = await auth.sessions.create(user);
		const b = await auth.sessions.create(user);
		const other = await auth.sessions.create({ ...user, name: 'kim' });
		expect(await auth.sessions.revokeUser('sam')).toBeGreaterThanOrEqual(2);
		expect(await auth.sessions.get(a.id)).toBeNull();
		expect(await auth.sessions.get(b.id)).toBeNull();
		expect(await auth.sessions.get(other.id)).not.toBeNull();
	});
});

describe('users', () => {
	it('add, verify, and end sessions on a password change, a role change and a deletion', async () => {
		const alice = await auth.users.add({ name: 'Alice', role: 'admin', password: 'alice password 1' }, by);
		expect(alice.name).toBe('alice');
		expect(await auth.users.verify('ALICE', 'alice password 1')).toMatchObject({ name: 'alice', role: 'admin' });
		expect(await auth.users.verify('alice', 'wrong password')).toBeNull();
		expect(await auth.users.verify('nobody', 'whatever password')).toBeNull();
		await expect(auth.users.add({ name: 'alice', role: 'viewer', password: 'another password' }, by)).rejects.toThrow('exists already');

		const bob = await auth.users.add({ name: 'bob', role: 'engineer', password: 'bob password 1' }, by);
		const s1 = await auth.sessions.create(bob);
		await auth.users.setPassword('bob', 'bob password 2', by);
		expect(await auth.sessions.get(s1.id)).toBeNull();
		expect(await auth.users.verify('bob', 'bob password 1')).toBeNull();
		const s2 = await auth.sessions.create(bob);
		await auth.users.setRole('bob', 'viewer', by);
		expect(await auth.sessions.get(s2.id)).toBeNull();
		const s3 = await auth.sessions.create({ ...bob, role: 'viewer' });
		await auth.users.delete('bob', by);
		expect(await auth.sessions.get(s3.id)).toBeNull();
		expect(await auth.users.get('bob')).toBeNull();
	});

	it('never loses the last admin', async () => {
		await expect(auth.users.setRole('alice', 'viewer', by)).rejects.toThrow(UserError);
		await expect(auth.users.delete('alice', by)).rejects.toThrow('the last admin');
	});

	it('refuses bad names and short passwords', async () => {
		await expect(auth.users.add({ name: 'has space', role: 'viewer', password: 'long enough 1' }, by)).rejects.toThrow('user name');
		await expect(auth.users.add({ name: 'carol', role: 'viewer', password: 'short' }, by)).rejects.toThrow('at least 10');
	});
});

describe('setup links', () => {
	it('work once, and not after expiry', async () => {
		const t = await auth.setup.create(1000);
		const u = await auth.setup.create(1000);
		expect(await auth.setup.valid(t, 2000)).toBe(true);
		expect(await auth.setup.consume('wrong', 2000)).toBe(false);
		expect(await auth.setup.consume(t, 2000)).toBe(true);
		expect(await auth.setup.consume(t, 2000)).toBe(false);
		// Using one uses them all up.
		expect(await auth.setup.valid(u, 2000)).toBe(false);
		const late = await auth.setup.create(1000);
		expect(await auth.setup.consume(late, 1000 + 24 * 3600_000)).toBe(false);
	});
});

describe('API tokens of users', () => {
	it('act with the token role under the user\'s current role, and stop when the user is gone', async () => {
		const dana = await auth.users.add({ name: 'dana', role: 'engineer', password: 'dana password 1' }, by);
		const { token } = await auth.tokens.create({ name: 'ci', user: dana }, 'test');
		const ask = (action: Parameters<typeof authorize>[2]) => authorize(auth, { authorization: `Bearer ${token}`, session: null }, action);
		expect((await ask('samples:push')).ok).toBe(true);
		expect(await ask('users:admin')).toMatchObject({ ok: false, status: 403, error: "the API token's role (engineer) may not users:admin" });
		await auth.users.setRole('dana', 'viewer', by);
		expect(await ask('samples:push')).toMatchObject({ ok: false, status: 403 });
		expect((await ask('rules:read')).ok).toBe(true);
		await auth.users.delete('dana', by);
		expect(await ask('rules:read')).toMatchObject({ ok: false, status: 401, error: "the API token's user no longer exists" });
		// A new user of the same name does not inherit the token.
		await auth.users.add({ name: 'dana', role: 'admin', password: 'dana password 2' }, by);
		expect(await ask('rules:read')).toMatchObject({ ok: false, status: 401 });
	});

	it('may not carry more than the user\'s role', async () => {
		const erin = await auth.users.add({ name: 'erin', role: 'manager', password: 'erin password 1' }, by);
		await expect(auth.tokens.create({ name: 'x', user: erin, role: 'admin' })).rejects.toThrow('may not do more than its user');
		await expect(auth.tokens.create({ name: 'x', user: erin, role: 'engineer' })).rejects.toThrow('may not do more than its user');
		const { info } = await auth.tokens.create({ name: 'r', user: erin, role: 'viewer', scopes: ['read'] });
		expect(info).toMatchObject({ user: 'erin', role: 'viewer', scopes: ['read'] });
	});
});

describe('the audit log', () => {
	it('holds user and token changes with secrets masked, newest first, paged with before', async () => {
		const entries = await auth.audit.list({ limit: 1000 });
		const actions = entries.map((e) => e.action);
		expect(actions).toContain('user.create');
		expect(actions).toContain('user.password');
		expect(actions).toContain('user.role');
		expect(actions).toContain('user.delete');
		expect(actions).toContain('token.create');
		expect(JSON.stringify(entries)).not.toMatch(/scrypt\$/);
		const pw = entries.find((e) => e.action === 'user.password')!;
		expect(pw.before).toEqual({ hash: '***' });
		const [first, second] = await auth.audit.list({ limit: 2 });
		expect((await auth.audit.list({ limit: 1, before: first!.id }))[0]!.id).toBe(second!.id);
		expect(first!.at).toBeGreaterThanOrEqual(second!.at);
	});
});
