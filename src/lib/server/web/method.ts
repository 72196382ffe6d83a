/** Answers for API routes asked with a method they do not serve: 405 JSON naming the ones they do. */
import { json, type RequestEvent } from '@sveltejs/kit';

/** A route's `fallback` handler for routes that serve POST only. */
export function postOnly({ request }: Pick<RequestEvent, 'request'>): Response {
	return json({ error: `method ${request.method} is not allowed here; use POST` }, { status: 405, headers: { allow: 'POST' } });
}
