import { describe, expect, it } from 'vitest';
import { buildRouteTree, groupKeyOf, groupLabelsOf, matchRoutes, ROUTE_DEFAULTS, routeSchema, RouteConfigError } from './routes';

const tree = (input: unknown, receivers?: string[]) => buildRouteTree(routeSchema.parse(input), receivers ? new Set(receivers) : undefined);

describe('route tree', () => {
	const root = tree({
		receiver: 'default',
		group_by: ['alertname'],
		group_wait: '10s',
		routes: [
			{ matchers: ['severity="critical"'], receiver: 'pager', group_wait: '0s', routes: [{ matchers: ['service="payments"'], receiver: 'payments-pager' }] },
			{ matchers: ['team=~"shop|search"'], receiver: 'shop', continue: true, group_by: ['...'] },
			{ matchers: ['team="shop"'], receiver: 'shop-audit' }
		]
	});

	it('fills in inheritance and Alertmanager defaults', () => {
		expect(root.groupWaitMs).toBe(10_000);
		expect(root.groupIntervalMs).toBe(ROUTE_DEFAULTS.group_interval);
		expect(root.repeatIntervalMs).toBe(4 * 3600_000);
		const pager = root.routes[0]!;
		expect(pager.groupBy).toEqual(['alertname']);
		expect(pager.groupWaitMs).toBe(0);
		// grandchildren inherit from their parent, not the root
		expect(pager.routes[0]!.groupWaitMs).toBe(0);
		expect(pager.routes[0]!.id).toBe('0.0.0');
		expect(root.routes[1]!.groupBy).toBeNull();
	});

	it('matches depth first, the first matching child wins, the deepest match is the route', () => {
		expect(matchRoutes(root, { severity: 'critical', service: 'payments' }).map((r) => r.receiver)).toEqual(['payments-pager']);
		expect(matchRoutes(root, { severity: 'critical', service: 'search' }).map((r) => r.receiver)).toEqual(['pager']);
		expect(matchRoutes(root, { severity: 'warning' }).map((r) => r.receiver)).toEqual(['default']);
	});

	it('continue keeps matching the siblings', () => {
		expect(matchRoutes(root, { team: 'shop' }).map((r) => r.receiver)).toEqual(['shop', 'shop-audit']);
		expect(matchRoutes(root, { team: 'search' }).map((r) => r.receiver)).toEqual(['shop']);
		// a critical alert stops at the pager route: it does not continue
		expect(matchRoutes(root, { severity: 'critical', team: 'shop' }).map((r) => r.receiver)).toEqual(['pager']);
	});

	it('groups by the route labels; "..." groups by every label; missing labels are left out', () => {
		const labels = { alertname: 'Down', service: 'checkout', instance: 'a' };
		expect(groupLabelsOf(root, labels)).toEqual({ alertname: 'Down' });
		expect(groupLabelsOf(root.routes[1]!, labels)).toEqual(labels);
		expect(groupLabelsOf(root, { service: 'x' })).toEqual({});
		expect(groupKeyOf(root, { alertname: 'Down' })).not.toBe(groupKeyOf(root.routes[0]!, { alertname: 'Down' }));
	});

	it('refuses a root without a receiver, a root with matchers, and unknown receivers', () => {
		expect(() => tree({ group_by: ['a'] })).toThrow(/root route needs a receiver/);
		expect(() => tree({ receiver: 'x', matchers: ['a="b"'] })).toThrow(RouteConfigError);
		expect(() => tree({ receiver: 'x', routes: [{ receiver: 'nope' }] }, ['x'])).toThrow(/routes\[0\]\.receiver: no channel named "nope"/);
	});

	it('reports bad matchers and durations with their path', () => {
		const r = routeSchema.safeParse({ receiver: 'x', routes: [{ matchers: ['severity=critical'], group_wait: '5 minutes' }] });
		expect(r.success).toBe(false);
		const paths = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
		expect(paths.some((p) => p.startsWith('routes.0.matchers.0: expected a matcher'))).toBe(true);
		expect(paths.some((p) => p.startsWith('routes.0.group_wait: expected a duration'))).toBe(true);
	});
});
