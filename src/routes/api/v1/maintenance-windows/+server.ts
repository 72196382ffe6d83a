/**
 * GET /api/v1/maintenance-windows?state=active,scheduled|ended|all: windows, newest first, each with
 * `activeNow`, `current` and `next` (default: active and scheduled). POST {name, matchers,
 * timeZone, schedule, comment?}: makes one and answers 201 {window}. Reading needs `rules:read`,
 * making `windows:write`; changes are audited. docs/silences.md has the details and examples.
 */
import { json } from '@sveltejs/kit';
import { requirePermission } from '$lib/server/web/http';
import { changeBy, maintenanceStore, NO_STORE, readBody, refused, stateQuery } from '$lib/server/web/http';
import { parseWindowInput, WINDOW_STATES } from '$lib/server/alerting/muting';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'rules:read');
	if (!auth.ok) return auth.response;
	const states = stateQuery(event.url, WINDOW_STATES, ['active', 'scheduled']);
	if (states instanceof Response) return states;
	return json({ windows: await maintenanceStore().list(states) }, { headers: NO_STORE });
};

export const POST: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'windows:write');
	if (!auth.ok) return auth.response;
	const body = await readBody(event.request);
	if (!body.ok) return body.response;
	try {
		const window = await maintenanceStore().create(parseWindowInput(body.value), changeBy(event, auth.principal));
		return json({ window }, { status: 201 });
	} catch (err) {
		return refused(err);
	}
};
