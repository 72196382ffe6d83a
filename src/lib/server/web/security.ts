/**
 * Request guards of the web role that SvelteKit's hooks apply: the CSRF token of cookie sessions,
 * and the security headers of every response. (The Content-Security-Policy is SvelteKit's `kit.csp`
 * in svelte.config.js, which adds nonces to its own inline scripts.)
 */
import { timingSafeEqual } from 'node:crypto';

export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = 'csrf';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
	'x-frame-options': 'DENY',
	'x-content-type-options': 'nosniff',
	'referrer-policy': 'same-origin',
	'cross-origin-opener-policy': 'same-origin'
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * True when a request changes state and carries a valid session cookie. An Authorization header
 * does not excuse it: form actions act as the session whatever else the request carries, so a
 * request with a session cookie is always checked (API clients with a Bearer token send no cookie).
 */
export function needsCsrf(request: Request, hasSession: boolean): boolean {
	return hasSession && !SAFE_METHODS.has(request.method);
}

/** The CSRF token a request carries: the header, else the form field (the body is read from a clone). */
export async function csrfTokenOf(request: Request): Promise<string | null> {
	const header = request.headers.get(CSRF_HEADER);
	if (header) return header;
	const type = request.headers.get('content-type') ?? '';
	if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) return null;
	try {
		const value = (await request.clone().formData()).get(CSRF_FIELD);
		return typeof value === 'string' ? value : null;
	} catch {
		return null;
	}
}

export function csrfMatches(given: string | null, expected: string): boolean {
	if (!given) return false;
	const a = Buffer.from(given);
	const b = Buffer.from(expected);
	return a.length === b.length && timingSafeEqual(a, b);
}

export function setSecurityHeaders(headers: Headers): void {
	for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!headers.has(name)) headers.set(name, value);
}
