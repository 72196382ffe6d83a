/**
 * /login: a form action. Attempts are limited per user name and client address and per client
 * address, and slowed down per user name (auth/login-throttle.ts: nobody can lock another person
 * out); over a limit the answer is 429 with Retry-After and "try again in N s".
 */
import { fail, redirect } from '@sveltejs/kit';
import { loginDelay } from '$lib/server/auth';
import { getContext } from '$lib/server/web/context';
import { safeNext, setSessionCookie } from '$lib/server/web/login';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	if (locals.session) redirect(303, safeNext(url.searchParams.get('next')));
	const why = url.searchParams.get('why');
	return { setupNeeded: (await getContext().users.count()) === 0, why: why === 'wall' || why === 'kiosk' ? why : null };
};

export const actions: Actions = {
	default: async (event) => {
		const ctx = getContext();
		const form = await event.request.formData();
		const username = String(form.get('username') ?? '').trim().toLowerCase().slice(0, 64);
		const password = String(form.get('password') ?? '');
		if (!username || !password) return fail(400, { username, error: 'enter your user name and your password' });

		const address = event.getClientAddress();
		const gate = await ctx.loginLimits.attempt(username, address);
		if (!gate.allowed) {
			const s = Math.ceil(gate.retryAfterMs / 1000);
			event.setHeaders({ 'retry-after': String(s) });
			return fail(429, { username, error: `too many attempts: try again in ${s} s` });
		}
		await loginDelay(gate);

		const user = await ctx.users.verify(username, password);
		if (!user) {
			ctx.log.info({ user: username, ip: address, slowedMs: gate.delayMs }, 'login failed');
			return fail(400, { username, error: 'wrong user name or password' });
		}
		await ctx.loginLimits.succeeded(gate.ticket);
		const { id } = await ctx.sessions.create(user);
		setSessionCookie(event.cookies, id, event.url, ctx.sessions.absoluteMs);
		ctx.log.info({ user: user.name, ip: event.getClientAddress() }, 'logged in');
		redirect(303, safeNext(event.url.searchParams.get('next')));
	}
};
