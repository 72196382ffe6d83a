/** POST /api/v1/incidents/ID/acknowledge: acknowledges an open incident (409 when it is acknowledged or resolved). `incidents:ack`. */
import { postOnly } from '$lib/server/web/method';
import { incidentAction } from '../act';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = (event) => incidentAction(event, 'incidents:ack', undefined, (store, id, by) => store.acknowledge(id, by));

export const fallback: RequestHandler = postOnly;
