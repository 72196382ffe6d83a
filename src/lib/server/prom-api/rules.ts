/**
 * `rules` and `alerts`: Vigil's rule set and the alert state the alerts leader saves, in the shapes
 * of Prometheus' API. Recording rules carry the health, time and duration of their last evaluation
 * (`unknown` before the first); disabled rules are not evaluated and are left out; instances in Vigil's own `nodata` and `error` states are not
 * Prometheus alerts and are left out too (the rule's health says `err` with its last error).
 */
import type { Redis } from 'ioredis';
import { parseDuration } from '../../shared/duration';
import { specLabels } from '../../shared/rule-spec';
import type { Labels } from '../../shared/series';
import { groupIntervalMs, RuleRepository, type StoredRecordingRule, type StoredRule } from '../alerting/ruleset';
import { AlertStateStore } from '../alerting/state';
import type { Keys } from '../keys';
import { fromJsonNumber, type AlertInstance, type RuleState } from '../rules';
import { formatAlertValue } from './envelope';

export interface PromAlert {
	labels: Labels;
	annotations: Labels;
	state: 'pending' | 'firing';
	activeAt: string;
	keepFiringSince?: string;
	value: string;
}

export interface PromRule {
	state: 'inactive' | 'pending' | 'firing';
	name: string;
	query: string;
	duration: number;
	keepFiringFor: number;
	labels: Labels;
	annotations: Labels;
	alerts: PromAlert[];
	health: 'ok' | 'err' | 'unknown';
	lastError?: string;
	evaluationTime: number;
	lastEvaluation: string;
	type: 'alerting';
}

export interface PromRecordingRule {
	name: string;
	query: string;
	labels: Labels;
	health: 'ok' | 'err' | 'unknown';
	lastError?: string;
	evaluationTime: number;
	lastEvaluation: string;
	type: 'recording';
}

export interface PromGroup {
	name: string;
	file: string;
	rules: Array<PromRule | PromRecordingRule>;
	interval: number;
	limit: number;
	evaluationTime: number;
	lastEvaluation: string;
}

/** A time as Go's JSON writes time.Time (RFC 3339, fraction without trailing zeros); the zero time when absent. */
export function goTime(ms: number | undefined): string {
	if (ms === undefined || !Number.isFinite(ms)) return '0001-01-01T00:00:00Z';
	return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

function seconds(text: string | undefined): number {
	return text ? (parseDuration(text) ?? 0) / 1000 : 0;
}

function alertOf(i: AlertInstance): PromAlert | undefined {
	if (i.state !== 'pending' && i.state !== 'firing') return undefined;
	const a: PromAlert = { labels: i.labels, annotations: i.annotations ?? {}, state: i.state, activeAt: goTime(i.activeAt), value: formatAlertValue(fromJsonNumber(i.value)) };
	if (i.keepFiringSince !== undefined) a.keepFiringSince = goTime(i.keepFiringSince);
	return a;
}

/** A rule's last evaluation as Prometheus reports it (both kinds of rule): health, when, how long, the error. */
function lastEvaluationOf(state: RuleState | undefined): Pick<PromRule, 'health' | 'evaluationTime' | 'lastEvaluation' | 'lastError'> {
	// In Prometheus' order: health, lastError (when there is one), evaluationTime, lastEvaluation.
	return {
		health: !state || state.health === 'unknown' ? 'unknown' : state.health === 'error' ? 'err' : 'ok',
		...(state?.lastError ? { lastError: state.lastError } : {}),
		evaluationTime: (state?.lastEvalDurationMs ?? 0) / 1000,
		lastEvaluation: goTime(state?.lastEvalAt)
	};
}

function ruleOf(r: StoredRule, state: RuleState | undefined): PromRule {
	const alerts = (Array.isArray(state?.instances) ? state.instances : []).flatMap((i) => alertOf(i) ?? []);
	return {
		state: alerts.some((a) => a.state === 'firing') ? 'firing' : alerts.length ? 'pending' : 'inactive',
		name: r.spec.alert,
		query: r.spec.expr,
		duration: seconds(r.spec.for),
		keepFiringFor: seconds(r.spec.keep_firing_for),
		labels: specLabels(r.spec),
		annotations: { ...(r.spec.annotations ?? {}), ...(r.spec.runbook_url ? { runbook_url: r.spec.runbook_url } : {}) },
		alerts,
		...lastEvaluationOf(state),
		type: 'alerting'
	};
}

function recordingOf(r: StoredRecordingRule, state: RuleState | undefined): PromRecordingRule {
	return { name: r.spec.record, query: r.spec.expr, labels: specLabels(r.spec), ...lastEvaluationOf(state), type: 'recording' };
}

export interface RuleFilter {
	/** `alert` or `record`: only rules of that type. */
	type?: string;
	names: string[];
	groups: string[];
}

async function load(redis: Redis, keys: Keys): Promise<{ groups: Awaited<ReturnType<RuleRepository['load']>>['groups']; states: Map<string, RuleState> }> {
	const [set, saved] = await Promise.all([new RuleRepository(redis, keys).load(), new AlertStateStore<RuleState>(redis, keys).load()]);
	const states = new Map<string, RuleState>();
	for (const [id, s] of saved) states.set(id, s.state);
	return { groups: set.groups, states };
}

/** GET /api/v1/rules: `{groups: [...]}`. */
/** `defaultIntervalMs`: the config's `alerts.defaultInterval`, the interval of a group that names none. */
export async function promRules(redis: Redis, keys: Keys, filter: RuleFilter, defaultIntervalMs: number): Promise<{ groups: PromGroup[] }> {
	const { groups, states } = await load(redis, keys);
	const out: PromGroup[] = [];
	for (const g of groups) {
		if (filter.groups.length && !filter.groups.includes(g.name)) continue;
		const rules: Array<PromRule | PromRecordingRule> = [];
		for (const r of g.all ?? g.rules) {
			if (!r.enabled) continue;
			const recording = 'record' in r.spec;
			if ((filter.type === 'record' && !recording) || (filter.type === 'alert' && recording)) continue;
			const name = 'record' in r.spec ? r.spec.record : r.spec.alert;
			if (filter.names.length && !filter.names.includes(name)) continue;
			rules.push(recording ? recordingOf(r as StoredRecordingRule, states.get(r.id)) : ruleOf(r as StoredRule, states.get(r.id)));
		}
		if (!rules.length && (filter.names.length || filter.groups.length || filter.type === 'record')) continue;
		const evaluated = (g.all ?? g.rules).map((r) => states.get(r.id)?.lastEvalAt).filter((t): t is number => typeof t === 'number');
		out.push({
			name: g.name,
			file: 'vigil',
			rules,
			interval: groupIntervalMs(g.interval, defaultIntervalMs) / 1000,
			limit: 0,
			evaluationTime: rules.reduce((s, r) => s + r.evaluationTime, 0),
			lastEvaluation: goTime(evaluated.length ? Math.max(...evaluated) : undefined)
		});
	}
	return { groups: out };
}

/** GET /api/v1/alerts: `{alerts: [...]}`, pending and firing, of enabled rules. */
export async function promAlerts(redis: Redis, keys: Keys): Promise<{ alerts: PromAlert[] }> {
	const { groups, states } = await load(redis, keys);
	const alerts: PromAlert[] = [];
	for (const g of groups) for (const r of g.rules) if (r.enabled) alerts.push(...ruleOf(r, states.get(r.id)).alerts);
	return { alerts };
}
