/**
 * API tokens: `vgl_<id>_<secret>`, sent as `Authorization: Bearer`. Named, with an optional expiry,
 * revocable; stored hashed (SHA-256 of a 192-bit random secret) and shown once.
 *
 * A token belongs to a user and carries a role no higher than the user's (default: the user's), and
 * optionally scopes that narrow it further. What it may do is checked on every request against its
 * user as the user is now (see access.ts): a deleted user's tokens stop at once, and a lowered role
 * caps them. A token without a user (made with the CLI before any user existed) may do exactly
 * what its scopes allow.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../audit';
import { roleCovers, type Action, type Role } from './permissions';
import type { Keys } from '../keys';

/**
 * push: POST /api/v1/push; tickets: POST /api/v1/tickets; reload: POST /api/v1/reload; read: read
 * APIs (backtests); rules: change rules.
 */
export const SCOPES = ['push', 'tickets', 'reload', 'read', 'rules'] as const;
export type Scope = (typeof SCOPES)[number];

/** The actions each scope allows. */
export const SCOPE_ACTIONS: Record<Scope, readonly Action[]> = {
	push: ['samples:push'],
	tickets: ['tickets:push'],
	reload: ['config:reload'],
	read: ['wall:read', 'rules:read', 'incidents:read', 'series:read', 'reports:read', 'scorecards:read'],
	rules: ['rules:write']
};

export interface TokenInfo {
	id: string;
	name: string;
	/** The owner; absent on tokens made before users existed. */
	user?: string;
	userId?: string;
	/** The role the token acts with (at most its user's); absent without a user. */
	role?: Role;
	/** When present, the token may do only these (and what its role allows). */
	scopes?: Scope[];
	createdAt: number;
	expiresAt?: number;
	revokedAt?: number;
}

interface Stored extends Omit<TokenInfo, 'id'> {
	hash: string;
}

export type Authenticated = { ok: true; token: TokenInfo } | { ok: false; status: 401; error: string };

const TOKEN = /^vgl_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{32})$/;

function sha256(text: string): string {
	return createHash('sha256').update(text).digest('hex');
}

export type TokenState = 'active' | 'expired' | 'revoked';

export function tokenState(t: Pick<TokenInfo, 'expiresAt' | 'revokedAt'>, now = Date.now()): TokenState {
	if (t.revokedAt !== undefined) return 'revoked';
	if (t.expiresAt !== undefined && t.expiresAt <= now) return 'expired';
	return 'active';
}

/** True when the token's scopes (if any) allow the action. */
export function scopesAllow(scopes: readonly Scope[] | undefined, action: Action): boolean {
	return !scopes || scopes.some((s) => SCOPE_ACTIONS[s].includes(action));
}

/** The scope that would allow an action, for messages. */
export function scopeFor(action: Action): Scope | undefined {
	return SCOPES.find((s) => SCOPE_ACTIONS[s].includes(action));
}

export interface CreateToken {
	name: string;
	/** The owner as it is now. */
	user?: { name: string; id: string; role: Role };
	/** Default: the user's role. */
	role?: Role;
	scopes?: Scope[];
	ttlMs?: number;
	now?: number;
}

export class TokenStore {
	private readonly key: string;

	constructor(
		private readonly redis: Redis,
		keys: Keys,
		private readonly audit?: AuditLog
	) {
		this.key = keys.auth.tokens;
	}

	/** Makes a token; the returned secret is the only time it is visible. */
	async create(options: CreateToken, actor = 'system'): Promise<{ token: string; info: TokenInfo }> {
		const name = options.name.trim();
		if (!name || name.length > 100) throw new Error('name: expected 1 to 100 characters');
		const scopes = options.scopes ? [...new Set(options.scopes)] : undefined;
		for (const s of scopes ?? []) if (!SCOPES.includes(s)) throw new Error(`scopes: unknown scope ${JSON.stringify(s)}; expected one of ${SCOPES.join(', ')}`);
		if (scopes?.length === 0) throw new Error(`scopes: name at least one of ${SCOPES.join(', ')}`);
		if (!options.user && !scopes) throw new Error(`a token without a user needs scopes: name at least one of ${SCOPES.join(', ')}`);
		if (options.role && !options.user) throw new Error('a token with a role needs a user');
		const role = options.user ? (options.role ?? options.user.role) : undefined;
		if (options.user && role && !roleCovers(options.user.role, role)) {
			throw new Error(`role: ${options.user.name} is ${options.user.role}; a token may not do more than its user (${role})`);
		}
		const now = options.now ?? Date.now();
		const id = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 8);
		const secret = randomBytes(24).toString('base64url');
		const stored: Stored = { name, createdAt: now, hash: sha256(secret) };
		if (options.user) Object.assign(stored, { user: options.user.name, userId: options.user.id, role });
		if (scopes) stored.scopes = scopes;
		if (options.ttlMs !== undefined) stored.expiresAt = now + options.ttlMs;
		await this.redis.hset(this.key, id, JSON.stringify(stored));
		const { hash: _hash, ...rest } = stored;
		const info = { id, ...rest };
		await this.audit?.record({ actor, action: 'token.create', target: id, after: info });
		return { token: `vgl_${id}_${secret}`, info };
	}

	/** Finds the live token of an Authorization header value (not whether it may do something: see access.ts). */
	async authenticate(authorization: string | null | undefined, now = Date.now()): Promise<Authenticated> {
		const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
		if (!m) return { ok: false, status: 401, error: 'send an API token as "Authorization: Bearer <token>" (create one with `vigil token create`), or log in' };
		const t = TOKEN.exec(m[1]!);
		if (!t) return { ok: false, status: 401, error: 'the API token is malformed' };
		const json = await this.redis.hget(this.key, t[1]!);
		const stored = json ? (JSON.parse(json) as Stored) : undefined;
		const given = Buffer.from(sha256(t[2]!), 'hex');
		const known = Buffer.from(stored?.hash ?? '0'.repeat(64), 'hex');
		if (!stored || !timingSafeEqual(given, known)) return { ok: false, status: 401, error: 'the API token is not known' };
		if (stored.revokedAt !== undefined) return { ok: false, status: 401, error: 'the API token was revoked' };
		if (stored.expiresAt !== undefined && stored.expiresAt <= now) return { ok: false, status: 401, error: 'the API token has expired' };
		const { hash: _hash, ...info } = stored;
		return { ok: true, token: { id: t[1]!, ...info } };
	}

	async list(): Promise<TokenInfo[]> {
		const all = await this.redis.hgetall(this.key);
		return Object.entries(all)
			.map(([id, json]) => {
				const { hash: _hash, ...info } = JSON.parse(json) as Stored;
				return { id, ...info };
			})
			.sort((a, b) => a.createdAt - b.createdAt);
	}

	/** Revokes a token; false when there is no such token. */
	async revoke(id: string, actor = 'system', now = Date.now()): Promise<boolean> {
		const json = await this.redis.hget(this.key, id);
		if (!json) return false;
		const stored = JSON.parse(json) as Stored;
		const { hash: _hash, ...before } = stored;
		stored.revokedAt ??= now;
		await this.redis.hset(this.key, id, JSON.stringify(stored));
		await this.audit?.record({ actor, action: 'token.revoke', target: id, before: { id, ...before }, after: { revokedAt: stored.revokedAt } });
		return true;
	}
}
