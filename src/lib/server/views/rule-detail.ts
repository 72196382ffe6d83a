/**
 * One rule with everything its page shows: the stored rule (spec, YAML, version, author, source),
 * its alert state, its versions, its state changes (the rule's event stream), the notifications
 * that named it (the notification log), the active silences that match it, and its threshold
 * lines. Used by GET /api/v1/rules/<group>/<alert> and the rule page.
 */
import type { Redis } from 'ioredis';
import type { Labels } from '../../shared/series';
import type { Keys } from '../keys';
import { compileRule, type RuleSpec, ruleThreshold, type RuleThreshold, type AlertEvent, type RuleState } from '../rules';
import { compileMatchers, SilenceStore, type SilenceView } from '../alerting/muting';
import { NotificationOutbox, type LogEntry } from '../alerting/notify';
import { groupIntervalMs, RuleRepository, ruleYaml, type RuleVersion, type StoredRule } from '../alerting/ruleset';
import { AlertStateStore } from '../alerting/state';

/** Most state changes a detail carries (newest first). */
export const DETAIL_EVENTS = 500;
/** Most notification-log entries a detail carries (newest first). */
export const DETAIL_NOTIFICATIONS = 100;

export interface RuleDetailRule extends StoredRule {
	/** The group's interval as written; null when the group uses the default. */
	interval: string | null;
	intervalMs: number;
	/** The alert name. */
	name: string;
	/** The rule as YAML (the shape of a rule in a rule file): what the editor starts from. */
	yaml: string;
}

export interface RuleDetail {
	rule: RuleDetailRule;
	state: RuleState | null;
	versions: RuleVersion[];
	events: Array<AlertEvent & { id: string }>;
	notifications: LogEntry[];
	silences: SilenceView[];
	threshold: RuleThreshold | null;
}

/**
 * The label sets a silence must match to hold a rule back: those of its alert instances that are
 * not inactive; with none, its alert name and its constant labels (a silence made in advance).
 */
export function ruleLabelSets(spec: RuleSpec, state: RuleState | null): Labels[] {
	const live = (state?.instances ?? []).filter((i) => i.state !== 'inactive').map((i) => i.labels);
	if (live.length) return live;
	const labels: Labels = {};
	for (const [k, v] of Object.entries(spec.labels ?? {})) if (!String(v).includes('{{')) labels[k] = String(v);
	if (spec.severity) labels.severity = spec.severity;
	labels.alertname = spec.alert;
	return [labels];
}

/** The silences (active ones, as given) whose matchers hold at least one of the label sets. */
export function silencesMatching<S extends Pick<SilenceView, 'matchers'>>(silences: readonly S[], labelSets: readonly Labels[]): S[] {
	return silences.filter((s) => {
		let test;
		try {
			test = compileMatchers(s.matchers);
		} catch {
			return false;
		}
		return labelSets.some(test);
	});
}

/** Reading changes nothing: nothing to record. */
const NO_AUDIT = { record: async () => '' };

export interface RuleDetailDeps {
	redis: Redis;
	keys: Keys;
	/** The config's `alerts.defaultInterval`: the interval of a group that names none. */
	defaultGroupIntervalMs: number;
}

/** The rule `id` (`group/alert`) with its page's data, or null when there is no such rule. */
export async function readRuleDetail(id: string, deps: RuleDetailDeps, now = Date.now()): Promise<RuleDetail | null> {
	const repo = new RuleRepository(deps.redis, deps.keys);
	const stored = await repo.get(id);
	if (!stored) return null;
	const states = new AlertStateStore<RuleState, AlertEvent>(deps.redis, deps.keys);
	const [group, versions, saved, events, log, silences] = await Promise.all([
		repo.group(stored.group),
		repo.versions(id),
		states.get(id),
		states.events({ ruleId: id, count: DETAIL_EVENTS }),
		new NotificationOutbox(deps.redis, deps.keys).log({ rule: id, limit: DETAIL_NOTIFICATIONS }),
		new SilenceStore(deps.redis, deps.keys, NO_AUDIT, { now: () => now }).list(['active'])
	]);
	const interval = group?.interval ?? null;
	const intervalMs = groupIntervalMs(interval, deps.defaultGroupIntervalMs);
	const state = saved?.state ?? null;
	const compiled = compileRule(stored.spec, { name: stored.group, intervalMs }).rule;
	return {
		rule: { ...stored, interval, intervalMs, name: stored.spec.alert, yaml: ruleYaml(stored.spec) + '\n' },
		state,
		versions,
		events,
		notifications: log.entries,
		silences: silencesMatching(silences, ruleLabelSets(stored.spec, state)),
		threshold: compiled ? ruleThreshold(compiled) : null
	};
}
