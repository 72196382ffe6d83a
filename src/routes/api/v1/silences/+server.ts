/**
 * GET /api/v1/silences?state=active,pending|expired|all: silences, newest first (default: active
 * and pending). POST {matchers, startsAt?, endsAt? | duration?, comment}: makes one and answers
 * 201 {silence}. Reading needs `rules:read`, making `silences:write`; changes are audited.
 * docs/silences.md has the details and examples.
 */
import { json } from '@sveltejs/kit';
import { requirePermission } from '$lib/server/auth/access';
import { changeBy, NO_STORE, readBody, refused, silenceStore, stateQuery } from '$lib/server/alerting/silence-http';
import { parseSilenceInput, SILENCE_STATES } from '$lib/server/alerting/silences';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'rules:read');
	if (!auth.ok) return auth.response;
	const states = stateQuery(event.url, SILENCE_STATES, ['active', 'pending']);
	if (states instanceof Response) return states;
	return json({ silences: await silenceStore().list(states) }, { headers: NO_STORE });
};

export const POST: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'silences:write');
	if (!auth.ok) return auth.response;
	const body = await readBody(event.request);
	if (!body.ok) return body.response;
	try {
		const silence = await silenceStore().create(parseSilenceInput(body.value), changeBy(event, auth.principal));
		return json({ silence }, { status: 201 });
	} catch (err) {
		return refused(err);
	}
};
