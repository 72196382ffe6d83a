/**
 * Who may open /wall: a login session whose role reads the wall (any board), or a kiosk cookie of
 * the board asked for. A kiosk link is traded for that cookie once, and the screen is sent on to
 * its board's page without the token, so it stays out of history and Referer. Kiosk links are
 * `/wall/<board>?token=<token>` (that board only: another board's page refuses the token) or the
 * older `/wall?kiosk=<token>` (sent on to the token's board).
 */
import type { Cookies } from '@sveltejs/kit';
import { boardExists, DEFAULT_BOARD } from '../../shared/boards';
import { KIOSK_COOKIE, type KioskStore, can, type Session } from '../auth';

/** Longest a kiosk cookie lives (browsers cap cookies near 400 days); the token's expiry ends it sooner. */
const KIOSK_COOKIE_MAX_S = 400 * 86400;

export type WallDecision =
	| { kind: 'show'; board: string; by: 'session' | 'kiosk' }
	/** Go elsewhere; `clearKiosk` when the kiosk cookie is no good. */
	| { kind: 'redirect'; to: string; clearKiosk?: boolean; setKiosk?: { token: string; expiresAt?: number } }
	| { kind: 'error'; status: 403 | 404; message: string };

/** The page of a board: `/wall` for `default`, else `/wall/<board>`. */
export function wallPath(board: string): string {
	return board === DEFAULT_BOARD ? '/wall' : `/wall/${encodeURIComponent(board)}`;
}

/** Where a screen without a way in is sent: the login page, saying why. */
export function loginFor(why: 'wall' | 'kiosk', board: string): string {
	const next = wallPath(board);
	return `/login?next=${encodeURIComponent(next)}&why=${why}`;
}

/** The URL a kiosk token is handed out as: `<origin>/wall/<board>?token=…` (`/wall?token=…` for `default`). */
export function kioskLink(origin: string, board: string, token: string): string {
	return `${origin}${wallPath(board)}?token=${encodeURIComponent(token)}`;
}

export async function decideWall(
	deps: { kiosks: KioskStore },
	/** `board`: from the path (`/wall/<board>`); else `?board=`, else `default`. */
	request: { url: URL; session: Session | null; kioskCookie: string | undefined; address: string; board?: string }
): Promise<WallDecision> {
	const { url, session } = request;
	// `?token=` (the kiosk URL) or `?kiosk=` (older links): the token's own board only, when a board is named.
	const link = url.searchParams.get('token') ?? url.searchParams.get('kiosk');
	if (link !== null) {
		const named = request.board ?? url.searchParams.get('board') ?? undefined;
		const k = await deps.kiosks.authenticate(link);
		if (!k.ok) return { kind: 'redirect', to: loginFor('kiosk', named ?? DEFAULT_BOARD), clearKiosk: true };
		if (named !== undefined && k.kiosk.board !== named) return { kind: 'error', status: 403, message: 'this kiosk link shows another board' };
		await deps.kiosks.seen(k.kiosk.id, request.address);
		const to = wallPath(k.kiosk.board);
		return { kind: 'redirect', to, setKiosk: { token: link, expiresAt: k.kiosk.expiresAt } };
	}
	const board = request.board ?? url.searchParams.get('board') ?? DEFAULT_BOARD;
	if (!boardExists(board)) return { kind: 'error', status: 404, message: 'there is no such board' };
	if (session && can(session.role, 'wall:read')) return { kind: 'show', board, by: 'session' };
	if (!request.kioskCookie) return { kind: 'redirect', to: loginFor('wall', board) };
	const k = await deps.kiosks.authenticate(request.kioskCookie);
	if (!k.ok) return { kind: 'redirect', to: loginFor('kiosk', board), clearKiosk: true };
	if (k.kiosk.board !== board) return { kind: 'error', status: 403, message: "this screen's kiosk link shows another board" };
	await deps.kiosks.seen(k.kiosk.id, request.address);
	return { kind: 'show', board, by: 'kiosk' };
}

export function setKioskCookie(cookies: Cookies, token: string, url: URL, expiresAt: number | undefined, now = Date.now()): void {
	const maxAge = expiresAt === undefined ? KIOSK_COOKIE_MAX_S : Math.max(1, Math.min(KIOSK_COOKIE_MAX_S, Math.floor((expiresAt - now) / 1000)));
	cookies.set(KIOSK_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: url.protocol === 'https:', maxAge });
}

export function clearKioskCookie(cookies: Cookies): void {
	cookies.delete(KIOSK_COOKIE, { path: '/' });
}
