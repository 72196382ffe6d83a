/**
 * The checks of the incident and report pages: a page needs a login session whose role may do
 * one action (else /login, or 403); a form action checks its own action through `authorize`, as
 * the API routes do (the session's CSRF token is checked before, in hooks), and names its actor.
 */
import { error, redirect } from '@sveltejs/kit';
import { actorOf, authorize, can, type Action, type Role } from '../auth';
import { getContext } from './context';

/** Sends nobody to the login page and refuses (403) a role that may not `action`. */
export function requirePage(locals: App.Locals, url: URL, action: Action): { user: string; role: Role } {
	const s = locals.session;
	if (!s) redirect(303, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
	if (!can(s.role, action)) error(403, `your role (${s.role}) may not ${action}`);
	return { user: s.user, role: s.role };
}

/** The actor of a form action allowed `action`; else the action ends with 401 or 403. */
export async function requirePageAction(event: { request: Request; locals: App.Locals; getClientAddress(): string }, action: Action): Promise<{ actor: string; ip: string }> {
	const r = await authorize(getContext(), { authorization: event.request.headers.get('authorization'), session: event.locals.session }, action);
	if (!r.ok) error(r.status, r.error);
	return { actor: actorOf(r.principal), ip: event.getClientAddress() };
}
