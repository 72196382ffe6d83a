/** POST /api/v1/incidents/ID/notes {"text": "..."} (up to 10,000 characters): adds a note to the timeline. `incidents:note`. */
import { z } from 'zod';
import { NOTE_MAX } from '$lib/server/alerting/incidents';
import { postOnly } from '$lib/server/web/method';
import { incidentAction } from '../act';
import type { RequestHandler } from './$types';

const body = z.strictObject({ text: z.string().trim().min(1).max(NOTE_MAX) });

export const POST: RequestHandler = (event) => incidentAction(event, 'incidents:note', body, (store, id, by, { text }) => store.addNote(id, text, by));

export const fallback: RequestHandler = postOnly;
