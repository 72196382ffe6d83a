/**
 * Roles and what each may do, as named actions checked through one function, `can(role, action)`.
 *
 * | role       | may                                                                                  |
 * |------------|--------------------------------------------------------------------------------------|
 * | `viewer`   | read the wall, rules and incidents                                                   |
 * | `engineer` | the above, plus edit rules, silences and maintenance windows; acknowledge, assign,    |
 * |            | resolve and add notes to incidents (the responder writes what they found and did);   |
 * |            | post incidents' public updates (the status page);                                    |
 * |            | push samples and tickets, and reload collectors (automation); merchant and team      |
 * |            | scorecards and the complaint analysis (read and export)                              |
 * | `manager`  | read everything (not the audit log), add incident notes and public updates, view and |
 * |            | export reports, scorecards and the complaint analysis; publish a quarterly           |
 * |            | service-quality report                                                               |
 * | `admin`    | everything, plus users, tokens, channels, boards and the audit log; withdraw a       |
 * |            | published quality report                                                             |
 */

export const ROLES = ['viewer', 'engineer', 'manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = [
	'wall:read',
	'rules:read',
	'incidents:read',
	'series:read',
	'rules:write',
	'silences:write',
	'windows:write',
	'incidents:ack',
	'incidents:assign',
	'incidents:resolve',
	'incidents:note',
	'incidents:publish',
	'samples:push',
	'tickets:push',
	'config:reload',
	'reports:read',
	'reports:export',
	'reports:publish',
	'reports:withdraw',
	'scorecards:read',
	'users:admin',
	'tokens:admin',
	'channels:write',
	'boards:write',
	'audit:read'
] as const;
export type Action = (typeof ACTIONS)[number];

const VIEWER: readonly Action[] = ['wall:read', 'rules:read', 'incidents:read', 'series:read'];
const ENGINEER: readonly Action[] = [
	...VIEWER,
	'rules:write',
	'silences:write',
	'windows:write',
	'incidents:ack',
	'incidents:assign',
	'incidents:resolve',
	'incidents:note',
	'incidents:publish',
	'samples:push',
	'tickets:push',
	'config:reload',
	'scorecards:read'
];
const MANAGER: readonly Action[] = [...VIEWER, 'incidents:note', 'incidents:publish', 'reports:read', 'reports:export', 'reports:publish', 'scorecards:read'];

const TABLE: Record<Role, ReadonlySet<Action>> = {
	viewer: new Set(VIEWER),
	engineer: new Set(ENGINEER),
	manager: new Set(MANAGER),
	admin: new Set(ACTIONS)
};

export function isRole(value: unknown): value is Role {
	return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function can(role: Role, action: Action): boolean {
	return TABLE[role].has(action);
}

/** Every action of a role. */
export function actionsOf(role: Role): Action[] {
	return ACTIONS.filter((a) => TABLE[role].has(a));
}

/** True when `narrower` may do nothing that `role` may not (a token's role under its user's). */
export function roleCovers(role: Role, narrower: Role): boolean {
	return actionsOf(narrower).every((a) => TABLE[role].has(a));
}

/**
 * The role a token of role `tokenRole` acts with when its user now has `userRole`: the token's own,
 * unless the user's role was changed so that it no longer covers it; then the user's, at most.
 */
export function cappedRole(tokenRole: Role, userRole: Role): Role {
	if (roleCovers(userRole, tokenRole)) return tokenRole;
	// Both engineer and manager sit between viewer and admin; the only role under either is viewer.
	return roleCovers(tokenRole, userRole) ? userRole : 'viewer';
}
