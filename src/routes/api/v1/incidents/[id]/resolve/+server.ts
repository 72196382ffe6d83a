/**
 * POST /api/v1/incidents/ID/resolve: resolves an incident by hand (409 when it is resolved). It
 * stays resolved while its alerts fire; a new firing reopens it. `incidents:resolve`.
 */
import { postOnly } from '$lib/server/web/method';
import { incidentAction } from '../act';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = (event) => incidentAction(event, 'incidents:resolve', undefined, (store, id, by) => store.resolve(id, by));

export const fallback: RequestHandler = postOnly;
