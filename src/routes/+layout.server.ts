import { navFor } from '$lib/server/web/site-nav';
import { can } from '$lib/server/auth';
import type { LayoutServerLoad } from './$types';

/**
 * Who is logged in, and which pages their role may open (links to the others are not shown: the
 * home page, page headers and error pages list only these). Nobody logged in: every page, as each
 * sends to the login page. The public status page gets none of it.
 */
export const load: LayoutServerLoad = ({ locals, url }) => {
	// The public status page shows nothing of anyone (hooks read no session for it anyway).
	const s = url.pathname === '/status' || url.pathname.startsWith('/status/') ? null : locals.session;
	const may = (action: Parameters<typeof can>[1]) => (s ? can(s.role, action) : true);
	return {
		user: s ? { name: s.user, role: s.role } : null,
		csrf: s?.csrf ?? null,
		may: { wall: may('wall:read'), rules: may('rules:read'), incidents: may('incidents:read'), reports: may('reports:read'), admin: s ? can(s.role, 'users:admin') : false },
		nav: navFor(s?.role)
	};
};
