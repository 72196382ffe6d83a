import { describe, expect, it } from 'vitest';
import { ACTIONS, actionsOf, can, cappedRole, roleCovers, ROLES } from './permissions';
import { SCOPE_ACTIONS, scopesAllow } from './tokens';

describe('the permission table', () => {
	it('gives each role exactly what the issue says', () => {
		expect(actionsOf('viewer')).toEqual(['wall:read', 'rules:read', 'incidents:read', 'series:read']);
		expect(actionsOf('engineer')).toEqual([
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
			'scorecards:read'
		]);
		expect(actionsOf('manager')).toEqual(['wall:read', 'rules:read', 'incidents:read', 'series:read', 'incidents:note', 'incidents:publish', 'reports:read', 'reports:export', 'reports:publish', 'scorecards:read']);
		expect(actionsOf('admin')).toEqual([...ACTIONS]);
	});

	it('keeps admin-only actions to admins', () => {
		for (const a of ['users:admin', 'tokens:admin', 'channels:write', 'boards:write', 'audit:read', 'reports:withdraw'] as const) {
			expect(ROLES.filter((r) => can(r, a))).toEqual(['admin']);
		}
	});

	it('orders roles: viewer under engineer and manager, both under admin, neither under the other', () => {
		expect(roleCovers('engineer', 'viewer')).toBe(true);
		expect(roleCovers('manager', 'viewer')).toBe(true);
		expect(roleCovers('admin', 'engineer')).toBe(true);
		expect(roleCovers('engineer', 'manager')).toBe(false);
		expect(roleCovers('manager', 'engineer')).toBe(false);
		expect(roleCovers('viewer', 'admin')).toBe(false);
	});

	it('caps a token at its user\'s current role', () => {
		expect(cappedRole('engineer', 'admin')).toBe('engineer');
		expect(cappedRole('admin', 'engineer')).toBe('engineer');
		expect(cappedRole('engineer', 'manager')).toBe('viewer');
		expect(cappedRole('engineer', 'viewer')).toBe('viewer');
	});

	it('maps the narrow token scopes to actions', () => {
		expect(scopesAllow(['push'], 'samples:push')).toBe(true);
		expect(scopesAllow(['push'], 'config:reload')).toBe(false);
		expect(scopesAllow(['read'], 'rules:read')).toBe(true);
		expect(scopesAllow(['read'], 'rules:write')).toBe(false);
		expect(scopesAllow(undefined, 'users:admin')).toBe(true);
		for (const actions of Object.values(SCOPE_ACTIONS)) for (const a of actions) expect(ACTIONS).toContain(a);
	});
});
