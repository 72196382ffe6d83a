/**
 * Types shared by the rules library: the state of a rule and its alert instances (plain JSON data,
 * stored by the alerts role after every evaluation), state-change events, and what the state
 * machine needs to know of a rule.
 */
import type { Labels } from '../../shared/series';
import type { CompiledTemplate } from './template';

import type { NodataPolicy } from '../../shared/rule-spec';

export { NODATA_POLICIES, SEVERITIES, type NodataPolicy, type Severity } from '../../shared/rule-spec';

/**
 * An instance's state. `inactive` is a resolved instance kept for 15 minutes; `nodata` and `error`
 * are the rule's own instances while its input has no data or its evaluation fails.
 */
export type InstanceState = 'inactive' | 'pending' | 'firing' | 'nodata' | 'error';

export type RuleHealth = 'unknown' | 'ok' | 'nodata' | 'error';

/** A number as JSON can hold it: NaN and infinities as the strings Prometheus's API uses. */
export type JsonNumber = number | 'NaN' | '+Inf' | '-Inf';

export function toJsonNumber(v: number): JsonNumber {
	if (Number.isFinite(v)) return v;
	return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

export function fromJsonNumber(v: JsonNumber): number {
	return typeof v === 'number' ? v : v === 'NaN' ? NaN : v === '+Inf' ? Infinity : -Infinity;
}

export interface AlertInstance {
	/** Identity of the instance: a hash of its labels (with a `nodata:`/`error:` prefix for the rule's own). */
	fingerprint: string;
	/** Series labels without `__name__`, plus the rule's labels, plus `alertname`. */
	labels: Labels;
	annotations: Labels;
	state: InstanceState;
	/** The expression's value at the last evaluation that returned the instance. */
	value: JsonNumber;
	/** Epoch ms: since when the condition has held (pending start). */
	activeAt: number;
	firedAt?: number;
	resolvedAt?: number;
	/** Since when a firing instance has been kept firing by keep_firing_for. */
	keepFiringSince?: number;
	/** Notification bookkeeping, owned by the notifier; the state machine carries it through. */
	lastSentAt?: number;
	lastNotifiedState?: InstanceState;
}

export interface RuleState {
	ruleId: string;
	health: RuleHealth;
	lastError?: string;
	/** Epoch ms of the last evaluation. */
	lastEvalAt?: number;
	lastEvalDurationMs: number;
	/** Sorted by fingerprint. */
	instances: AlertInstance[];
}

export type AlertEvent = {
	ruleId: string;
	fingerprint: string;
	labels: Labels;
	from: InstanceState;
	to: InstanceState;
	/** Epoch ms. */
	at: number;
	value: JsonNumber;
};

/** One element of an instant vector. */
export interface VectorSample {
	labels: Labels;
	value: number;
}

/** What the state machine needs of a rule. */
export interface StateRule {
	/** `group/alert`. */
	id: string;
	/** The alert name. */
	name: string;
	forMs: number;
	keepFiringForMs: number;
	/** Rule labels (the `severity` key included), as templates. */
	labels: Readonly<Record<string, CompiledTemplate>>;
	annotations: Readonly<Record<string, CompiledTemplate>>;
	nodata: NodataPolicy;
	/** The rule has a clear condition (clear_expr or clear_threshold). */
	hysteresis: boolean;
}

export function initialState(ruleId: string): RuleState {
	return { ruleId, health: 'unknown', lastEvalDurationMs: 0, instances: [] };
}
