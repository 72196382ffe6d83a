/**
 * Local users in Redis: a name, a role and a scrypt password hash. Changing a password or a role,
 * or deleting a user, ends that user's sessions at once; every change is written to the audit log.
 * The last admin can be neither deleted nor demoted.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../audit';
import type { Keys } from '../keys';
import { decoyHash, hashPassword, passwordProblem, verifyPassword } from './password';
import { isRole, ROLES, type Role } from './permissions';
import type { SessionStore } from './sessions';

export interface User {
	name: string;
	/** Random, new for every user made: tokens and sessions of a deleted user never pass to a new one of the same name. */
	id: string;
	role: Role;
	createdAt: number;
	updatedAt: number;
}

interface Stored extends Omit<User, 'name'> {
	hash: string;
}

/** A refused change, with a message for the person who asked. */
export class UserError extends Error {
	override name = 'UserError';
}

/**
 * True for a UserError. By name, not `instanceof`: the web server's routes and the stores it
 * shares with the CLI come from two bundles, each with its own copy of the class.
 */
export function isUserError(err: unknown): err is UserError {
	return err instanceof Error && err.name === 'UserError';
}

const NAME = /^[a-z0-9][a-z0-9._@-]{0,63}$/;

/** Lower-cases a user name; throws when it is not one. */
export function normalizeUserName(name: string): string {
	const n = name.trim().toLowerCase();
	if (!NAME.test(n)) throw new UserError(`user name: expected 1 to 64 letters, digits or . _ @ - (starting with a letter or digit), got ${JSON.stringify(name.slice(0, 80))}`);
	return n;
}

function publicUser(name: string, s: Stored): User {
	return { name, id: s.id, role: s.role, createdAt: s.createdAt, updatedAt: s.updatedAt };
}

export interface ChangeContext {
	/** Who makes the change, for the audit log: `user:alice`, `cli:root`, `setup`. */
	actor: string;
	ip?: string;
}

export class UserStore {
	private readonly key: string;

	constructor(
		private readonly redis: Redis,
		keys: Keys,
		private readonly deps: { sessions: SessionStore; audit: AuditLog }
	) {
		this.key = keys.auth.users;
	}

	async count(): Promise<number> {
		return this.redis.hlen(this.key);
	}

	private async stored(name: string): Promise<Stored | null> {
		let n: string;
		try {
			n = normalizeUserName(name);
		} catch {
			return null;
		}
		const json = await this.redis.hget(this.key, n);
		return json ? (JSON.parse(json) as Stored) : null;
	}

	async get(name: string): Promise<User | null> {
		const s = await this.stored(name);
		return s ? publicUser(normalizeUserName(name), s) : null;
	}

	async list(): Promise<User[]> {
		const all = await this.redis.hgetall(this.key);
		return Object.entries(all)
			.map(([name, json]) => publicUser(name, JSON.parse(json) as Stored))
			.sort((a, b) => a.name.localeCompare(b.name));
	}

	async add(input: { name: string; role: Role; password: string }, by: ChangeContext, now = Date.now()): Promise<User> {
		const name = normalizeUserName(input.name);
		if (!isRole(input.role)) throw new UserError(`role: expected one of ${ROLES.join(', ')}, got ${JSON.stringify(input.role)}`);
		const problem = passwordProblem(input.password);
		if (problem) throw new UserError(problem);
		const stored: Stored = { id: randomBytes(9).toString('base64url'), role: input.role, hash: await hashPassword(input.password), createdAt: now, updatedAt: now };
		if (!(await this.redis.hsetnx(this.key, name, JSON.stringify(stored)))) throw new UserError(`a user named ${JSON.stringify(name)} exists already`);
		const user = publicUser(name, stored);
		await this.deps.audit.record({ ...by, action: 'user.create', target: name, after: user });
		return user;
	}

	private async must(name: string): Promise<{ name: string; stored: Stored }> {
		const s = await this.stored(name);
		if (!s) throw new UserError(`no user named ${JSON.stringify(name.slice(0, 80))}`);
		return { name: normalizeUserName(name), stored: s };
	}

	private async otherAdmins(name: string): Promise<number> {
		return (await this.list()).filter((u) => u.role === 'admin' && u.name !== name).length;
	}

	async setRole(name: string, role: Role, by: ChangeContext, now = Date.now()): Promise<User> {
		if (!isRole(role)) throw new UserError(`role: expected one of ${ROLES.join(', ')}, got ${JSON.stringify(role)}`);
		const u = await this.must(name);
		if (u.stored.role === 'admin' && role !== 'admin' && (await this.otherAdmins(u.name)) === 0) throw new UserError(`${u.name} is the last admin: make another admin first`);
		const before = publicUser(u.name, u.stored);
		const next: Stored = { ...u.stored, role, updatedAt: now };
		await this.redis.hset(this.key, u.name, JSON.stringify(next));
		await this.deps.sessions.revokeUser(u.name);
		const after = publicUser(u.name, next);
		await this.deps.audit.record({ ...by, action: 'user.role', target: u.name, before, after });
		return after;
	}

	async setPassword(name: string, password: string, by: ChangeContext, now = Date.now()): Promise<void> {
		const problem = passwordProblem(password);
		if (problem) throw new UserError(problem);
		const u = await this.must(name);
		await this.redis.hset(this.key, u.name, JSON.stringify({ ...u.stored, hash: await hashPassword(password), updatedAt: now }));
		await this.deps.sessions.revokeUser(u.name);
		await this.deps.audit.record({ ...by, action: 'user.password', target: u.name, before: { hash: u.stored.hash }, after: { hash: 'changed' } });
	}

	async delete(name: string, by: ChangeContext): Promise<void> {
		const u = await this.must(name);
		if (u.stored.role === 'admin' && (await this.otherAdmins(u.name)) === 0) throw new UserError(`${u.name} is the last admin: make another admin first`);
		await this.redis.hdel(this.key, u.name);
		await this.deps.sessions.revokeUser(u.name);
		await this.deps.audit.record({ ...by, action: 'user.delete', target: u.name, before: publicUser(u.name, u.stored) });
	}

	/** The user when the password is right, else null; as slow for unknown names as for known ones. */
	async verify(name: string, password: string): Promise<User | null> {
		const s = await this.stored(name);
		if (!s) {
			await verifyPassword(password, await decoyHash());
			return null;
		}
		return (await verifyPassword(password, s.hash)) ? publicUser(normalizeUserName(name), s) : null;
	}
}
