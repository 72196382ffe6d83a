/**
 * Kiosk tokens: `vgk_<id>_<secret>`, a read-only credential for one board, for wall screens that
 * nobody logs in to. Named, with an optional expiry, revocable; stored hashed (SHA-256 of a 192-bit
 * random secret) and shown once, as a kiosk URL (`/wall/<board>?token=<token>`), which the wall page trades
 * for an HTTP-only cookie. A kiosk token may show its board on /wall and receive its live feed, and
 * nothing else: API routes refuse it (see access.ts).
 *
 * A revocation is announced on the control channel, so the token's open screens close at once.
 *
 * When and from where a token's screen was last seen is kept beside the token (written at most
 * every 30 s per token), so the list tells screens that are still up from forgotten ones.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { BOARD_NAME } from '../../shared/boards';
import type { AuditLog } from '../audit';
import type { Keys } from '../keys';
import { announceRevocation } from './revocation';

export const KIOSK_COOKIE = 'vigil_kiosk';
/** Last-seen times are written at most this often per token. */
export const KIOSK_SEEN_EVERY_MS = 30_000;

export interface KioskInfo {
	id: string;
	name: string;
	board: string;
	createdAt: number;
	/** Who made it (`cli:root`, `user:alice`). */
	createdBy: string;
	expiresAt?: number;
	revokedAt?: number;
}

export interface KioskListed extends KioskInfo {
	state: KioskState;
	lastSeenAt?: number;
	lastIp?: string;
}

export type KioskState = 'active' | 'expired' | 'revoked';

interface Stored extends Omit<KioskInfo, 'id'> {
	hash: string;
}

/** Why a kiosk token was refused: `malformed` and `unknown` are not kiosk tokens Vigil made. */
export type KioskRefusal = 'malformed' | 'unknown' | 'revoked' | 'expired';

export type KioskAuthenticated = { ok: true; kiosk: KioskInfo } | { ok: false; reason: KioskRefusal; error: string };

const TOKEN = /^vgk_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{32})$/;

/** True when a text looks like a kiosk token (API routes refuse these with 403, not 401). */
export function isKioskToken(text: string | null | undefined): boolean {
	return !!text && /^vgk_/.test(text);
}

function sha256(text: string): string {
	return createHash('sha256').update(text).digest('hex');
}

export function kioskState(k: Pick<KioskInfo, 'expiresAt' | 'revokedAt'>, now = Date.now()): KioskState {
	if (k.revokedAt !== undefined) return 'revoked';
	if (k.expiresAt !== undefined && k.expiresAt <= now) return 'expired';
	return 'active';
}

export interface CreateKiosk {
	name: string;
	board: string;
	ttlMs?: number;
	now?: number;
}

/** Writes a kiosk token unless a live one has its name (case aside): then returns that one's id. */
const CREATE_UNIQUE = `
local all = redis.call('HGETALL', KEYS[1])
local name = string.lower(ARGV[3])
local now = tonumber(ARGV[4])
for i = 1, #all, 2 do
  local k = cjson.decode(all[i + 1])
  if type(k.name) == 'string' and string.lower(k.name) == name and k.revokedAt == nil and (k.expiresAt == nil or k.expiresAt > now) then return all[i] end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return false`;

export class KioskStore {
	/** Token id -> when its last-seen entry was written by this process. */
	private readonly seenWritten = new Map<string, number>();

	constructor(
		private readonly redis: Redis,
		private readonly keys: Keys,
		private readonly audit?: AuditLog
	) {}

