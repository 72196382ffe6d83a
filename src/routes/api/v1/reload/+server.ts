/**
 * POST /api/v1/reload: asks every process running the collect role to read its config file again
 * and apply the collectors in it, without a restart (as SIGHUP does for one process). Needs an API
 * token with the `reload` scope.
 */
import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async ({ request }) => {
	const ctx = getContext();
	const auth = await ctx.tokens.verify(request.headers.get('authorization'), 'reload');
	if (!auth.ok) return json({ error: auth.error }, { status: auth.status });
	const heard = await ctx.requestReload(`token ${auth.token.name}`);
	return json({ requested: true, processes: heard });
};
