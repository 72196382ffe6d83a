/**
 * The site's navigation: every page a person opens, and the action its load needs, so a role is
 * shown only the pages it may open (the load checks the same action again). Kiosk screens have no
 * session and get no navigation.
 */
import { can, type Action, type Role } from '../auth';

export interface NavLink {
	href: string;
	label: string;
}

const PAGES: ReadonlyArray<NavLink & { needs: Action }> = [
	{ href: '/wall', label: 'Wall', needs: 'wall:read' },
	{ href: '/boards', label: 'Boards', needs: 'wall:read' },
	{ href: '/rules', label: 'Rules', needs: 'rules:read' },
	{ href: '/incidents', label: 'Incidents', needs: 'incidents:read' },
	{ href: '/silences', label: 'Silences', needs: 'rules:read' },
	{ href: '/maintenance', label: 'Maintenance', needs: 'rules:read' },
	{ href: '/notifications', label: 'Notifications', needs: 'rules:read' },
	{ href: '/reports', label: 'Reports', needs: 'reports:read' },
	{ href: '/scorecards', label: 'Scorecards', needs: 'scorecards:read' },
	{ href: '/complaints', label: 'Complaints', needs: 'scorecards:read' },
	{ href: '/admin', label: 'Admin', needs: 'users:admin' }
];

/** The pages a role may open, in the site's order; none without a session. */
export function navFor(role: Role | null | undefined): NavLink[] {
	if (!role) return [];
	return PAGES.filter((p) => can(role, p.needs)).map(({ href, label }) => ({ href, label }));
}
