/**
 * GET /api/v1/notifications/pending: notifications decided but not yet delivered (the outbox), by
 * next attempt, with their attempt count and deadline. Needs `rules:read`.
 */
import { json } from '@sveltejs/kit';
import { NotificationOutbox, notificationSummary } from '$lib/server/alerting/notify';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'rules:read');
	if (!auth.ok) return auth.response;
	const ctx = getContext();
	const pending = await new NotificationOutbox(ctx.redis, ctx.keys).pending();
	return json({
		pending: pending.map((n) => ({
			id: n.id,
			idempotencyKey: n.idempotencyKey,
			channel: n.receiver,
			groupKey: n.groupKey,
			...notificationSummary(n),
			incidentIds: n.incidentIds,
			attempts: n.attempts,
			createdAt: n.createdAt,
			deadline: n.deadline,
			nextAttemptAt: n.nextAttemptAt
		}))
	});
};
