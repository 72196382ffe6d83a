/**
 * The checks of the admin page (/admin): the page needs a login session whose role may administer
 * users, tokens and the audit log; each form action checks its own action through `authorize`, as
 * the API routes do (the CSRF token of the session is checked before, in hooks), and names its
 * actor for the audit log.
 */
import { error, redirect } from '@sveltejs/kit';
import { actorOf, authorize, can, type Action, type ChangeContext } from '../auth';
import { getContext } from './context';

/** What the admin page needs, every one of them. */
export const ADMIN_PAGE_ACTIONS: readonly Action[] = ['users:admin', 'tokens:admin', 'audit:read'];

/** Sends nobody to the login page and refuses (403) a session whose role is not an admin's. */
export function requireAdminPage(locals: App.Locals, path = '/admin'): { user: string } {
	const s = locals.session;
	if (!s) redirect(303, `/login?next=${encodeURIComponent(path)}`);
	const missing = ADMIN_PAGE_ACTIONS.find((a) => !can(s.role, a));
	if (missing) error(403, `your role (${s.role}) may not ${missing}: the admin page is for admins`);
	return { user: s.user };
}

/** The audit actor of a form action allowed `action`; else the action ends with 401 or 403. */
export async function requireAdminAction(
	event: { request: Request; locals: App.Locals; getClientAddress(): string },
	action: Action
): Promise<ChangeContext> {
	const r = await authorize(getContext(), { authorization: event.request.headers.get('authorization'), session: event.locals.session }, action);
	if (!r.ok) error(r.status, r.error);
	return { actor: actorOf(r.principal), ip: event.getClientAddress() };
}