	/** Makes a kiosk token; the returned secret is the only time it is visible. */
	async create(options: CreateKiosk, actor = 'system'): Promise<{ token: string; info: KioskInfo }> {
		const name = options.name.trim();
		if (!name || name.length > 100) throw new Error('name: expected 1 to 100 characters');
		if (!BOARD_NAME.test(options.board)) throw new Error(`board: expected a board name like "default", got ${JSON.stringify(options.board.slice(0, 80))}`);
		if (options.ttlMs !== undefined && !(options.ttlMs > 0)) throw new Error('expires: expected a duration above zero');
		const now = options.now ?? Date.now();
		const id = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 8);
		const secret = randomBytes(24).toString('base64url');
		const stored: Stored = { name, board: options.board, createdAt: now, createdBy: actor, hash: sha256(secret) };
		if (options.ttlMs !== undefined) stored.expiresAt = now + options.ttlMs;
		// A name is one watched screen (wall_screen_up{screen}): no two live links share it (ASCII
		// letter case aside). Checked and written by one script, so two makers at once cannot both win.
		const taken = (await this.redis.eval(CREATE_UNIQUE, 1, this.keys.auth.kiosks, id, JSON.stringify(stored), name, String(now))) as string | null;
		if (taken) throw new Error(`name: the kiosk link ${taken} is already named ${JSON.stringify(name)}; give each screen its own name (or revoke that link first)`);
		const { hash: _hash, ...rest } = stored;
		const info: KioskInfo = { id, ...rest };
		await this.audit?.record({ actor, action: 'kiosk.create', target: id, after: info });
		return { token: `vgk_${id}_${secret}`, info };
	}

	/** The live kiosk token of a secret (from the URL, the cookie or a socket handshake). */
	async authenticate(token: string | null | undefined, now = Date.now()): Promise<KioskAuthenticated> {
		const t = TOKEN.exec(token ?? '');
		if (!t) return { ok: false, reason: 'malformed', error: 'the kiosk link is malformed' };
		const json = await this.redis.hget(this.keys.auth.kiosks, t[1]!);
		const stored = json ? (JSON.parse(json) as Stored) : undefined;
		const given = Buffer.from(sha256(t[2]!), 'hex');
		const known = Buffer.from(stored?.hash ?? '0'.repeat(64), 'hex');
		if (!stored || !timingSafeEqual(given, known)) return { ok: false, reason: 'unknown', error: 'the kiosk link is not known' };
		const state = kioskState(stored, now);
		if (state !== 'active') return { ok: false, reason: state, error: `the kiosk link was ${state === 'revoked' ? 'revoked' : 'valid until ' + new Date(stored.expiresAt!).toISOString()}` };
		const { hash: _hash, ...info } = stored;
		return { ok: true, kiosk: { id: t[1]!, ...info } };
	}

	/** Notes that a token's screen was seen from an IP: written at most every 30 s per token. */
	async seen(id: string, ip: string, now = Date.now()): Promise<void> {
		const last = this.seenWritten.get(id);
		if (last !== undefined && now - last < KIOSK_SEEN_EVERY_MS) return;
		this.seenWritten.set(id, now);
		if (this.seenWritten.size > 10_000) this.seenWritten.delete(this.seenWritten.keys().next().value!);
		await this.redis.hset(this.keys.auth.kioskSeen, id, JSON.stringify({ at: now, ip: ip.slice(0, 64) }));
	}

	async list(now = Date.now()): Promise<KioskListed[]> {
		const [all, seen] = await Promise.all([this.redis.hgetall(this.keys.auth.kiosks), this.redis.hgetall(this.keys.auth.kioskSeen)]);
		return Object.entries(all)
			.map(([id, json]) => {
				const { hash: _hash, ...info } = JSON.parse(json) as Stored;
				const listed: KioskListed = { id, ...info, state: kioskState(info, now) };
				const s = seen[id] ? (JSON.parse(seen[id]) as { at: number; ip: string }) : undefined;
				if (s) Object.assign(listed, { lastSeenAt: s.at, lastIp: s.ip });
				return listed;
			})
			.sort((a, b) => a.createdAt - b.createdAt);
	}

	/** Revokes a kiosk token; false when there is no such token. */
	async revoke(id: string, actor = 'system', now = Date.now()): Promise<boolean> {
		const json = await this.redis.hget(this.keys.auth.kiosks, id);
		if (!json) return false;
		const stored = JSON.parse(json) as Stored;
		const { hash: _hash, ...before } = stored;
		if (stored.revokedAt !== undefined) return true;
		stored.revokedAt = now;
		await this.redis.hset(this.keys.auth.kiosks, id, JSON.stringify(stored));
		// Its open screens are closed at once (the live hub checks them again).
		await announceRevocation(this.redis, this.keys, { type: 'revoke', kiosk: id });
		await this.audit?.record({ actor, action: 'kiosk.revoke', target: id, before: { id, ...before }, after: { revokedAt: now } });
		return true;
	}

	/**
	 * A new token named `name` for a board, revoking any live one of that name first (its secret
	 * was shown once and cannot be shown again): the demo's kiosk link at every start.
	 */
	async replaceNamed(options: CreateKiosk, actor = 'system'): Promise<{ token: string; info: KioskInfo }> {
		const name = options.name.trim().toLowerCase();
		for (const k of await this.list()) if (k.name.toLowerCase() === name && k.state === 'active') await this.revoke(k.id, actor);
		return this.create(options, actor);
	}
}
