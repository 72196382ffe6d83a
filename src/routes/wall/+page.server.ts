/**
 * /wall needs a login session or a kiosk cookie of its board; anyone else goes to /login with a
 * hint. `/wall?kiosk=<token>` trades a kiosk link for the cookie and comes back without it.
 */
import { error, redirect } from '@sveltejs/kit';
import { KIOSK_COOKIE } from '$lib/server/auth/kiosk';
import { getContext } from '$lib/server/context';
import { clearKioskCookie, decideWall, setKioskCookie } from '$lib/server/web/wall-access';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ url, locals, cookies, getClientAddress, setHeaders }) => {
	const ctx = getContext();
	// A kiosk link must not linger in caches.
	setHeaders({ 'cache-control': 'no-store' });
	let d;
	try {
		d = await decideWall(ctx, { url, session: locals.session, kioskCookie: cookies.get(KIOSK_COOKIE), address: getClientAddress() });
	} catch (err) {
		// Redis is unreachable: the page holds no data, so show it; its live feed is refused
		// (and retried) until the screen's credential can be checked.
		ctx.log.warn({ err: (err as Error).message }, 'could not check access to the wall: Redis is unreachable');
		return { board: url.searchParams.get('board') ?? 'default' };
	}
	if (d.kind === 'error') error(d.status, d.message);
	if (d.kind === 'redirect') {
		if (d.clearKiosk) clearKioskCookie(cookies);
		if (d.setKiosk) setKioskCookie(cookies, d.setKiosk.token, url, d.setKiosk.expiresAt);
		redirect(303, d.to);
	}
	return { board: d.board };
};
