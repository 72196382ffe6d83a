/**
 * POST /api/v1/tickets: stores helpdesk tickets sent as a JSON array (see
 * src/lib/server/tickets/model.ts), each as its ticket's latest state. Needs the `tickets:push`
 * permission (an engineer or admin, or a token with the `tickets` scope). The body limit, the most
 * items per request and the per-token rate are the push API's (`push.*`; a ticket counts as a
 * sample). Each refused ticket is answered with its index, field and problem, and never stops the
 * others; nothing already stored is lost (a state older than the stored one is ignored).
 */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { overPushRate, requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import { readJson } from '$lib/server/web/json-body';
import { describeError, parseTickets } from '$lib/server/tickets';
import { postOnly } from '$lib/server/web/method';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async (event) => {
	const { request } = event;
	const ctx = getContext();
	const auth = await requirePermission(event, 'tickets:push');
	if (!auth.ok) return auth.response;
	const read = await readJson(request, z.unknown(), ctx.push.maxBodyBytes, 'tickets');
	if (!read.ok) return read.response;
	const body = read.value;
	const now = Date.now();
	const parsed = parseTickets(body, now, ctx.push.maxItems);
	if (!parsed.ok) return json({ error: parsed.error }, { status: 400 });
	const { tickets, errors } = parsed;
	const refusal = overPushRate(ctx.pushRate, auth.principal, tickets.length, '; a ticket counts as a sample');
	if (refusal) return refusal;
	const stored = tickets.length ? await ctx.tickets.upsert(tickets, now) : { stored: 0, stale: 0, expired: 0 };
	const status = tickets.length === 0 && errors.length > 0 ? 400 : 200;
	return json(
		{
			accepted: stored.stored,
			// Valid tickets not stored: the store holds a later state of them (stale), or they were last
			// updated before tickets.retention (expired).
			stale: stored.stale,
			expired: stored.expired,
			refused: errors.map((e) => ({ ...e, error: describeError(e) }))
		},
		{ status }
	);
};

export const fallback: RequestHandler = postOnly;
