/**
 * /login: a form action. Failed attempts are limited per user name and per client IP (a sliding
 * window in Redis); over the limit the answer is 429 with Retry-After and "try again in N s".
 */
import { fail, redirect } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
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

		const ipKey = ctx.keys.auth.attempts('ip', event.getClientAddress());
		const userKey = ctx.keys.auth.attempts('user', username);
		const tooMany = (ms: number) => {
			const s = Math.ceil(ms / 1000);
			event.setHeaders({ 'retry-after': String(s) });
			return fail(429, { username, error: `too many attempts: try again in ${s} s` });
		};
		const byIp = await ctx.loginLimits.ip.attempt(ipKey);
		if (!byIp.allowed) return tooMany(byIp.retryAfterMs);
		const byUser = await ctx.loginLimits.user.attempt(userKey);
		if (!byUser.allowed) return tooMany(byUser.retryAfterMs);

		const user = await ctx.users.verify(username, password);
		if (!user) {
			ctx.log.info({ user: username, ip: event.getClientAddress() }, 'login failed');
			return fail(400, { username, error: 'wrong user name or password' });
		}
		await Promise.all([ctx.loginLimits.user.reset(userKey), ctx.loginLimits.ip.forget(ipKey, byIp.member)]);
		const { id } = await ctx.sessions.create(user);
		setSessionCookie(event.cookies, id, event.url, ctx.sessions.absoluteMs);
		ctx.log.info({ user: user.name, ip: event.getClientAddress() }, 'logged in');
		redirect(303, safeNext(event.url.searchParams.get('next')));
	}
};
