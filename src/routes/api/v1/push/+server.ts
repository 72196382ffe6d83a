/**
 * POST /api/v1/push: stores samples sent as JSON (see src/lib/server/push.ts). Needs an API token
 * with the `push` scope. Answers with what was stored and, per refused item, its index, the field
 * and the problem.
 */
import { json } from '@sveltejs/kit';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import { BodyTooLargeError, readLimited } from '$lib/server/http-body';
import { parsePush } from '$lib/server/push';
import { groupSamples } from '$lib/server/tsdb';
import { postOnly } from '$lib/server/web/method';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async (event) => {
	const { request } = event;
	const ctx = getContext();
	const auth = await requirePermission(event, 'samples:push');
	if (!auth.ok) return auth.response;
	const type = request.headers.get('content-type') ?? '';
	if (!/^application\/json\b/i.test(type)) return json({ error: 'send the samples as application/json' }, { status: 415 });
	let text: string;
	try {
		text = await readLimited(request, ctx.push.maxBodyBytes);
	} catch (err) {
		if (err instanceof BodyTooLargeError) return json({ error: `${err.message}: send fewer samples per request` }, { status: 413 });
		throw err;
	}
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch (err) {
		return json({ error: `the body is not JSON: ${(err as Error).message}` }, { status: 400 });
	}
	const parsed = parsePush(body, Date.now(), ctx.push.maxItems);
	if (!parsed.ok) return json({ error: parsed.error }, { status: 400 });
	const { samples, errors } = parsed.parsed;
	const sender = auth.principal.kind === 'token' ? `token:${auth.principal.token.id}` : `user:${auth.principal.user}`;
	const waitMs = ctx.pushRate.take(sender, samples.length);
	if (waitMs > 0) {
		const retry = Math.ceil(waitMs / 1000);
		return json(
			{ error: `over the push rate of this token (push.samplesPerSecondPerToken: ${ctx.pushRate.perSecond} samples/s, bursts of ${ctx.pushRate.burst}): nothing of this push was stored; send it again in ${retry} s, or in smaller pieces` },
			{ status: 429, headers: { 'retry-after': String(retry) } }
		);
	}
	const stored = samples.length ? await ctx.store.write(groupSamples(samples)) : undefined;
	const status = samples.length === 0 && errors.length > 0 ? 400 : 200;
	return json(
		{
			accepted: stored?.accepted ?? 0,
			refused: errors,
			// Samples the store refused, by reason (out_of_order, duplicate, too_old, invalid, cardinality,
			// series_limit, label_limit), with the problems naming the limit.
			storeRefused: stored?.rejected ?? null,
			problems: stored?.problems ?? []
		},
		{ status }
	);
};

export const fallback: RequestHandler = postOnly;
