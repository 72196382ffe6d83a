/**
 * POST /api/v1/incidents/ID/reopen: reopens a resolved incident (409 otherwise); it then waits for
 * a person to resolve it. `incidents:resolve`.
 */
import { postOnly } from '$lib/server/web/method';
import { incidentAction } from '../act';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = (event) => incidentAction(event, 'incidents:resolve', undefined, (store, id, by) => store.reopen(id, by));

export const fallback: RequestHandler = postOnly;
