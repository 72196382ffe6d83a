/**
 * What every Prometheus-compatible route does: the access check (an API token or a session with
 * the action, answered in the API's envelope), then the handler, whose ApiErrors become
 * `{"status": "error", ...}` answers.
 */
import type { RequestEvent } from '@sveltejs/kit';
import { requirePermission } from './require-permission';
import type { Action } from '../../auth';
import { getContext } from '../context';
import type { QueryRunner } from '../../query-pool';
import { isEncodedAnswer, ApiError, failure, failureOf, success } from '../../prom-api';

/**
 * The token of a Basic Authorization header (any user name, the API token as the password), as a
 * Bearer header: tools that can only put credentials in the URL (`http://vigil:<token>@host/`,
 * promtool 2.42's instant, series and labels queries) or use Grafana's basic auth can still send
 * a token. Any other header is left as it is.
 */
export function bearerOf(authorization: string | null): string | null {
	const basic = authorization && /^Basic\s+(\S+)$/i.exec(authorization);
	if (!basic) return authorization;
	const text = Buffer.from(basic[1]!, 'base64').toString('utf8');
	const colon = text.indexOf(':');
	return colon < 0 ? authorization : `Bearer ${text.slice(colon + 1)}`;
}

export async function promRoute(event: RequestEvent, action: Action, handler: () => Promise<unknown>): Promise<Response> {
	const given = event.request.headers.get('authorization');
	const bearer = bearerOf(given);
	const request = bearer === given ? event.request : new Request(event.url, { headers: { authorization: bearer! } });
	const auth = await requirePermission({ request, locals: event.locals, cookies: event.cookies }, action);
	if (!auth.ok) {
		const status = auth.response.status;
		const { error } = (await auth.response.json()) as { error: string };
		const headers: Record<string, string> = {};
		const challenge = auth.response.headers.get('www-authenticate');
		if (challenge) headers['www-authenticate'] = challenge;
		return failure(status === 401 ? 'unauthorized' : 'forbidden', error, headers);
	}
	try {
		const data = await handler();
		if (isEncodedAnswer(data)) return encodedResponse(data.chunks);
		return success(data);
	} catch (err) {
		return failureOf(err);
	}
}

/** A success envelope written by the query pool, streamed chunk by chunk (one may be hundreds of MB). */
function encodedResponse(chunks: Uint8Array[]): Response {
	let next = 0;
	const body = new ReadableStream<Uint8Array>({
		pull(controller) {
			if (next < chunks.length) {
				controller.enqueue(chunks[next]!);
				// Let the written chunk go as soon as it is sent.
				chunks[next++] = new Uint8Array(0);
			} else controller.close();
		}
	});
	return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}

/** A route's answer to a method it does not serve, in the envelope. */
export function methodNotAllowed(allowed: string): (event: RequestEvent) => Response {
	return ({ request }) => {
		const res = failure('bad_data', `method ${request.method} is not allowed here; use ${allowed}`, { allow: allowed.replace(' or ', ', ') });
		return new Response(res.body, { status: 405, headers: res.headers });
	};
}

/** The process's query pool (the web role starts it). */
export function queryRunner(): QueryRunner {
	const runner = getContext().queries;
	if (!runner) throw new ApiError('unavailable', 'this process evaluates no queries: it does not run the web role');
	return runner;
}
