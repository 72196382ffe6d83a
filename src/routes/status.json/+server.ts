/**
 * GET /status.json: the public status page as JSON, without a login (the same cached model as
 * /status; times as RFC 3339 in UTC). Off (404) unless `status.enabled`; rate-limited per client
 * address (hooks.server.ts).
 */
import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/web/context';
import { statusServing } from '$lib/server/web/status-page';
import { statusJson } from '$lib/server/views/status';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async () => {
	const serving = statusServing(getContext());
	if (!serving) return json({ error: 'not found' }, { status: 404 });
	const { value } = await serving.page.get();
	return json(statusJson(value), { headers: { 'cache-control': serving.cacheControl } });
};
