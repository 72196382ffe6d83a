/**
 * POST /api/v1/reload: asks every process running the collect role to read its config file again
 * and apply the collectors in it, without a restart (as SIGHUP does for one process). Needs the `config:reload`
 * permission (an engineer or admin; a token with the `reload` scope).
 */
import { json } from '@sveltejs/kit';
import { actorOf } from '$lib/server/auth';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import { postOnly } from '$lib/server/web/method';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async (event) => {
	const ctx = getContext();
	const auth = await requirePermission(event, 'config:reload');
	if (!auth.ok) return auth.response;
	const heard = await ctx.requestReload(actorOf(auth.principal));
	return json({ requested: true, processes: heard });
};

export const fallback: RequestHandler = postOnly;
