/**
 * POST /api/v1/channels/NAME/test: sends one test notification to the channel now and answers
 * what the receiver said (`channels:write`). The test goes straight to the channel, not through
 * routes, silences or the outbox, and is written to the notification log.
 */
import { json } from '@sveltejs/kit';
import { randomUUID } from 'node:crypto';
import { isChannelError, deliver, attemptEntry, NotificationOutbox, type Notification, isSecretKeyError } from '$lib/server/alerting/notify';
import { actorOf } from '$lib/server/auth/access';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import { postOnly } from '$lib/server/web/method';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'channels:write');
	if (!auth.ok) return auth.response;
	const ctx = getContext();
	let channel;
	try {
		channel = await ctx.channels.resolve(event.params.name);
	} catch (err) {
		if (isChannelError(err)) return json({ error: err.message }, { status: err.status });
		if (isSecretKeyError(err)) return json({ error: err.message }, { status: 409 });
		throw err;
	}
	const now = Date.now();
	const key = randomUUID();
	const actor = actorOf(auth.principal);
	const n: Notification = {
		id: key,
		idempotencyKey: key,
		groupKey: 'test',
		routeId: 'test',
		receiver: channel.name,
		status: 'firing',
		groupLabels: { alertname: 'VigilTestNotification' },
		alerts: [
			{
				status: 'firing',
				ruleId: 'test/VigilTestNotification',
				fingerprint: 'test',
				labels: { alertname: 'VigilTestNotification', severity: 'info' },
				annotations: { summary: `Test notification from Vigil, sent by ${actor}` },
				startsAt: now
			}
		],
		incidentIds: [],
		createdAt: now,
		deadline: now + 10_000,
		attempts: 0
	};
	const origin = ctx.notificationExternalUrl;
	const result = await deliver(n, channel, { timeoutMs: 10_000, log: ctx.log, externalUrl: origin, addressPolicy: ctx.notificationAddressPolicy });
	await new NotificationOutbox(ctx.redis, ctx.keys.alerts)
		.logOnly(attemptEntry(n, { outcome: result.ok ? 'sent' : 'failed', attempt: 1, at: Date.now(), durationMs: result.durationMs, ...(result.status !== undefined ? { status: result.status } : {}), ...(result.error ? { error: result.error } : {}) }))
		.catch(() => {});
	await ctx.audit.record({ actor, action: 'channel.test', target: channel.name, after: { ok: result.ok, status: result.status, error: result.error } });
	return json({ ok: result.ok, status: result.status, error: result.error, durationMs: result.durationMs, idempotencyKey: key }, { status: result.ok ? 200 : 502 });
};

export const fallback: RequestHandler = postOnly;
