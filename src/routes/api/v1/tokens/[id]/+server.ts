/** DELETE /api/v1/tokens/ID: revokes an API token at once. Admins only (`tokens:admin`). */
import { json } from '@sveltejs/kit';
import { actorOf } from '$lib/server/auth';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import type { RequestHandler } from './$types';

export const DELETE: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'tokens:admin');
	if (!auth.ok) return auth.response;
	const id = event.params.id;
	if (!(await getContext().tokens.revoke(id, actorOf(auth.principal)))) return json({ error: `no API token with id ${JSON.stringify(id.slice(0, 80))}` }, { status: 404 });
	return json({ revoked: id });
};
