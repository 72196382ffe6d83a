/**
 * GET /api/v1/channels: every notification channel, masked (URLs as scheme and host, header names
 * only). Needs `rules:read`.
 * POST /api/v1/channels: creates a channel (admins: `channels:write`). Body:
 *   {"name": "ops-slack", "type": "slack" | "webhook" | "log", "url": "https://…",
 *    "headers": {"Authorization": "Bearer …"}, "sendResolved": true, "maxAlerts": 0}
 * The URL and headers are stored encrypted with VIGIL_SECRET_KEY and never shown again. A URL at an
 * address `notifications.allowPrivate` does not allow (loopback, private, link-local, in any
 * notation) is refused (400).
 */
import { json } from '@sveltejs/kit';
import { saveChannel, requirePermission } from '$lib/server/web/http';
import { channelInput, isChannelError } from '$lib/server/alerting/notify';
import { actorOf } from '$lib/server/auth';
import { getContext } from '$lib/server/web/context';
import { readJson } from '$lib/server/web/json-body';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'rules:read');
	if (!auth.ok) return auth.response;
	return json({ channels: await getContext().channels.list() });
};

export const POST: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'channels:write');
	if (!auth.ok) return auth.response;
	const body = await readJson(event.request, channelInput);
	if (!body.ok) return body.response;
	try {
		const channel = await saveChannel(getContext(), body.value, actorOf(auth.principal), 'create');
		return json({ channel }, { status: 201 });
	} catch (err) {
		if (isChannelError(err)) return json({ error: err.message }, { status: err.status });
		throw err;
	}
};
