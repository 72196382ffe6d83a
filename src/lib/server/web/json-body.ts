/** Reads a small JSON request body and validates it with a schema, answering 4xx JSON when it fails. */
import { json } from '@sveltejs/kit';
import type { z } from 'zod';
import { BodyTooLargeError, readLimited } from '../http-body';

/**
 * `noun` names what the body holds ("samples"), for the refusals: "send the samples as
 * application/json", "…: send fewer samples per request".
 */
export async function readJson<T extends z.ZodType>(
	request: Request,
	schema: T,
	maxBytes = 64 * 1024,
	noun?: string
): Promise<{ ok: true; value: z.output<T> } | { ok: false; response: Response }> {
	if (!/^application\/json\b/i.test(request.headers.get('content-type') ?? '')) {
		return { ok: false, response: json({ error: `send the ${noun ?? 'body'} as application/json` }, { status: 415 }) };
	}
	let data: unknown;
	try {
		data = JSON.parse(await readLimited(request, maxBytes));
	} catch (err) {
		if (err instanceof BodyTooLargeError) return { ok: false, response: json({ error: noun ? `${err.message}: send fewer ${noun} per request` : err.message }, { status: 413 }) };
		return { ok: false, response: json({ error: `the body is not JSON: ${(err as Error).message}` }, { status: 400 }) };
	}
	const r = schema.safeParse(data);
	if (!r.success) {
		const issue = r.error.issues[0]!;
		return { ok: false, response: json({ error: `${issue.path.join('.') || 'body'}: ${issue.message}` }, { status: 400 }) };
	}
	return { ok: true, value: r.data };
}
