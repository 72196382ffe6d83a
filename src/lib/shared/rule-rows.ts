/**
 * The rows of the /rules list, as the overview API (GET /api/v1/rules/overview) and the live feed
 * (`rules:rows`) carry them, and the list's filters: read from and written to the URL query, so a
 * filtered view can be shared, and applied the same way on the server (first render) and in the
 * browser (live rows).
 */
import { z } from 'zod';

export const RULE_SEVERITIES = ['critical', 'warning', 'info'] as const;

export const ruleCounts = z.object({
	firing: z.number().int().nonnegative(),
	pending: z.number().int().nonnegative(),
	nodata: z.number().int().nonnegative(),
	error: z.number().int().nonnegative()
});
export type RuleCounts = z.infer<typeof ruleCounts>;

export const ruleRow = z.object({
	/** `group/alert` (`group/alert#2` for a second rule of that name in a group). */
	id: z.string().max(1000),
	group: z.string().max(500),
	name: z.string().max(500),
	severity: z.enum(RULE_SEVERITIES).nullable(),
	enabled: z.boolean(),
	version: z.number().int(),
	author: z.string().max(500),
	/** Epoch ms of the current version. */
	at: z.number(),
	/** Where the rule was imported from ("file rules/demo-shop.rules.yml"), or null. */
	source: z.string().max(1000).nullable(),
	health: z.enum(['unknown', 'ok', 'nodata', 'error']),
	lastError: z.string().max(10_000).nullable(),
	/** Epoch ms of the last evaluation, or null before the first. */
	lastEvalAt: z.number().nullable(),
	lastEvalDurationMs: z.number().nonnegative(),
	counts: ruleCounts,
	/** Ids of the active silences that match the rule's active alerts (or, without any, its static labels). */
	silenced: z.boolean(),
	silences: z.array(z.string().max(100)).max(1000),
	/** The rule's labels as written (templates unrendered), severity included: for search. */
	labels: z.record(z.string(), z.string().max(2000)),
	/** Its `summary` annotation as written, or null. */
	summary: z.string().max(2000).nullable()
});
export type RuleRow = z.infer<typeof ruleRow>;

export const ruleRowsMessage = z.object({
	/** The rule set's revision (bumped by every save). */
	revision: z.number().int().nonnegative(),
	rows: z.array(ruleRow).max(10_000)
});
export type RuleRowsMessage = z.infer<typeof ruleRowsMessage>;

/** Nothing: `rules:subscribe` carries no options (an empty object, or nothing). */
export const rulesSubscribe = z.union([z.undefined(), z.null(), z.strictObject({})]);

export const RULE_STATE_FILTERS = ['firing', 'pending', 'active', 'nodata', 'error', 'ok'] as const;
export type RuleStateFilter = (typeof RULE_STATE_FILTERS)[number];

export const RULE_STATE_LABELS: Record<RuleStateFilter, string> = {
	firing: 'Firing',
	pending: 'Pending',
	active: 'Any active',
	nodata: 'No data',
	error: 'Error',
	ok: 'OK (nothing active)'
};

export interface RuleFilter {
	/** Words that must all appear in the rule's name, group, id or labels (case-insensitive). */
	q: string;
	state: RuleStateFilter | '';
	severity: (typeof RULE_SEVERITIES)[number] | 'none' | '';
	group: string;
	enabled: 'yes' | 'no' | '';
	silenced: 'yes' | 'no' | '';
}

export const EMPTY_RULE_FILTER: RuleFilter = { q: '', state: '', severity: '', group: '', enabled: '', silenced: '' };

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | '' {
	return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : '';
}

/** The filter in a URL query; unknown values are ignored. */
export function readRuleFilter(params: URLSearchParams): RuleFilter {
	return {
		q: (params.get('q') ?? '').slice(0, 200),
		state: oneOf(params.get('state'), RULE_STATE_FILTERS),
		severity: oneOf(params.get('severity'), [...RULE_SEVERITIES, 'none'] as const),
		group: (params.get('group') ?? '').slice(0, 500),
		enabled: oneOf(params.get('enabled'), ['yes', 'no'] as const),
		silenced: oneOf(params.get('silenced'), ['yes', 'no'] as const)
	};
}

/** The query of a filter: only the fields set, in a fixed order ("" when none is). */
export function ruleFilterQuery(f: RuleFilter): string {
	const p = new URLSearchParams();
	for (const k of ['q', 'state', 'severity', 'group', 'enabled', 'silenced'] as const) {
		const v = k === 'q' ? f.q.trim() : f[k];
		if (v) p.set(k, v);
	}
	const s = p.toString();
	return s ? `?${s}` : '';
}

export function activeCount(c: RuleCounts): number {
	return c.firing + c.pending + c.nodata + c.error;
}

function matchesState(r: RuleRow, state: RuleStateFilter): boolean {
	switch (state) {
		case 'firing':
			return r.counts.firing > 0;
		case 'pending':
			return r.counts.pending > 0;
		case 'active':
			return activeCount(r.counts) > 0;
		case 'nodata':
			return r.counts.nodata > 0 || r.health === 'nodata';
		case 'error':
			return r.counts.error > 0 || r.health === 'error';
		case 'ok':
			return activeCount(r.counts) === 0 && r.health === 'ok';
	}
}

/** The text a search looks in. */
function haystack(r: RuleRow): string {
	return [r.name, r.group, r.id, ...Object.entries(r.labels).map(([k, v]) => `${k}=${v}`)].join('\n').toLowerCase();
}

export function ruleMatches(r: RuleRow, f: RuleFilter): boolean {
	if (f.state && !matchesState(r, f.state)) return false;
	if (f.severity && (f.severity === 'none' ? r.severity !== null : r.severity !== f.severity)) return false;
	if (f.group && r.group !== f.group) return false;
	if (f.enabled && r.enabled !== (f.enabled === 'yes')) return false;
	if (f.silenced && r.silenced !== (f.silenced === 'yes')) return false;
	const words = f.q.toLowerCase().split(/\s+/).filter(Boolean);
	if (words.length) {
		const text = haystack(r);
		if (!words.every((w) => text.includes(w))) return false;
	}
	return true;
}

export function filterRuleRows(rows: readonly RuleRow[], f: RuleFilter): RuleRow[] {
	return rows.filter((r) => ruleMatches(r, f));
}

/** The path of a rule's page: `/rules/<group>/<alert>`, each segment encoded (`#` -> `%23`). */
export function rulePath(id: string, group: string): string {
	const alert = id.startsWith(`${group}/`) ? id.slice(group.length + 1) : id.slice(id.lastIndexOf('/') + 1);
	return `/rules/${encodeURIComponent(group)}/${encodeURIComponent(alert)}`;
}

/** The page of a rule known by its id only: alert names hold no slash, so the group ends at the last one. */
export function rulePathOfId(id: string): string {
	return rulePath(id, id.slice(0, Math.max(0, id.lastIndexOf('/'))));
}
