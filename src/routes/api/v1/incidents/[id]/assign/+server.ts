/** POST /api/v1/incidents/ID/assign {"owner": "alice"} (a user name; null unassigns): sets the owner. `incidents:assign`. */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getContext } from '$lib/server/web/context';
import { postOnly } from '$lib/server/web/method';
import { incidentAction } from '../act';
import type { RequestHandler } from './$types';

const body = z.strictObject({ owner: z.string().min(1).max(100).nullable() });

export const POST: RequestHandler = (event) =>
	incidentAction(event, 'incidents:assign', body, async (store, id, by, { owner }) => {
		if (owner === null) return store.assign(id, null, by);
		const user = await getContext().users.get(owner);
		if (!user) return json({ error: `owner: no user named ${JSON.stringify(owner.slice(0, 80))}` }, { status: 400 });
		return store.assign(id, user.name, by);
	});

export const fallback: RequestHandler = postOnly;
