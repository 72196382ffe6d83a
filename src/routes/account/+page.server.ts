/**
 * /account: the logged-in user's own page: who they are, and a form to change their password. The
 * current password is asked (a session left open is not enough) and failures count against the
 * login limits of the user and this address; the change goes through the user store, which ends every session of the
 * user (and closes their open screens), so this browser gets a new session.
 */
import { fail, redirect } from '@sveltejs/kit';
import { loginDelay, isUserError } from '$lib/server/auth';
import { getContext } from '$lib/server/web/context';
import { setSessionCookie } from '$lib/server/web/login';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	const s = locals.session;
	if (!s) redirect(303, `/login?next=${encodeURIComponent(url.pathname)}`);
	return { me: { name: s.user, role: s.role } };
};

function field(form: FormData, name: string): string {
	const v = form.get(name);
	return typeof v === 'string' ? v.slice(0, 1024) : '';
}

export const actions: Actions = {
	password: async (event) => {
		const s = event.locals.session;
		if (!s) redirect(303, '/login?next=%2Faccount');
		const ctx = getContext();
		const form = await event.request.formData();
		const current = field(form, 'current');
		const password = field(form, 'password');
		if (!current || !password) return fail(400, { error: 'enter your current password and a new one' });
		if (password !== field(form, 'confirm')) return fail(400, { error: 'the two new passwords differ' });

		const gate = await ctx.loginLimits.attempt(s.user, event.getClientAddress());
		if (!gate.allowed) {
			const secs = Math.ceil(gate.retryAfterMs / 1000);
			event.setHeaders({ 'retry-after': String(secs) });
			return fail(429, { error: `too many attempts: try again in ${secs} s` });
		}
		await loginDelay(gate);
		const user = await ctx.users.verify(s.user, current);
		if (!user || user.id !== s.userId) {
			ctx.log.info({ user: s.user, ip: event.getClientAddress() }, 'password change refused: wrong current password');
			return fail(400, { error: 'your current password is not right' });
		}
		await ctx.loginLimits.succeeded(gate.ticket);
		try {
			await ctx.users.setPassword(user.name, password, { actor: `user:${user.name}`, ip: event.getClientAddress() });
		} catch (err) {
			if (isUserError(err)) return fail(400, { error: err.message });
			throw err;
		}
		// Every session of the user ended with the change; this browser proved the password: a new one.
		const { id } = await ctx.sessions.create(user);
		setSessionCookie(event.cookies, id, event.url, ctx.sessions.absoluteMs);
		ctx.log.info({ user: user.name, ip: event.getClientAddress() }, 'password changed');
		return { message: 'Your password was changed. Your other sessions were ended; this browser stays logged in.' };
	}
};
