/**
 * POST /api/v1/push: stores samples sent as JSON (see src/lib/server/push.ts). Needs an API token
 * with the `push` scope. Answers with what was stored and, per refused item, its index, the field
 * and the problem.
 */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { overPushRate, requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import { readJson } from '$lib/server/web/json-body';
import { parsePush } from '$lib/server/push';
import { groupSamples } from '$lib/server/tsdb';
import { postOnly } from '$lib/server/web/method';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async (event) => {
	const { request } = event;
	const ctx = getContext();
	const auth = await requirePermission(event, 'samples:push');
	if (!auth.ok) return auth.response;
	const read = await readJson(request, z.unknown(), ctx.push.maxBodyBytes, 'samples');
	if (!read.ok) return read.response;
	const body = read.value;
	const parsed = parsePush(body, Date.now(), ctx.push.maxItems);
	if (!parsed.ok) return json({ error: parsed.error }, { status: 400 });
	const { samples, errors } = parsed.parsed;
	const refusal = overPushRate(ctx.pushRate, auth.principal, samples.length);
	if (refusal) return refusal;
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
