/**
 * GET /api/v1/channels/NAME (masked; `rules:read`), PUT /api/v1/channels/NAME (replace; a body
 * without `url`/`headers` keeps the stored ones), DELETE /api/v1/channels/NAME. Changes need
 * `channels:write` and are audited. Channels from the config file are read-only here.
 */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { channelReplacement, channelUrlProblem, isChannelError } from '$lib/server/alerting/notify';
import { actorOf } from '$lib/server/auth/access';
import { requirePermission } from '$lib/server/web/http';
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
	const body = { value: parsed.data };
	const ctx = getContext();
	const refused = body.value.url === undefined ? undefined : channelUrlProblem(body.value.url, ctx.notificationAddressPolicy);
	if (refused) return json({ error: `url: ${refused}` }, { status: 400 });
	const actor = actorOf(auth.principal);
	try {
		const { channel, before } = await ctx.channels.put(body.value, actor, Date.now(), 'replace');
		await ctx.audit.record({ actor, action: 'channel.update', target: channel.name, before, after: channel });
		return json({ channel });
	} catch (err) {
		return failure(err);
	}
};

export const DELETE: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'channels:write');
	if (!auth.ok) return auth.response;
	const ctx = getContext();
	try {
		const before = await ctx.channels.remove(event.params.name);
		await ctx.audit.record({ actor: actorOf(auth.principal), action: 'channel.delete', target: before.name, before });
		return json({ deleted: before.name });
	} catch (err) {
		return failure(err);
	}
};
