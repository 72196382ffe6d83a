/**
 * GET /api/v1/maintenance-windows/ID: one window (any state). PUT with the body of a create:
 * changes it (in place, or, for a window that has already been open and whose matchers, time zone
 * or schedule change, by ending it now and creating its replacement: the answer's `replaced` names
 * the old id). DELETE: ends it now (it stays as history for reports). Reading needs `rules:read`,
 * changing `windows:write`; changes are audited.
 */
import { json } from '@sveltejs/kit';
import { requirePermission } from '$lib/server/web/http';
import { badId, changeBy, maintenanceStore, NO_STORE, readBody, refused } from '$lib/server/web/http';
import { parseWindowInput } from '$lib/server/alerting/muting';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'rules:read');
	if (!auth.ok) return auth.response;
	const id = event.params.id;
	const window = badId(id, 'maintenance window') ? null : await maintenanceStore().get(id);
	if (!window) return json({ error: `no maintenance window with id ${JSON.stringify(id.slice(0, 80))}` }, { status: 404 });
	return json({ window }, { headers: NO_STORE });
};

export const PUT: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'windows:write');
	if (!auth.ok) return auth.response;
	const wrong = badId(event.params.id, 'maintenance window');
	if (wrong) return wrong;
	const body = await readBody(event.request);
	if (!body.ok) return body.response;
	try {
		return json(await maintenanceStore().update(event.params.id, parseWindowInput(body.value), changeBy(event, auth.principal)));
	} catch (err) {
		return refused(err);
	}
};

export const DELETE: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'windows:write');
	if (!auth.ok) return auth.response;
	const wrong = badId(event.params.id, 'maintenance window');
	if (wrong) return wrong;
	try {
		return json({ window: await maintenanceStore().end(event.params.id, changeBy(event, auth.principal)) });
	} catch (err) {
		return refused(err);
	}
};
