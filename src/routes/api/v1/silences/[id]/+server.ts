/**
 * GET /api/v1/silences/ID: one silence (any state). PUT with the body of a create: changes it (in
 * place, or, for an active silence whose matchers or start change, by expiring it and creating its
 * replacement: the answer's `replaced` names the old id). DELETE: expires it now (it stays as
 * history). Reading needs `rules:read`, changing `silences:write`; changes are audited.
 */
import { json } from '@sveltejs/kit';
import { requirePermission } from '$lib/server/web/http';
import { badId, changeBy, NO_STORE, readBody, refused, silenceStore } from '$lib/server/web/http';
import { parseSilenceInput } from '$lib/server/alerting/muting';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'rules:read');
	if (!auth.ok) return auth.response;
	const id = event.params.id;
	const silence = badId(id, 'silence') ? null : await silenceStore().get(id);
	if (!silence) return json({ error: `no silence with id ${JSON.stringify(id.slice(0, 80))}` }, { status: 404 });
	return json({ silence }, { headers: NO_STORE });
};

export const PUT: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'silences:write');
	if (!auth.ok) return auth.response;
	const wrong = badId(event.params.id, 'silence');
	if (wrong) return wrong;
	const body = await readBody(event.request);
	if (!body.ok) return body.response;
	try {
		return json(await silenceStore().update(event.params.id, parseSilenceInput(body.value), changeBy(event, auth.principal)));
	} catch (err) {
		return refused(err);
	}
};

export const DELETE: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'silences:write');
	if (!auth.ok) return auth.response;
	const wrong = badId(event.params.id, 'silence');
	if (wrong) return wrong;
	try {
		return json({ silence: await silenceStore().expire(event.params.id, changeBy(event, auth.principal)) });
	} catch (err) {
		return refused(err);
	}
};
