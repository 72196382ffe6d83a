/**
 * What the rule-management API routes (and `vigil rules rollback|enable|disable`) share: the rule
 * id of `/api/v1/rules/<group>/<alert>`, the edit, rollback and enable operations with their
 * answers (`{rule}`, `{error}`, `{error, problems}`), and the announcement that makes a change
 * take effect at the next evaluation: the same `{"type":"rules"}` message on the control channel
 * that `vigil rules import` publishes (the alerts role also polls the set's revision).
 */
import type { Redis } from 'ioredis';
import type { AuditLog } from '../../audit';
import type { Keys } from '../../keys';
import { checkRuleText, renderRuleFor, type RuleEditProblem, type RuleThreshold } from '../../rules';
import type { RuleDetailRule } from '../../views';
import { groupIntervalMs, RuleNotFoundError, RuleRepository, ruleYaml, type StoredRule } from '../../alerting/ruleset';

export interface RuleHttpDeps {
	redis: Redis;
	keys: Keys;
	audit?: AuditLog;
	/** The config's `alerts.defaultInterval`: the interval of a group that names none. */
	defaultGroupIntervalMs: number;
}

/** An answer: status and JSON body. */
export interface Answer<T = unknown> {
	status: number;
	body: T;
}

/** Longest id segment accepted in a path. */
const MAX_SEGMENT = 200;

/** The rule id of the path's two segments (SvelteKit has decoded them), or null when they cannot name one. */
export function ruleIdOf(params: { group?: string; alert?: string }): string | null {
	const { group, alert } = params;
	if (!group || !alert || group.length > MAX_SEGMENT || alert.length > MAX_SEGMENT || group.includes('/') || alert.includes('/')) return null;
	return `${group}/${alert}`;
}

export function notFound(id: string): Answer<{ error: string }> {
	return { status: 404, body: { error: `no rule ${JSON.stringify(id.slice(0, 2 * MAX_SEGMENT + 1))}` } };
}

/** Tells running alerts roles that the rule set changed (they reload before their next evaluation). */
export async function announceRules(redis: Redis, keys: Keys, revision: number): Promise<void> {
	await redis.publish(keys.control, JSON.stringify({ type: 'rules', revision }));
}

function repoOf(deps: RuleHttpDeps): RuleRepository {
	return new RuleRepository(deps.redis, deps.keys, deps.audit ? { audit: deps.audit } : {});
}

/** A stored rule in the API's shape (as in the detail). */
export async function ruleView(repo: RuleRepository, rule: StoredRule, defaultGroupIntervalMs: number): Promise<RuleDetailRule> {
	const interval = (await repo.group(rule.group))?.interval ?? null;
	return { ...rule, interval, intervalMs: groupIntervalMs(interval, defaultGroupIntervalMs), name: rule.spec.alert, yaml: ruleYaml(rule.spec) + '\n' };
}

function problemsAnswer(problems: RuleEditProblem[]): Answer<{ error: string; problems: RuleEditProblem[] }> {
	const first = problems[0]!;
	const where = first.line !== undefined ? ` (line ${first.line}${first.column !== undefined ? `, column ${first.column}` : ''})` : '';
	const more = problems.length > 1 ? `; ${problems.length - 1} more problem${problems.length === 2 ? '' : 's'}` : '';
	return { status: 400, body: { error: `${first.path || 'rule'}: ${first.message}${where}${more}`, problems } };
}

