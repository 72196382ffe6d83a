/**
 * POST /api/v1/channels/NAME/test: sends one test notification to the channel now and answers
 * what the receiver said (`channels:write`). The test goes straight to the channel, not through
 * routes, silences or the outbox, and is written to the notification log.
 */
import { json } from '@sveltejs/kit';
import { sendTestNotification, requirePermission } from '$lib/server/web/http';
import { isChannelError } from '$lib/server/alerting/notify';
import { actorOf } from '$lib/server/auth';
import { getContext } from '$lib/server/web/context';
import { postOnly } from '$lib/server/web/method';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'channels:write');
	if (!auth.ok) return auth.response;
	try {
		const r = await sendTestNotification(getContext(), event.params.name, actorOf(auth.principal));
		return json({ ok: r.ok, status: r.status, error: r.error, durationMs: r.durationMs, idempotencyKey: r.idempotencyKey }, { status: r.ok ? 200 : 502 });
	} catch (err) {
		if (isChannelError(err)) return json({ error: err.message }, { status: err.status });
		throw err;
	}
};

export const fallback: RequestHandler = postOnly;
