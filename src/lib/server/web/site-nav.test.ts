import { describe, expect, it } from 'vitest';
import { can, ROLES } from '../auth/permissions';
import { boardSummariesOf } from './board-list';
import { navFor } from './site-nav';

describe('navFor', () => {
	it('shows each role the pages it may open, and nothing without a session', () => {
		const hrefs = (role: Parameters<typeof navFor>[0]) => navFor(role).map((l) => l.href);
		expect(hrefs('viewer')).toEqual(['/wall', '/boards', '/rules', '/incidents', '/silences', '/maintenance', '/notifications']);
		expect(hrefs('engineer')).toEqual([...hrefs('viewer'), '/scorecards', '/complaints']);
		expect(hrefs('manager')).toEqual([...hrefs('viewer'), '/reports', '/scorecards', '/complaints']);
		expect(hrefs('admin')).toEqual([...hrefs('manager'), '/admin']);
		expect(hrefs(null)).toEqual([]);
		expect(hrefs(undefined)).toEqual([]);
	});

	it('never links a role to the reports or admin pages it would get a 403 from', () => {
		for (const role of ROLES) {
			const hrefs = navFor(role).map((l) => l.href);
			expect(hrefs.includes('/reports')).toBe(can(role, 'reports:read'));
			expect(hrefs.includes('/scorecards')).toBe(can(role, 'scorecards:read'));
			expect(hrefs.includes('/complaints')).toBe(can(role, 'scorecards:read'));
			expect(hrefs.includes('/admin')).toBe(can(role, 'users:admin'));
		}
	});
});

describe('boardSummariesOf', () => {
	it('lists the config boards with their tiles, and default first unless a board replaces it', () => {
		const list = boardSummariesOf({
			tiles: [{}, {}, {}],
			boards: [{ name: 'shop', title: 'Shop', columns: 4, tiles: [{ kind: 'status' }, { kind: 'stat' }, { kind: 'stat' }] }]
		});
		expect(list).toEqual([
			{ name: 'default', title: 'Every series (wall.tiles)', tiles: 3, kinds: ['series'], columns: null },
			{ name: 'shop', title: 'Shop', tiles: 3, kinds: ['status', 'stat'], columns: 4 }
		]);
		expect(boardSummariesOf({ tiles: [{}], boards: [{ name: 'default', tiles: [{ kind: 'alerts' }] }] })).toEqual([{ name: 'default', title: null, tiles: 1, kinds: ['alerts'], columns: null }]);
	});
});
