/**
 * Public updates of an incident: what customers read on the public status page, apart from the
 * internal notes.
 * - GET: `{"updates": [...]}`, oldest first. `incidents:read`.
 * - POST `{"status": "investigating|identified|monitoring|resolved", "title"?: "...", "text": "..."}`:
 *   posts one (the first needs a title: the internal title is never shown to customers); answers
 *   201 `{"updates": [...]}`. `incidents:publish` (engineer, manager, admin); a session needs its
 *   CSRF token, as every incident action.
 */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { PUBLIC_STATUSES, PUBLIC_TEXT_MAX, PUBLIC_TITLE_MAX, PublicUpdateStore, IncidentNotFoundError } from '$lib/server/alerting/incidents';
import { getContext } from '$lib/server/web/context';
import { incidentAction } from '../act';
import type { RequestHandler } from './$types';

const body = z.strictObject({ status: z.enum(PUBLIC_STATUSES), title: z.string().max(PUBLIC_TITLE_MAX).optional(), text: z.string().trim().min(1).max(PUBLIC_TEXT_MAX) });

const publicUpdates = () => {
	const ctx = getContext();
	return new PublicUpdateStore(ctx.redis, ctx.keys, { audit: ctx.audit });
};

export const GET: RequestHandler = (event) =>
	incidentAction(event, 'incidents:read', undefined, async (store, id) => {
		if (!(await store.get(id))) throw new IncidentNotFoundError(`no incident INC-${id}`);
		return json({ updates: await publicUpdates().updates(id) });
	});

export const POST: RequestHandler = (event) =>
	incidentAction(event, 'incidents:publish', body, async (_store, id, by, input) => json({ updates: await publicUpdates().add(id, input, by) }, { status: 201 }));
