/**
 * GET /api/v1/silences?state=active,pending|expired|all&filter=…&limit=&offset=: silences, newest
 * first (default: active and pending), `{silences, total}`; `filter` (repeatable) keeps those whose
 * matchers the filter matches, as Alertmanager's does. POST {matchers, startsAt?, endsAt? |
 * duration?, comment}: makes one and answers 201 {silence}. Reading needs `rules:read`, making
 * `silences:write`; changes are audited. docs/silences.md has the details and examples.
 */
import { json } from '@sveltejs/kit';
import { requirePermission } from '$lib/server/web/http';
import { parseFilterMatchers, parseSilenceInput, silenceFilter, SILENCE_STATES } from '$lib/server/alerting/muting';
import { changeBy, NO_STORE, pageQuery, readBody, refused, silenceStore, stateQuery } from '$lib/server/web/http';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'rules:read');
	if (!auth.ok) return auth.response;
	const states = stateQuery(event.url, SILENCE_STATES, ['active', 'pending']);
	if (states instanceof Response) return states;
	const page = pageQuery(event.url);
	if (page instanceof Response) return page;
	let keep: ReturnType<typeof silenceFilter>;
	try {
		keep = silenceFilter(event.url.searchParams.getAll('filter').flatMap((text, i) => parseFilterMatchers(text, `filter[${i}]`)));
	} catch (err) {
		return refused(err);
	}
	const all = (await silenceStore().list(states)).filter(keep);
	return json({ silences: all.slice(page.offset, page.offset + page.limit), total: all.length }, { headers: NO_STORE });
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
