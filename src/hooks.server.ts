/**
 * Every request: the session of its cookie into `event.locals`, the CSRF check of state-changing
 * requests that ride on that session, and the security headers of the response.
 */
import type { Handle } from '@sveltejs/kit';
import { SESSION_COOKIE } from '$lib/server/auth';
import { getContext } from '$lib/server/web/context';
import { csrfMatches, csrfTokenOf, needsCsrf, setSecurityHeaders } from '$lib/server/web/security';
import { isStatusPath, statusGate } from '$lib/server/web/status-page';

function forbidden(pathname: string, message: string): Response {
	const api = pathname.startsWith('/api/');
	const body = api ? JSON.stringify({ error: message }) : message;
	const res = new Response(body, { status: 403, headers: { 'content-type': api ? 'application/json' : 'text/plain; charset=utf-8' } });
	setSecurityHeaders(res.headers);
	return res;
}

/** Adds the security headers to a response (not to immutable ones: a fetched response passed through). */
function secured(response: Response): Response {
	try {
		setSecurityHeaders(response.headers);
	} catch {
		// Immutable headers: nothing to add.
	}
	return response;
}

export const handle: Handle = async ({ event, resolve }) => {
	event.locals.session = null;
	event.locals.sessionId = null;
	// The public status page: the same for everyone (cached by proxies), so no session is read (the
	// page cannot show who is logged in, nor set a cookie); off (404) or over the address's rate (429)
	// before its route runs.
	if (isStatusPath(event.url.pathname)) {
		let address = 'unknown';
		try {
			address = event.getClientAddress();
		} catch {
			// adapter-node refuses a request without its ADDRESS_HEADER: such requests share one bucket.
		}
		const refused = statusGate(getContext(), address);
		return secured(refused ?? (await resolve(event)));
	}
	const id = event.cookies.get(SESSION_COOKIE);
	if (id) {
		const ctx = getContext();
		try {
			const session = await ctx.sessions.get(id);
			if (session) {
				event.locals.session = session;
				event.locals.sessionId = id;
			} else {
				event.cookies.delete(SESSION_COOKIE, { path: '/' });
			}
		} catch (err) {
			// Without Redis there is no session (the cookie stays: it may be valid once Redis is
			// back). Pages such as the wall still render; API calls that need one answer 401.
			ctx.log.warn({ err: (err as Error).message }, 'could not read the session: Redis is unreachable');
		}
	}
	const session = event.locals.session;
	if (session && needsCsrf(event.request, true) && !csrfMatches(await csrfTokenOf(event.request), session.csrf)) {
		return forbidden(event.url.pathname, 'the request lacks a valid CSRF token (x-csrf-token header or csrf form field): reload the page and try again');
	}
	return secured(await resolve(event));
};
