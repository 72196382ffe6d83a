/**
 * The notification route tree, with Alertmanager's model and defaults: a tree of routes matched on
 * alert labels, depth first; a child inherits its parent's receiver, grouping and timing unless it
 * sets its own; the first matching child wins unless it sets `continue`; when no child matches, the
 * route itself does. Each matching route puts the alert into an aggregation group named by the
 * route and the values of its `group_by` labels.
 *
 * The keys are spelled as in alertmanager.yml (`group_by`, `group_wait`, ...), so a route block can
 * be copied from one.
 */
import { z } from 'zod';
import type { Labels } from '../../../shared/series';
import { parseDuration } from '../../../shared/duration';
import { matchesAll, parseSelector, SelectorError, type Matcher } from '../../tsdb';
import { canonicalLabels } from '../../rules';

/** Alertmanager's defaults. */
export const ROUTE_DEFAULTS = {
	group_wait: 30_000,
	group_interval: 5 * 60_000,
	repeat_interval: 4 * 3600_000
} as const;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const duration = (min: number) =>
	z.string().transform((v, ctx) => {
		const ms = parseDuration(v);
		if (ms === null) {
			ctx.addIssue({ code: 'custom', message: `expected a duration like "30s", got ${JSON.stringify(v)}` });
			return z.NEVER;
		}
		if (ms < min) {
			ctx.addIssue({ code: 'custom', message: `must be at least ${min} ms, got ${JSON.stringify(v)}` });
			return z.NEVER;
		}
		return ms;
	});

/** One matcher as alertmanager.yml writes it: `severity="critical"`, `service=~"pay.*"`. */
const matcherText = z.string().transform((v, ctx) => {
	try {
		const parsed = parseSelector(`{${v}}`);
		if (parsed.length !== 1) throw new SelectorError('expected exactly one matcher', 0);
		return parsed[0]!;
	} catch (err) {
		ctx.addIssue({ code: 'custom', message: `expected a matcher like severity="critical": ${(err as Error).message.replace(/ at position.*$/, '')}` });
		return z.NEVER;
	}
});

export interface RouteInput {
	receiver?: string;
	group_by?: string[];
	group_wait?: string;
	group_interval?: string;
	repeat_interval?: string;
	matchers?: string[];
	continue?: boolean;
	routes?: RouteInput[];
}

interface ParsedRoute {
	receiver?: string;
	group_by?: string[];
	group_wait?: number;
	group_interval?: number;
	repeat_interval?: number;
	matchers: Matcher[];
	continue: boolean;
	routes: ParsedRoute[];
}

export const routeSchema: z.ZodType<ParsedRoute, RouteInput> = z.lazy(() =>
	z.strictObject({
		/** The channel notifications of this route go to. */
		receiver: z.string().min(1).max(64).optional(),
		/** Labels that name an aggregation group; `[...]` groups by every label (one alert per group). */
		group_by: z
			.array(z.string().refine((s) => s === '...' || LABEL_NAME.test(s), { message: 'expected a label name or "..."' }))
			.max(32)
			.optional(),
		group_wait: duration(0).optional(),
		group_interval: duration(1000).optional(),
		repeat_interval: duration(1000).optional(),
		matchers: z.array(matcherText).max(32).default([]),
		continue: z.boolean().default(false),
		routes: z.array(routeSchema).max(256).default([])
	})
);

/** A route with everything inherited filled in; `id` is its path in the tree (`0`, `0.1`, ...). */
export interface Route {
	id: string;
	receiver: string;
	/** Empty: one group per route. `null`: every label (`...`). */
	groupBy: string[] | null;
	groupWaitMs: number;
	groupIntervalMs: number;
	repeatIntervalMs: number;
	matchers: Matcher[];
	continue: boolean;
	routes: Route[];
}

export class RouteConfigError extends Error {
	override name = 'RouteConfigError';
}

/**
 * Fills in inheritance and checks receivers: the root needs a receiver and no matchers, every
 * receiver must be one of `receivers` (when given).
 */
export function buildRouteTree(root: ParsedRoute, receivers?: ReadonlySet<string>): Route {
	if (!root.receiver) throw new RouteConfigError('notifications.route.receiver: the root route needs a receiver');
	if (root.matchers.length) throw new RouteConfigError('notifications.route.matchers: the root route matches every alert; move matchers to a child route');
	if (root.continue) throw new RouteConfigError('notifications.route.continue: the root route cannot continue');
	const build = (r: ParsedRoute, parent: Route | undefined, id: string, path: string): Route => {
		const receiver = r.receiver ?? parent!.receiver;
		if (receivers && !receivers.has(receiver)) {
			throw new RouteConfigError(`${path}.receiver: no channel named "${receiver}" (channels: ${[...receivers].join(', ') || 'none'})`);
		}
		const groupBy = r.group_by ? (r.group_by.includes('...') ? null : [...new Set(r.group_by)].sort()) : parent ? parent.groupBy : [];
		const route: Route = {
			id,
			receiver,
			groupBy,
			groupWaitMs: r.group_wait ?? parent?.groupWaitMs ?? ROUTE_DEFAULTS.group_wait,
			groupIntervalMs: r.group_interval ?? parent?.groupIntervalMs ?? ROUTE_DEFAULTS.group_interval,
			repeatIntervalMs: r.repeat_interval ?? parent?.repeatIntervalMs ?? ROUTE_DEFAULTS.repeat_interval,
			matchers: r.matchers,
			continue: r.continue,
			routes: []
		};
		route.routes = r.routes.map((c, i) => build(c, route, `${id}.${i}`, `${path}.routes[${i}]`));
		return route;
	};
	return build(root, undefined, '0', 'notifications.route');
}

/** The routes an alert with these labels goes to, in tree order (Alertmanager's Route.Match). */
export function matchRoutes(route: Route, labels: Labels): Route[] {
	if (!matchesAll(labels, route.matchers)) return [];
	const all: Route[] = [];
	for (const child of route.routes) {
		const m = matchRoutes(child, labels);
		all.push(...m);
		if (m.length && !child.continue) break;
	}
	return all.length ? all : [route];
}

/** The labels that name the alert's group on this route. */
export function groupLabelsOf(route: Route, labels: Labels): Labels {
	if (route.groupBy === null) return { ...labels };
	const out: Labels = {};
	for (const k of route.groupBy) if (labels[k] !== undefined && labels[k] !== '') out[k] = labels[k]!;
	return out;
}

/** The aggregation group's key: the route and its group labels. */
export function groupKeyOf(route: Route, groupLabels: Labels): string {
	return `${route.id}:${canonicalLabels(groupLabels)}`;
}

/** Every route of the tree, depth first (for listing). */
export function flattenRoutes(route: Route): Route[] {
	return [route, ...route.routes.flatMap(flattenRoutes)];
}
