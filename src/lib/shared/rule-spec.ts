/**
 * One rule as written in a rule file: an alerting rule (Prometheus's keys plus Vigil's) or a
 * recording rule, and the values of the alerting rule's closed fields: shared by the rules engine
 * on the server and the rule editor in the browser.
 */

/** What a rule does while the input series of its expression have no data. */
export type NodataPolicy = 'nodata' | 'alerting' | 'ok' | 'keep_last';
export const NODATA_POLICIES: readonly NodataPolicy[] = ['nodata', 'alerting', 'ok', 'keep_last'];

export type Severity = 'info' | 'warning' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];

export type RuleSpec = {
	alert: string;
	expr: string;
	for?: string;
	keep_firing_for?: string;
	labels?: Record<string, string>;
	annotations?: Record<string, string>;
	clear_expr?: string;
	clear_threshold?: number;
	nodata?: NodataPolicy;
	runbook_url?: string;
	severity?: Severity;
};

/** A recording rule: the expression's result stored as series named `record`, with `labels` added. */
export type RecordingRuleSpec = {
	record: string;
	expr: string;
	labels?: Record<string, string>;
};

/** Either kind of rule, as a group holds them. */
export type AnyRuleSpec = RuleSpec | RecordingRuleSpec;

/** A rule's own labels as they are once loaded: its `labels`, and an alerting rule's `severity` among them. */
export function specLabels(spec: AnyRuleSpec): Record<string, string> {
	const labels: Record<string, string> = { ...(spec.labels ?? {}) };
	if ('alert' in spec && spec.severity) labels.severity = spec.severity;
	return labels;
}

export function isRecordingSpec(spec: AnyRuleSpec): spec is RecordingRuleSpec {
	return 'record' in spec && typeof (spec as RecordingRuleSpec).record === 'string';
}

/** The name a rule goes by: its alert name, or the metric a recording rule writes. */
export function ruleName(spec: AnyRuleSpec): string {
	return isRecordingSpec(spec) ? spec.record : spec.alert;
}
