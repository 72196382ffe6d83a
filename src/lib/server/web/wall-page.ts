/**
 * The load of the wall's pages: `/wall` (the board `default`, or `?board=`), `/wall/<board>`, and
 * rotation, `/wall?rotate=a,b&every=30s`, which shows each board in turn (each must be one the
 * screen may open: a kiosk link covers its own board only).
 */
import { error, redirect, type Cookies } from '@sveltejs/kit';
import { wallSettings } from '../../shared/boards';
import { parseDuration } from '../../shared/duration';
import { KIOSK_COOKIE, type Session } from '../auth';
import { getContext } from './context';
import { reportSettings } from '../views/reports';
import { clearKioskCookie, decideWall, setKioskCookie } from './wall-access';

/** Rotation: at least this long per board, at most this long. */
const EVERY_MIN_MS = 5_000;
const EVERY_MAX_MS = 3_600_000;
const MAX_ROTATE = 20;

export interface WallPage {
	/** The boards shown, in turn when more than one. */
	boards: string[];
	/** How long each board is shown (ms). */
	every: number;
	/** Local time of the daily soft reload, or null. */
	reloadAt: string | null;
	/** Opened with a kiosk link (no login): no navigation, no cursor, nothing that changes state. */
	kiosk: boolean;
	/** The time zone the wall shows times in: the reports' (`reports.timeZone`), as other pages. */
	zone: string;
}

export async function loadWallPage(event: {
	url: URL;
	locals: { session: Session | null };
	cookies: Cookies;
	getClientAddress(): string;
	setHeaders(headers: Record<string, string>): void;
	board?: string;
}): Promise<WallPage> {
	const { url, cookies } = event;
	const ctx = getContext();
	const zone = reportSettings(getContext()).settings.timeZone;
	// A kiosk link must not linger in caches.
	event.setHeaders({ 'cache-control': 'no-store' });
	const rotate = event.board === undefined ? url.searchParams.get('rotate') : null;
	const asked = rotate !== null ? [...new Set(rotate.split(',').map((b) => b.trim()).filter(Boolean))] : [event.board ?? url.searchParams.get('board') ?? 'default'];
	if (asked.length === 0 || asked.length > MAX_ROTATE) error(400, `rotate: expected 1 to ${MAX_ROTATE} board names, like ?rotate=default,demo-shop`);
	const everyText = url.searchParams.get('every') ?? '30s';
	const every = parseDuration(everyText);
	if (every === null || every < EVERY_MIN_MS || every > EVERY_MAX_MS) error(400, `every: expected a duration from 5s to 1h, like 30s, got ${JSON.stringify(everyText)}`);
	// `/wall` alone names no board: a kiosk link given there goes on to its own board.
	const named = event.board !== undefined || rotate !== null || url.searchParams.has('board');
	let kiosk = false;
	for (const board of asked) {
		let d;
		try {
			d = await decideWall(ctx, { url, session: event.locals.session, kioskCookie: cookies.get(KIOSK_COOKIE), address: event.getClientAddress(), board: named ? board : undefined });
		} catch (err) {
			// Redis is unreachable: the page holds no data, so show it; its live feed is refused
			// (and retried) until the screen's credential can be checked.
			ctx.log.warn({ err: (err as Error).message }, 'could not check access to the wall: Redis is unreachable');
			return { boards: asked, every, reloadAt: wallSettings().reloadAt, kiosk: event.locals.session === null, zone };
		}
		if (d.kind === 'error') error(d.status, d.message);
		if (d.kind === 'redirect') {
			if (d.clearKiosk) clearKioskCookie(cookies);
			if (d.setKiosk) setKioskCookie(cookies, d.setKiosk.token, url, d.setKiosk.expiresAt);
			redirect(303, d.to);
		}
		if (d.by === 'kiosk') kiosk = true;
	}
	return { boards: asked, every, reloadAt: wallSettings().reloadAt, kiosk, zone };
}
