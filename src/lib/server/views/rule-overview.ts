/**
 * The overview of the rule set that the /rules list shows: every rule with its saved state (health,
 * last evaluation, counts of its active alerts by state) and whether an active silence holds it.
 * One call reads the rule set, the alerts role's saved state and the silences (three round trips);
 * the API (GET /api/v1/rules/overview), the page load and the live feed (`rules:rows`) use it.
 *
 * A rule is silenced when an active silence matches the labels of at least one of its active
 * (not inactive) alert instances; a rule with no active instance is silenced when a silence matches
 * what its alerts would carry for sure: its alertname, its static labels (those without a template)
 * and its severity.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../keys';
import type { Labels } from '../../shared/series';
import { specLabels } from '../../shared/rule-spec';
import type { RuleCounts, RuleRow, RuleRowsMessage } from '../../shared/rule-rows';
import { SEVERITIES, type RuleState, type Severity } from '../rules';
import { loadMuting, type BadEntry } from '../alerting/muting';
import { RuleRepository, type StoredGroup, type StoredRule } from '../alerting/ruleset';
import { AlertStateStore } from '../alerting/state';

/** What the overview asks of the muting in force: the active silences that hold a label set. */
export interface SilenceLookup {
	silencedBy(labels: Labels): string[];
}

export function ruleSeverity(rule: Pick<StoredRule, 'spec'>): Severity | null {
	if (rule.spec.severity) return rule.spec.severity;
	const label = rule.spec.labels?.severity;
	return label !== undefined && (SEVERITIES as readonly string[]).includes(label) ? (label as Severity) : null;
}

/** The labels every alert of the rule carries whatever its series: alertname, labels without templates, severity. */
export function staticLabels(rule: Pick<StoredRule, 'spec'>): Labels {
	const out: Labels = {};
	for (const [k, v] of Object.entries(rule.spec.labels ?? {})) if (!String(v).includes('{{')) out[k] = String(v);
	if (rule.spec.severity) out.severity = rule.spec.severity;
	out.alertname = rule.spec.alert;
	return out;
}

/** The source of a rule (owner of the import records it on the stored rule when it has one). */
function sourceOf(rule: StoredRule): string | null {
	const s = (rule as StoredRule & { source?: unknown }).source;
	return typeof s === 'string' && s !== '' ? s : null;
}

/** One rule's row from its stored version, its saved state (if any) and the silences in force. */
export function ruleRowOf(rule: StoredRule, state: RuleState | undefined, muting: SilenceLookup): RuleRow {
	const counts: RuleCounts = { firing: 0, pending: 0, nodata: 0, error: 0 };
	const silences = new Set<string>();
	let active = 0;
	const instances = Array.isArray(state?.instances) ? state.instances : [];
	for (const i of instances) {
		if (!i || typeof i !== 'object' || !i.labels || typeof i.labels !== 'object') continue;
		if (i.state === 'inactive' || !(i.state in counts)) continue;
		counts[i.state as keyof RuleCounts]++;
		active++;
		for (const id of muting.silencedBy(i.labels)) silences.add(id);
	}
	if (active === 0) for (const id of muting.silencedBy(staticLabels(rule))) silences.add(id);
	const health = state && ['unknown', 'ok', 'nodata', 'error'].includes(state.health) ? state.health : 'unknown';
	const labels: Labels = specLabels(rule.spec);
	return {
		id: rule.id,
		group: rule.group,
		name: rule.spec.alert,
		severity: ruleSeverity(rule),
		enabled: rule.enabled,
		version: rule.version,
		author: rule.author,
		at: rule.at,
		source: sourceOf(rule),
		health,
		lastError: typeof state?.lastError === 'string' && state.lastError !== '' ? state.lastError : null,
		lastEvalAt: typeof state?.lastEvalAt === 'number' ? state.lastEvalAt : null,
		lastEvalDurationMs: typeof state?.lastEvalDurationMs === 'number' && state.lastEvalDurationMs >= 0 ? state.lastEvalDurationMs : 0,
		counts,
		silenced: silences.size > 0,
		silences: [...silences].sort(),
		labels,
		summary: rule.spec.annotations?.summary ?? null
	};
}

/** Every rule's row, groups in order and rules in their group's order. */
export function ruleRows(groups: readonly StoredGroup[], states: ReadonlyMap<string, RuleState>, muting: SilenceLookup): RuleRow[] {
	return groups.flatMap((g) => g.rules.map((r) => ruleRowOf(r, states.get(r.id), muting)));
}

export interface OverviewOptions {
	/**
	 * The time silences are judged at (epoch ms).
	 * @defaultValue now
	 */
	now?: number;
	/** A saved state or a silence that does not parse (left out). */
	onBad?: (what: string, id: string, problem: string) => void;
}

/** Reads the rule set, the saved alert state and the silences, and makes the rows. */
export async function readRuleOverview(redis: Redis, keys: Keys, options: OverviewOptions = {}): Promise<RuleRowsMessage> {
	const onBadMuting: BadEntry | undefined = options.onBad ? (kind, id, problem) => options.onBad!(kind, id, problem) : undefined;
	const [set, saved, muting] = await Promise.all([
		new RuleRepository(redis, keys).load(),
		new AlertStateStore<RuleState>(redis, keys).load(options.onBad ? (id, problem) => options.onBad!('state', id, problem) : undefined),
		loadMuting(redis, keys.alerts, options.now ?? Date.now(), onBadMuting)
	]);
	const states = new Map<string, RuleState>();
	for (const [id, s] of saved) states.set(id, s.state);
	return { revision: set.revision, rows: ruleRows(set.groups, states, muting) };
}
