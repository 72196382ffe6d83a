/**
 * /status: the public status page, for customers, without a login (hooks.server.ts reads no session
 * for it, refuses it when `status.enabled` is off and limits each client address). What it shows is
 * the cached public model (views/status) and nothing else: no navigation, no session, no internal
 * names. Rendered on the server only (no scripts, nothing serialized for hydration).
 */
import { error } from '@sveltejs/kit';
import { getContext } from '$lib/server/web/context';
import { statusServing } from '$lib/server/web/status-page';
import type { PageServerLoad } from './$types';

export const csr = false;

export const load: PageServerLoad = async ({ setHeaders }) => {
	const serving = statusServing(getContext());
	if (!serving) error(404, 'Not found');
	const { value } = await serving.page.get();
	setHeaders({ 'cache-control': serving.cacheControl });
	return { status: value, refreshSeconds: Math.max(60, serving.settings.cacheSeconds) };
};
