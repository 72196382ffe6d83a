/**
 * GET /api/v1/notifications: the notification log, newest first, one entry per delivery attempt
 * (`sent`, `retry`, `failed`) and per muted decision (`muted`, with the silences and maintenance
 * windows that held the alerts back). Needs `rules:read`.
 *
 * Query: rule=<rule id>, channel=<name>, incident=<id>, outcome=sent|retry|failed|muted,
 * before=<entry id> (page back), limit (default 100, at most 1,000).
 */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { NotificationOutbox } from '$lib/server/alerting/notify';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import type { RequestHandler } from './$types';

const query = z.strictObject({
	rule: z.string().max(300).optional(),
	channel: z.string().max(64).optional(),
	incident: z.string().max(64).optional(),
	outcome: z.enum(['sent', 'retry', 'failed', 'muted']).optional(),
	before: z.string().regex(/^\d{1,16}-\d{1,16}$/, 'expected a log entry id like 1732345678901-0').optional(),
	limit: z.coerce.number().int().min(1).max(1000).optional()
});

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'rules:read');
	if (!auth.ok) return auth.response;
	const r = query.safeParse(Object.fromEntries(event.url.searchParams));
	if (!r.success) {
		const issue = r.error.issues[0]!;
		return json({ error: `${issue.path.join('.') || 'query'}: ${issue.message}` }, { status: 400 });
	}
	const ctx = getContext();
	const { entries, next } = await new NotificationOutbox(ctx.redis, ctx.keys).log(r.data);
	return json({ entries, ...(next && entries.length === (r.data.limit ?? 100) ? { next } : {}) });
};
