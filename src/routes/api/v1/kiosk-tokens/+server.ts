/**
 * GET /api/v1/kiosk-tokens: the kiosk links (name, board, times, last seen and IP, state; never
 * secrets). POST {name, board, expires?}: makes one and answers its URL, the only time it is shown.
 * Admins only (`tokens:admin`); changes are in the audit log.
 */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { actorOf } from '$lib/server/auth';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import { readJson } from '$lib/server/web/json-body';
import { kioskLink } from '$lib/server/web/wall-access';
import { boardExists, boardNames } from '$lib/shared/boards';
import { parseDuration } from '$lib/shared/duration';
import type { RequestHandler } from './$types';

const body = z.strictObject({ name: z.string().max(100), board: z.string().max(64), expires: z.string().max(32).optional() });

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'tokens:admin');
	if (!auth.ok) return auth.response;
	return json({ kioskTokens: await getContext().kiosks.list() });
};

export const POST: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'tokens:admin');
	if (!auth.ok) return auth.response;
	const parsed = await readJson(event.request, body);
	if (!parsed.ok) return parsed.response;
	const { name, board, expires } = parsed.value;
	if (!boardExists(board)) return json({ error: `board: expected one of ${boardNames().join(', ')}` }, { status: 400 });
	let ttlMs: number | undefined;
	if (expires !== undefined) {
		const ms = parseDuration(expires);
		if (ms === null || ms <= 0) return json({ error: 'expires: expected a duration like "90d"' }, { status: 400 });
		ttlMs = ms;
	}
	try {
		const { token, info } = await getContext().kiosks.create({ name, board, ttlMs }, actorOf(auth.principal));
		return json({ kioskToken: info, url: kioskLink(event.url.origin, info.board, token) }, { status: 201 });
	} catch (err) {
		return json({ error: (err as Error).message }, { status: 400 });
	}
};
