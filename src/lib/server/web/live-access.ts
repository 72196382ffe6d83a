/**
 * Who may hold a live-feed connection, and to which boards: every socket.io connection is admitted
 * by a login session (its cookie; the role must allow `wall:read`) or a kiosk token (its cookie, or
 * `auth.kiosk` in the handshake for screens that are not browsers), from this server's own origin.
 * A session sees every board; a kiosk token its own. Admitted connections are checked again later
 * (`recheck`), so a revoked token or an ended session loses its screen: at once when the revocation
 * is announced on the revocations channel (`keys.revocations`, `{"type":"revoke"}`), else at the
 * next periodic check. One client address may hold a limited number of connections at a time
 * (`AddressSlots`).
 */
import { boardExists, DEFAULT_BOARD } from '../../shared/boards';
import { liveHandshake, type LiveRefusal } from '../../shared/live';
import { KIOSK_COOKIE, type KioskStore, can, type Role, type RevokeMessage, SESSION_COOKIE, sessionHash, type SessionStore } from '../auth';

export type LiveGrant =
	| { kind: 'session'; sessionId: string; user: string; role: Role; board: string }
	| { kind: 'kiosk'; token: string; kioskId: string; kioskName: string; board: string };

export type Admission = { ok: true; grant: LiveGrant } | { ok: false; refusal: LiveRefusal };

export interface HandshakeLike {
	headers: Record<string, string | string[] | undefined>;
	auth: unknown;
	address: string;
}

export const REFUSALS = {
	unauthenticated: { reason: 'unauthenticated', message: 'log in or use a kiosk link to see the wall', retry: false },
	kiosk: { reason: 'kiosk', message: "This screen's kiosk link was revoked or expired", retry: false },
	session: { reason: 'session', message: 'your session ended: log in again', retry: false },
	board: { reason: 'board', message: 'this screen may not show that board', retry: false },
	origin: { reason: 'origin', message: 'cross-site connections are refused', retry: false },
	unavailable: { reason: 'unavailable', message: "Vigil cannot check this screen's access now (Redis is unreachable): trying again", retry: true },
	flood: { reason: 'flood', message: 'too many messages: the connection was closed', retry: true },
	limit: { reason: 'limit', message: 'too many live connections from this address: close other screens or tabs', retry: true }
} as const satisfies Record<LiveRefusal['reason'], LiveRefusal>;

/** The refusal of a connection over the per-address limit, naming the limit. */
export function limitRefusal(max: number): LiveRefusal {
	return { ...REFUSALS.limit, message: `too many live connections from this address (at most ${max} at a time): close other screens or tabs` };
}

/** Default most live connections one client address may hold at once (`server.liveConnectionsPerIp`). */
export const LIVE_CONNECTIONS_PER_IP = 50;

/**
 * Counts live connections per client address, handshakes still being checked included: `take`
 * reserves a slot (false when the address holds `max` already), the returned release gives it
 * back (once, however often it is called).
 */
export class AddressSlots {
	private readonly held = new Map<string, number>();

	constructor(readonly max: number) {}

	take(address: string): (() => void) | null {
		const n = this.held.get(address) ?? 0;
		if (n >= this.max) return null;
		this.held.set(address, n + 1);
		let released = false;
		return () => {
			if (released) return;
			released = true;
			const left = (this.held.get(address) ?? 1) - 1;
			if (left > 0) this.held.set(address, left);
			else this.held.delete(address);
		};
	}

	count(address: string): number {
		return this.held.get(address) ?? 0;
	}

	/** Addresses holding at least one slot. */
	get addresses(): number {
		return this.held.size;
	}
}

/** True when an announced revocation may concern a connection (which is then checked again). */
export function revokes(grant: LiveGrant, msg: RevokeMessage): boolean {
	if (grant.kind === 'kiosk') return 'kiosk' in msg && msg.kiosk === grant.kioskId;
	if ('user' in msg) return msg.user === grant.user;
	return 'session' in msg && msg.session === sessionHash(grant.sessionId);
}

/** The value of one cookie in a Cookie header. */
export function cookieOf(header: string | undefined, name: string): string | undefined {
	for (const part of (header ?? '').split(';')) {
		const eq = part.indexOf('=');
		if (eq > 0 && part.slice(0, eq).trim() === name) {
			try {
				return decodeURIComponent(part.slice(eq + 1).trim());
			} catch {
				return undefined;
			}
		}
	}
	return undefined;
}

function one(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value[0] : value;
}

/**
 * True when a handshake comes from this server's own pages: no Origin (not a browser: it still
 * needs a credential), or an Origin equal to the configured one, else naming the Host it came to.
 */
export function sameOrigin(origin: string | undefined, host: string | undefined, configured?: string): boolean {
	if (origin === undefined) return true;
	try {
		const o = new URL(origin);
		if (configured) return o.origin === new URL(configured).origin;
		return (o.protocol === 'http:' || o.protocol === 'https:') && host !== undefined && o.host === host;
	} catch {
		return false;
	}
}

export class LiveAccess {
	constructor(
		private readonly deps: { sessions: SessionStore; kiosks: KioskStore; origin?: string }
	) {}

	async admit(h: HandshakeLike): Promise<Admission> {
		if (!sameOrigin(one(h.headers.origin), one(h.headers.host), this.deps.origin)) return { ok: false, refusal: REFUSALS.origin };
		const auth = liveHandshake.safeParse(h.auth ?? {});
		if (!auth.success) return { ok: false, refusal: REFUSALS.unauthenticated };
		const board = auth.data.board ?? DEFAULT_BOARD;
		if (!boardExists(board)) return { ok: false, refusal: { ...REFUSALS.board, message: 'there is no such board' } };
		const cookies = one(h.headers.cookie);
		const sessionId = cookieOf(cookies, SESSION_COOKIE);
		const kiosk = auth.data.kiosk ?? cookieOf(cookies, KIOSK_COOKIE);
		try {
			if (sessionId) {
				const s = await this.deps.sessions.get(sessionId);
				if (s && can(s.role, 'wall:read')) return { ok: true, grant: { kind: 'session', sessionId, user: s.user, role: s.role, board } };
				if (!kiosk) return { ok: false, refusal: s ? { ...REFUSALS.board, message: `your role (${s.role}) may not read the wall` } : REFUSALS.session };
			}
			if (!kiosk) return { ok: false, refusal: REFUSALS.unauthenticated };
			const k = await this.deps.kiosks.authenticate(kiosk);
			if (!k.ok) return { ok: false, refusal: REFUSALS.kiosk };
			if (k.kiosk.board !== board) return { ok: false, refusal: REFUSALS.board };
			await this.deps.kiosks.seen(k.kiosk.id, h.address);
			return { ok: true, grant: { kind: 'kiosk', token: kiosk, kioskId: k.kiosk.id, kioskName: k.kiosk.name, board } };
		} catch {
			return { ok: false, refusal: REFUSALS.unavailable };
		}
	}

	/** Checks an admitted connection again: the refusal that now applies, or null (also while Redis cannot answer). */
	async recheck(grant: LiveGrant, address: string): Promise<LiveRefusal | null> {
		try {
			if (grant.kind === 'session') {
				const s = await this.deps.sessions.get(grant.sessionId);
				return s && can(s.role, 'wall:read') ? null : REFUSALS.session;
			}
			const k = await this.deps.kiosks.authenticate(grant.token);
			if (!k.ok) return REFUSALS.kiosk;
			await this.deps.kiosks.seen(k.kiosk.id, address);
			return null;
		} catch {
			return null;
		}
	}
}
