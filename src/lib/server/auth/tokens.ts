/**
 * API tokens: named, scoped, with an optional expiry, revocable; stored hashed (SHA-256 of a
 * 192-bit random secret) and shown once. Sent as `Authorization: Bearer vgl_<id>_<secret>`.
 *
 * Scopes today: `push` (write samples through /api/v1/push) and `reload` (ask collectors to
 * reload their config). Tokens are not tied to users yet; the access-control work adds that.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';

/** push: POST /api/v1/push; reload: POST /api/v1/reload; read: read APIs (backtests); rules: change rules. */
export const SCOPES = ['push', 'reload', 'read', 'rules'] as const;
export type Scope = (typeof SCOPES)[number];

export interface TokenInfo {
	id: string;
	name: string;
	scopes: Scope[];
	createdAt: number;
	expiresAt?: number;
	revokedAt?: number;
}

interface Stored extends Omit<TokenInfo, 'id'> {
	hash: string;
}

export type Verdict =
	| { ok: true; token: TokenInfo }
	| { ok: false; status: 401 | 403; error: string };

const TOKEN = /^vgl_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{32})$/;

function sha256(text: string): string {
	return createHash('sha256').update(text).digest('hex');
}

export class TokenStore {
	private readonly key: string;

	constructor(
		private readonly redis: Redis,
		prefix: string
	) {
		this.key = `${prefix}auth:tokens`;
	}

	/** Makes a token; the returned secret is the only time it is visible. */
	async create(options: { name: string; scopes: Scope[]; ttlMs?: number; now?: number }): Promise<{ token: string; info: TokenInfo }> {
		const name = options.name.trim();
		if (!name || name.length > 100) throw new Error('name: expected 1 to 100 characters');
		if (options.scopes.length === 0) throw new Error(`scopes: name at least one of ${SCOPES.join(', ')}`);
		for (const s of options.scopes) if (!SCOPES.includes(s)) throw new Error(`scopes: unknown scope ${JSON.stringify(s)}; expected one of ${SCOPES.join(', ')}`);
		const now = options.now ?? Date.now();
		const id = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 8);
		const secret = randomBytes(24).toString('base64url');
		const stored: Stored = { name, scopes: [...new Set(options.scopes)], createdAt: now, hash: sha256(secret) };
		if (options.ttlMs !== undefined) stored.expiresAt = now + options.ttlMs;
		await this.redis.hset(this.key, id, JSON.stringify(stored));
		const { hash: _hash, ...info } = stored;
		return { token: `vgl_${id}_${secret}`, info: { id, ...info } };
	}

	/** Checks an Authorization header value for a scope. */
	async verify(authorization: string | null | undefined, scope: Scope, now = Date.now()): Promise<Verdict> {
		const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
		if (!m) return { ok: false, status: 401, error: 'send an API token as "Authorization: Bearer <token>" (create one with `vigil token create`)' };
		const t = TOKEN.exec(m[1]!);
		if (!t) return { ok: false, status: 401, error: 'the API token is malformed' };
		const json = await this.redis.hget(this.key, t[1]!);
		const stored = json ? (JSON.parse(json) as Stored) : undefined;
		const given = Buffer.from(sha256(t[2]!), 'hex');
		const known = Buffer.from(stored?.hash ?? '0'.repeat(64), 'hex');
		if (!stored || !timingSafeEqual(given, known)) return { ok: false, status: 401, error: 'the API token is not known' };
		if (stored.revokedAt !== undefined) return { ok: false, status: 401, error: 'the API token was revoked' };
		if (stored.expiresAt !== undefined && stored.expiresAt <= now) return { ok: false, status: 401, error: 'the API token has expired' };
		if (!stored.scopes.includes(scope)) return { ok: false, status: 403, error: `the API token lacks the "${scope}" scope` };
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
	async revoke(id: string, now = Date.now()): Promise<boolean> {
		const json = await this.redis.hget(this.key, id);
		if (!json) return false;
		const stored = JSON.parse(json) as Stored;
		stored.revokedAt ??= now;
		await this.redis.hset(this.key, id, JSON.stringify(stored));
		return true;
	}
}
