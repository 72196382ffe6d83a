/**
 * POST /api/v1/silences/preview {matchers, startsAt?, endsAt? | duration?}: which current alerts the
 * silence would match, and the span and state it would have; nothing is written. Needs `rules:read`.
 */
import { json } from '@sveltejs/kit';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import { NO_STORE, readBody, refused } from '$lib/server/web/http';
import { previewSilence } from '$lib/server/alerting/muting';
import { postOnly } from '$lib/server/web/method';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'rules:read');
	if (!auth.ok) return auth.response;
	const body = await readBody(event.request);
	if (!body.ok) return body.response;
	const ctx = getContext();
	try {
		return json(await previewSilence(ctx.redis, ctx.keys, body.value, Date.now()), { headers: NO_STORE });
	} catch (err) {
		return refused(err);
	}
};

export const fallback: RequestHandler = postOnly;
