/**
 * /wall needs a login session or a kiosk cookie of its board; anyone else goes to /login with a
 * hint. `/wall?token=<token>` (or `?kiosk=`) trades a kiosk link for the cookie and comes back without it.
 * `/wall?rotate=a,b&every=30s` shows boards in turn.
 */
import { loadWallPage } from '$lib/server/web/wall-page';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = (event) => loadWallPage(event);
