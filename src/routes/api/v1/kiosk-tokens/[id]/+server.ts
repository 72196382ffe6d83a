/** DELETE /api/v1/kiosk-tokens/ID: revokes a kiosk link; its screens are disconnected. Admins only. */
import { json } from '@sveltejs/kit';
import { actorOf } from '$lib/server/auth';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import type { RequestHandler } from './$types';

export const DELETE: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'tokens:admin');
	if (!auth.ok) return auth.response;
	const id = event.params.id;
	if (!(await getContext().kiosks.revoke(id, actorOf(auth.principal)))) return json({ error: `no kiosk link with id ${JSON.stringify(id.slice(0, 80))}` }, { status: 404 });
	return json({ revoked: id });
};
