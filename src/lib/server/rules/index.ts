/**
 * The rules library: rule files (Prometheus's format plus Vigil's keys), templates, the alert state
 * machine, rule unit tests in promtool's format, and backtesting. Pure: no Redis, no wall clock;
 * used by the alerts role, the web role and the CLI. User-facing rules: docs/rules.md.
 */
import { formatRuleProblem } from './problems';
import { parseRuleFile, type GroupSpec, type ParseOptions, type RuleGroup } from './file';

export { parseRuleFile, formatRuleFile, formatRuleProblems, DEFAULT_GROUP_INTERVAL_MS, type GroupSpec, type RuleGroup, type ParsedRuleFile, type ParseOptions } from './file';
export { compileRule, compileRecordingRule, compileAnyRule, ruleExprs, ALERT_NAME, type CompiledRule, type CompiledRecording, type RuleSpec, type RecordingRuleSpec, type FieldProblem, type CompileResult } from './compile';
export { recordingSamples, alertSamples, SeriesWriter, RecordingError } from './record';
export { formatRuleProblem, type RuleProblem } from './problems';
export { compileTemplate, TemplateError, type CompiledTemplate, type TemplateData } from './template';
export { stepRule, restoreState, firingInstances, RESOLVED_RETENTION_MS, type EvalOutcome, type StepOptions, type StepResult } from './state';
export { evaluate, evaluateFromStore, loadRuleSource, loadRecordingSource, type EvaluateOptions } from './evaluate';
export { backtest, compareBacktests, DEFAULT_REPEAT_INTERVAL_MS, type BacktestOptions, type BacktestResult, type BacktestInstance, type BacktestComparison, type Span, type SpanState, type FiringDifference } from './backtest';
export { runRuleTests, checkRuleFiles, type RuleTestOptions, type CheckOptions } from './unit-test';
export {
	initialState,
	toJsonNumber,
	fromJsonNumber,
	NODATA_POLICIES,
	SEVERITIES,
	type AlertInstance,
	type AlertEvent,
	type InstanceState,
	type JsonNumber,
	type NodataPolicy,
	type RuleHealth,
	type RuleState,
	type Severity,
	type StateRule,
	type VectorSample
} from './types';

/** A group as the engine schedules it (recording rules absent when it has none). */
export type CompiledGroup = Pick<RuleGroup, 'name' | 'intervalMs' | 'rules'> & Partial<Pick<RuleGroup, 'recordings'>>;

/**
 * A rule file for the alerts role: its compiled groups, the groups as written (to store), and its
 * problems as lines of text (empty when the file is valid).
 */
export function compileRuleSet(text: string, fileName: string, options: ParseOptions = {}): { groups: CompiledGroup[]; specs: GroupSpec[]; problems: string[] } {
	const parsed = parseRuleFile(text, fileName, options);
	return { groups: parsed.groups, specs: parsed.groups.map((g) => g.spec), problems: parsed.problems.map(formatRuleProblem) };
}

export { evaluate as evaluateRule } from './evaluate';
export { restoreState as restoreRuleState } from './state';
export { MAX_RULE_TEXT, type RuleEditProblem, type RuleThreshold, checkRuleText, renderRuleFor, ruleThreshold } from './edit';
export { canonicalLabels } from './labels';
export { readRuleFile } from './read';
export { type RuleTestExport, TestExportError, buildRuleTest, planRuleTest } from './test-export';