/** PUT: saves a new version of one rule from its YAML. Bad input stores nothing. */
export async function saveRuleText(deps: RuleHttpDeps, id: string, input: { yaml: string; message?: string }, author: string): Promise<Answer> {
	const repo = repoOf(deps);
	const stored = await repo.get(id);
	if (!stored) return notFound(id);
	const interval = (await repo.group(stored.group))?.interval;
	const checked = checkRuleText(input.yaml, { name: stored.group, intervalMs: groupIntervalMs(interval, deps.defaultGroupIntervalMs) }, { expectAlert: stored.spec.alert });
	if (checked.problems.length > 0 || !checked.spec || !checked.rule) {
		return problemsAnswer(checked.problems.length ? checked.problems : [{ path: '', message: 'the rule does not compile' }]);
	}
	try {
		const r = await repo.saveRule(id, checked.spec, { author, ...(input.message ? { message: input.message } : {}) });
		if (r.changed) await announceRules(deps.redis, deps.keys, r.revision);
		return { status: 200, body: { rule: await ruleView(repo, r.rule, deps.defaultGroupIntervalMs), changed: r.changed } };
	} catch (err) {
		if (err instanceof RuleNotFoundError) return notFound(id);
		throw err;
	}
}

export interface ValidateInput {
	yaml: string;
	/** The group the rule is (or will be) in: its interval applies. */
	group?: string;
	/** The id of the rule being edited: its alert name must stay. */
	rule?: string;
	/** An instance to render the templates for (its series labels and value). */
	labels?: Record<string, string>;
	value?: number;
}

export interface ValidateAnswer {
	ok: boolean;
	problems: RuleEditProblem[];
	threshold: RuleThreshold | null;
	rendered?: { labels: Record<string, string>; annotations: Record<string, string> };
}

/** POST /validate: the save's checks without saving, and the templates rendered for an instance. */
export async function validateRuleText(deps: RuleHttpDeps, input: ValidateInput): Promise<ValidateAnswer> {
	const repo = repoOf(deps);
	let groupName = input.group ?? '';
	let expectAlert: string | undefined;
	if (input.rule !== undefined) {
		const stored = await repo.get(input.rule);
		if (stored) {
			groupName = stored.group;
			expectAlert = stored.spec.alert;
		}
	}
	const interval = groupName ? (await repo.group(groupName))?.interval : undefined;
	const checked = checkRuleText(input.yaml, { name: groupName, intervalMs: groupIntervalMs(interval, deps.defaultGroupIntervalMs) }, expectAlert !== undefined ? { expectAlert } : {});
	const out: ValidateAnswer = { ok: checked.problems.length === 0 && checked.rule !== undefined, problems: checked.problems, threshold: checked.threshold };
	if (checked.rule) out.rendered = renderRuleFor(checked.rule, input.labels ?? {}, input.value ?? 0);
	return out;
}

/** POST /rollback (and `vigil rules rollback`): makes `version` current again, as a new version. */
export async function rollbackRule(deps: RuleHttpDeps, id: string, input: { version: number; message?: string }, author: string): Promise<Answer> {
	const repo = repoOf(deps);
	const { version } = input;
	try {
		const r = await repo.rollbackChange(id, version, { author, ...(input.message ? { message: input.message } : {}) });
		await announceRules(deps.redis, deps.keys, r.revision);
		return { status: 200, body: { rule: await ruleView(repo, r.rule, deps.defaultGroupIntervalMs) } };
	} catch (err) {
		if (err instanceof RuleNotFoundError) return notFound(id);
		if (err instanceof Error && /has no version|is a deletion/.test(err.message)) return { status: 400, body: { error: `version: ${err.message}` } };
		throw err;
	}
}

/** POST /enabled (and `vigil rules enable|disable`): turns the rule on or off (a version of its own when it changes). */
export async function setRuleEnabled(deps: RuleHttpDeps, id: string, input: { enabled: boolean; message?: string }, author: string): Promise<Answer> {
	const repo = repoOf(deps);
	try {
		const r = await repo.changeEnabled(id, input.enabled, { author, ...(input.message ? { message: input.message } : {}) });
		if (r.changed) await announceRules(deps.redis, deps.keys, r.revision);
		return { status: 200, body: { rule: await ruleView(repo, r.rule, deps.defaultGroupIntervalMs), changed: r.changed } };
	} catch (err) {
		if (err instanceof RuleNotFoundError) return notFound(id);
		throw err;
	}
}
