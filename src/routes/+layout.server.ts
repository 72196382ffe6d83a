import { navFor } from '$lib/server/web/site-nav';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals }) => {
	const s = locals.session;
	return { user: s ? { name: s.user, role: s.role } : null, csrf: s?.csrf ?? null, nav: navFor(s?.role) };
};
