/**
 * POST /api/v1/tickets: stores helpdesk tickets sent as a JSON array (see
 * src/lib/server/tickets/model.ts), each as its ticket's latest state. Needs the `tickets:push`
 * permission (an engineer or admin, or a token with the `tickets` scope). The body limit, the most
 * items per request and the per-token rate are the push API's (`push.*`; a ticket counts as a
 * sample). Each refused ticket is answered with its index, field and problem, and never stops the
 * others; nothing already stored is lost (a state older than the stored one is ignored).
 */
import { json } from '@sveltejs/kit';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import { BodyTooLargeError, readLimited } from '$lib/server/http-body';
import { describeError, parseTickets } from '$lib/server/tickets';
import { postOnly } from '$lib/server/web/method';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async (event) => {
	const { request } = event;
	const ctx = getContext();
	const auth = await requirePermission(event, 'tickets:push');
	if (!auth.ok) return auth.response;
	const type = request.headers.get('content-type') ?? '';
	if (!/^application\/json\b/i.test(type)) return json({ error: 'send the tickets as application/json' }, { status: 415 });
	let text: string;
	try {
		text = await readLimited(request, ctx.push.maxBodyBytes);
	} catch (err) {
		if (err instanceof BodyTooLargeError) return json({ error: `${err.message}: send fewer tickets per request` }, { status: 413 });
		throw err;
	}
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch (err) {
		return json({ error: `the body is not JSON: ${(err as Error).message}` }, { status: 400 });
	}
	const now = Date.now();
	const parsed = parseTickets(body, now, ctx.push.maxItems);
	if (!parsed.ok) return json({ error: parsed.error }, { status: 400 });
	const { tickets, errors } = parsed;
	const sender = auth.principal.kind === 'token' ? `token:${auth.principal.token.id}` : `user:${auth.principal.user}`;
	const waitMs = ctx.pushRate.take(sender, tickets.length);
	if (waitMs > 0) {
		const retry = Math.ceil(waitMs / 1000);
		return json(
			{ error: `over the push rate of this token (push.samplesPerSecondPerToken: ${ctx.pushRate.perSecond}/s, bursts of ${ctx.pushRate.burst}; a ticket counts as a sample): nothing of this push was stored; send it again in ${retry} s, or in smaller pieces` },
			{ status: 429, headers: { 'retry-after': String(retry) } }
		);
	}
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
