/**
 * One alerting rule as written in a rule file (Prometheus's keys plus Vigil's), and the values of
 * its closed fields: shared by the rules engine on the server and the rule editor in the browser.
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
