/**
 * /boards: every wall board (name, title, tiles), each with a link to open it and, for admins
 * (`tokens:admin`), its kiosk links: who has one, when each screen was last seen, a form to make a
 * new one for the board (its URL shown once) and revoke buttons. Needs a session whose role may
 * `wall:read`; kiosk screens have no session and are sent to the login.
 */
import { fail } from '@sveltejs/kit';
import { can } from '$lib/server/auth';
import { getContext } from '$lib/server/web/context';
import { reportSettings } from '$lib/server/views/reports';
import { boardList } from '$lib/server/web/board-list';
import { formText } from '$lib/server/web/muting-page';
import { requirePage, requirePageAction } from '$lib/server/web/pages';
import { kioskLink } from '$lib/server/web/wall-access';
import { boardExists, boardNames } from '$lib/shared/boards';
import { parseDuration } from '$lib/shared/duration';
import { formatTime } from '$lib/shared/report-format';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const me = requirePage(locals, url, 'wall:read');
	const zone = reportSettings(getContext()).settings.timeZone;
	const mayKiosk = can(me.role, 'tokens:admin');
	const kiosks = mayKiosk ? await getContext().kiosks.list() : [];
	const when = (ms: number | undefined) => (ms === undefined ? null : formatTime(ms, zone));
	return {
		me,
		zone,
		mayKiosk,
		boards: boardList().map((b) => ({
			...b,
			kiosks: kiosks
				.filter((k) => k.board === b.name)
				.sort((x, y) => (x.state === y.state ? y.createdAt - x.createdAt : x.state === 'active' ? -1 : 1))
				.map((k) => ({ id: k.id, name: k.name, state: k.state, created: when(k.createdAt), createdBy: k.createdBy, expires: when(k.expiresAt), lastSeen: when(k.lastSeenAt), lastIp: k.lastIp ?? null }))
		}))
	};
};

export const actions: Actions = {
	createKiosk: async (event) => {
		const by = await requirePageAction(event, 'tokens:admin');
		const form = await event.request.formData();
		const board = formText(form, 'board', 64);
		if (!boardExists(board)) return fail(400, { board, error: `board: expected one of ${boardNames().join(', ')}` });
		const expires = formText(form, 'expires', 32).trim();
		let ttlMs: number | undefined;
		if (expires) {
			const ms = parseDuration(expires);
			if (ms === null || ms <= 0) return fail(400, { board, error: 'expires: expected a duration like "90d", or nothing' });
			ttlMs = ms;
		}
		try {
			const { token, info } = await getContext().kiosks.create({ name: formText(form, 'name', 200), board, ttlMs }, by.actor);
			return { board, message: `Made kiosk link ${info.id} "${info.name}" for ${info.board}: open it on the screen; it is not shown again`, secret: kioskLink(event.url.origin, info.board, token) };
		} catch (err) {
			return fail(400, { board, error: (err as Error).message });
		}
	},
	revokeKiosk: async (event) => {
		const by = await requirePageAction(event, 'tokens:admin');
		const form = await event.request.formData();
		const id = formText(form, 'id', 40);
		const board = formText(form, 'board', 64);
		if (!(await getContext().kiosks.revoke(id, by.actor))) return fail(404, { board, error: `id: no kiosk link ${JSON.stringify(id)}` });
		return { board, message: `Revoked kiosk link ${id}; its screens are disconnected` };
	}
};
