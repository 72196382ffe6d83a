/**
 * /wall/<board>: one board, for a login session or a kiosk cookie of that board. The kiosk URL
 * `/wall/<board>?token=<token>` trades a kiosk token of this board (only) for the cookie.
 */
import { loadWallPage } from '$lib/server/web/wall-page';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = (event) => loadWallPage({ ...event, board: event.params.board });
