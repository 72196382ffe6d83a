/** /wall/<board>: one board, for a login session or a kiosk cookie of that board. */
import { loadWallPage } from '$lib/server/web/wall-page';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = (event) => loadWallPage({ ...event, board: event.params.board });
