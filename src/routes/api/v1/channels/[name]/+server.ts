/**
 * GET /api/v1/channels/NAME (masked; `rules:read`), PUT /api/v1/channels/NAME (replace; a body
 * without `url`/`headers` keeps the stored ones), DELETE /api/v1/channels/NAME. Changes need
 * `channels:write` and are audited. Channels from the config file are read-only here.
 */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { deleteChannel, saveChannel, requirePermission } from '$lib/server/web/http';
import { channelReplacement, isChannelError } from '$lib/server/alerting/notify';
import { actorOf } from '$lib/server/auth';
import { getContext } from '$lib/server/web/context';
import { readJson } from '$lib/server/web/json-body';
import type { RequestHandler } from './$types';

function failure(err: unknown): Response {
	if (isChannelError(err)) return json({ error: err.message }, { status: err.status });
	throw err;
}

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'rules:read');
	if (!auth.ok) return auth.response;
	const channel = await getContext().channels.get(event.params.name);
	if (!channel) return json({ error: `no channel named ${JSON.stringify(event.params.name.slice(0, 80))}` }, { status: 404 });
	return json({ channel });
};

export const PUT: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'channels:write');
	if (!auth.ok) return auth.response;
	// The name comes from the path; a body may repeat it but not change it.
	const raw = await readJson(event.request, z.record(z.string(), z.unknown()));
	if (!raw.ok) return raw.response;
	if (raw.value.name !== undefined && raw.value.name !== event.params.name) {
		return json({ error: `name: does not match the path (${event.params.name}); create a new channel to rename` }, { status: 400 });
	}
	const parsed = channelReplacement.safeParse({ ...raw.value, name: event.params.name });
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		return json({ error: `${issue.path.join('.') || 'body'}: ${issue.message}` }, { status: 400 });
	}
	try {
		const channel = await saveChannel(getContext(), parsed.data, actorOf(auth.principal), 'replace');
		return json({ channel });
	} catch (err) {
		return failure(err);
	}
};

export const DELETE: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'channels:write');
	if (!auth.ok) return auth.response;
	try {
		const before = await deleteChannel(getContext(), event.params.name, actorOf(auth.principal));
		return json({ deleted: before.name });
	} catch (err) {
		return failure(err);
	}
};
