/** The access check of the API routes, over the running process's token and user stores. */
import { json } from '@sveltejs/kit';
import { authorize, KIOSK_REFUSED, type Principal, KIOSK_COOKIE, type Action } from '../../auth';
import { getContext } from '../context';

/**
 * The one check of every API route: `const auth = await requirePermission(event, 'samples:push');
 * if (!auth.ok) return auth.response;`.
 */
export async function requirePermission(
	event: { request: Request; locals: App.Locals; cookies: { get(name: string): string | undefined } },
	action: Action
): Promise<{ ok: true; principal: Principal } | { ok: false; response: Response }> {
	const ctx = getContext();
	// A screen's kiosk cookie is no credential here: it is refused, not taken for "nobody".
	if (!event.locals.session && !event.request.headers.has('authorization') && event.cookies.get(KIOSK_COOKIE)) {
		return { ok: false, response: json({ error: KIOSK_REFUSED }, { status: 403 }) };
	}
	const r = await authorize(ctx, { authorization: event.request.headers.get('authorization'), session: event.locals.session }, action);
	if (r.ok) return r;
	return { ok: false, response: json({ error: r.error }, { status: r.status, headers: r.status === 401 ? { 'www-authenticate': 'Bearer realm="vigil"' } : {} }) };
}
