/** What the login and setup pages share: the session cookie, and where to go after logging in. */
import type { Cookies } from '@sveltejs/kit';
import { SESSION_COOKIE } from '../auth';

export function setSessionCookie(cookies: Cookies, id: string, url: URL, maxAgeMs: number): void {
	cookies.set(SESSION_COOKIE, id, { path: '/', httpOnly: true, sameSite: 'lax', secure: url.protocol === 'https:', maxAge: Math.floor(maxAgeMs / 1000) });
}

/** A same-origin path to return to, or `/`. */
export function safeNext(next: string | null): string {
	return next && /^\/(?![/\\])[^\s]*$/.test(next) && next.length <= 2000 ? next : '/';
}
