/**
 * /setup?token=...: while no user exists, the one-time link Vigil prints at start makes the first
 * admin and logs them in. The token is consumed by the first success; after that the page only
 * points to /login.
 */
import { fail, redirect } from '@sveltejs/kit';
import { passwordProblem, isUserError, normalizeUserName } from '$lib/server/auth';
import { getContext } from '$lib/server/web/context';
import { setSessionCookie } from '$lib/server/web/login';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ url }) => {
	const ctx = getContext();
	if ((await ctx.users.count()) > 0) return { state: 'done' as const };
	const token = url.searchParams.get('token');
	return { state: (await ctx.setup.valid(token)) ? ('open' as const) : ('invalid' as const), token: token ?? '' };
};

export const actions: Actions = {
	default: async (event) => {
		const ctx = getContext();
		const form = await event.request.formData();
		const token = String(form.get('token') ?? '');
		const rawName = String(form.get('username') ?? '');
		const password = String(form.get('password') ?? '');
		const again = String(form.get('password2') ?? '');
		let name: string;
		try {
			name = normalizeUserName(rawName);
		} catch (err) {
			return fail(400, { username: rawName, error: (err as Error).message });
		}
		const problem = passwordProblem(password) ?? (password !== again ? 'the two passwords differ' : null);
		if (problem) return fail(400, { username: name, error: problem });
		if ((await ctx.users.count()) > 0) return fail(409, { username: name, error: 'Vigil is set up already: log in instead' });
		if (!(await ctx.setup.consume(token))) return fail(403, { username: name, error: 'this setup link is used up or has expired: restart Vigil for a new one' });
		let user;
		try {
			user = await ctx.users.add({ name, role: 'admin', password }, { actor: 'setup', ip: event.getClientAddress() });
		} catch (err) {
			if (isUserError(err)) return fail(400, { username: name, error: err.message });
			throw err;
		}
		const { id } = await ctx.sessions.create(user);
		setSessionCookie(event.cookies, id, event.url, ctx.sessions.absoluteMs);
		ctx.log.info({ user: user.name }, 'first admin made through the setup link');
		redirect(303, '/');
	}
};
