/**
 * What the incident action routes share: the permission check, the incident id, the body, the
 * store call, and the answers (200 with the incident after the change; 400, 404 or 409 naming the
 * problem, with nothing changed).
 */
import { json, type RequestEvent } from '@sveltejs/kit';
import type { z } from 'zod';
import { incidentErrorStatus } from '$lib/server/web/http';
import { IncidentStore, parseIncidentId, type ActionBy, type Incident } from '$lib/server/alerting/incidents';
import { actorOf, type Action } from '$lib/server/auth';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import { readJson } from '$lib/server/web/json-body';

export async function incidentAction<S extends z.ZodType | undefined>(
	event: RequestEvent<{ id: string }>,
	permission: Action,
	schema: S,
	run: (store: IncidentStore, id: string, by: ActionBy, body: S extends z.ZodType ? z.output<S> : undefined) => Promise<Incident | Response>
): Promise<Response> {
	const auth = await requirePermission(event, permission);
	if (!auth.ok) return auth.response;
	let body: unknown = undefined;
	if (schema) {
		const parsed = await readJson(event.request, schema);
		if (!parsed.ok) return parsed.response;
		body = parsed.value;
	}
	const id = parseIncidentId(event.params.id);
	if (!id) return json({ error: `no incident ${JSON.stringify(event.params.id.slice(0, 80))}` }, { status: 404 });
	const ctx = getContext();
	const store = new IncidentStore(ctx.redis, ctx.keys, { audit: ctx.audit });
	try {
		const r = await run(store, id, { actor: actorOf(auth.principal), ip: event.getClientAddress() }, body as never);
		return r instanceof Response ? r : json({ incident: r });
	} catch (err) {
		const known = incidentErrorStatus(err);
		if (known) return json({ error: known.error }, { status: known.status });
		throw err;
	}
}
