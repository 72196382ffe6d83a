/**
 * Backtests a stored rule, and optionally a draft of it, over stored history: the same state
 * machine at the group's interval (see rules/backtest.ts). Shared by `vigil rules backtest` and
 * `POST /api/v1/rules/backtest`.
 */
import { parse } from 'yaml';
import { backtest, compareBacktests, compileRuleSet, formatRuleFile, loadRuleSource, type BacktestComparison, type BacktestResult, type CompiledRule } from '../rules';
import type { TimeSeriesStore } from '../tsdb';
import { MAX_ALIAS_COUNT } from '../yaml-doc';
import type { RuleRepository, StoredGroup } from '../alerting/ruleset';

/** Longest draft read (the API also caps its body). */
const MAX_DRAFT_LENGTH = 64 * 1024;

/** Longest window one backtest may replay. */
export const MAX_BACKTEST_MS = 90 * 86_400_000;

export class BacktestInputError extends Error {
	override name = 'BacktestInputError';
	constructor(
		readonly field: string,
		message: string
	) {
		super(`${field}: ${message}`);
	}
}

export interface BacktestRequest {
	/** The rule's id (`group/alert`) or, when unique, its alert name. */
	rule: string;
	from: number;
	to: number;
	/** A changed version to compare: one rule in YAML (`alert:`, `expr:`, ...) or a rule file. */
	draft?: string;
	/** Evaluation interval; default the group's. */
	intervalMs?: number;
	/** Reports progress (loading, replaying). */
	progress?: (message: string) => void;
}

export interface BacktestResponse {
	ruleId: string;
	current: BacktestResult;
	draft?: BacktestResult;
	comparison?: BacktestComparison;
}

function findRule(groups: StoredGroup[], name: string): { group: StoredGroup; index: number } {
	const matches: Array<{ group: StoredGroup; index: number }> = [];
	for (const group of groups) {
		group.rules.forEach((r, index) => {
			if (r.id === name || r.spec.alert === name) matches.push({ group, index });
		});
	}
	const exact = matches.find((m) => m.group.rules[m.index]!.id === name);
	if (exact) return exact;
	if (matches.length === 0) throw new BacktestInputError('rule', `no rule ${JSON.stringify(name)}; \`vigil rules export\` lists them (ids are group/alert)`);
	if (matches.length > 1) throw new BacktestInputError('rule', `${JSON.stringify(name)} names ${matches.length} rules; use the id: ${matches.map((m) => m.group.rules[m.index]!.id).join(', ')}`);
	return matches[0]!;
}

function compileIn(group: { name: string; interval?: string }, spec: unknown, field: string, defaultIntervalMs: number): CompiledRule {
	const text = formatRuleFile([{ name: group.name, ...(group.interval !== undefined ? { interval: group.interval } : {}), rules: [spec as never] }]);
	const set = compileRuleSet(text, field, { defaultIntervalMs });
	const rule = set.groups[0]?.rules[0];
	if (!rule || set.problems.length) throw new BacktestInputError(field, set.problems.join('; ') || 'the rule does not compile');
	return rule;
}

/** Reads a draft: one rule (a mapping with `alert`), or a rule file holding a rule of that name. */
function draftSpec(text: string, alert: string): unknown {
	let doc: unknown;
	if (text.length > MAX_DRAFT_LENGTH) throw new BacktestInputError('draft', `at most ${MAX_DRAFT_LENGTH} characters`);
	try {
		doc = parse(text, { maxAliasCount: MAX_ALIAS_COUNT });
	} catch (err) {
		throw new BacktestInputError('draft', `not YAML: ${(err as Error).message}`);
	}
	if (doc && typeof doc === 'object' && 'groups' in doc) {
		const groups: unknown = (doc as { groups?: unknown }).groups ?? [];
		if (!Array.isArray(groups)) throw new BacktestInputError('draft', 'groups: expected a list of groups');
		const rulesOf = (g: unknown): unknown[] => {
			const rules = g && typeof g === 'object' ? (g as { rules?: unknown }).rules : undefined;
			return Array.isArray(rules) ? rules : [];
		};
		const found = groups.flatMap(rulesOf).filter((r) => (r as { alert?: unknown } | null)?.alert === alert);
		if (found.length !== 1) throw new BacktestInputError('draft', `the rule file must hold exactly one rule with alert ${JSON.stringify(alert)}, found ${found.length}`);
		return found[0];
	}
	if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new BacktestInputError('draft', 'expected one rule (alert:, expr:, ...) or a rule file (groups:)');
	return doc;
}

/** `deps.defaultGroupIntervalMs`: the config's `alerts.defaultInterval` (the engine's interval of a group that names none). */
export async function runBacktest(deps: { store: Pick<TimeSeriesStore, 'raw'>; rules: RuleRepository; defaultGroupIntervalMs: number }, req: BacktestRequest): Promise<BacktestResponse> {
	if (!Number.isFinite(req.from)) throw new BacktestInputError('from', 'expected a time');
	if (!Number.isFinite(req.to)) throw new BacktestInputError('to', 'expected a time');
	if (req.to <= req.from) throw new BacktestInputError('to', 'must be after from');
	if (req.to - req.from > MAX_BACKTEST_MS) throw new BacktestInputError('to', 'a backtest covers at most 90 days; split the window');
	if (req.intervalMs !== undefined && !(req.intervalMs >= 1000)) throw new BacktestInputError('interval', 'must be at least 1s');
	const { groups } = await deps.rules.load();
	const { group, index } = findRule(groups, req.rule);
	const stored = group.rules[index]!;
	const current = compileIn(group, stored.spec, `rule ${stored.id}`, deps.defaultGroupIntervalMs);
	const draft = req.draft !== undefined ? compileIn(group, draftSpec(req.draft, stored.spec.alert), 'draft', deps.defaultGroupIntervalMs) : undefined;
	const interval = req.intervalMs ?? current.intervalMs;
	// Evaluations fall on multiples of the interval, as the alerts role runs them.
	const first = Math.ceil(req.from / interval) * interval;
	const steps = first > req.to ? 0 : Math.floor((req.to - first) / interval) + 1;

	req.progress?.(`loading ${formatSpan(req.to - req.from)} of data for ${stored.id}`);
	const [src, draftSrc] = await Promise.all([loadRuleSource(deps.store, current, req.from, req.to), draft ? loadRuleSource(deps.store, draft, req.from, req.to) : undefined]);
	req.progress?.(`replaying ${steps.toLocaleString('en-US')} evaluations every ${formatSpan(interval)}${draft ? ', for the current rule and the draft' : ''}`);
	const options = { from: req.from, to: req.to, interval };
	const result: BacktestResponse = { ruleId: stored.id, current: backtest(current, src, options) };
	if (draft && draftSrc) {
		result.draft = backtest(draft, draftSrc, options);
		result.comparison = compareBacktests(result.current, result.draft);
	}
	return result;
}

function formatSpan(ms: number): string {
	if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
	if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
	if (ms % 60_000 === 0) return `${ms / 60_000}m`;
	return `${ms / 1000}s`;
}
