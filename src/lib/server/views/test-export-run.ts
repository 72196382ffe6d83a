/**
 * "Save as test" over Redis: a stored rule, a window (an incident's, or given), the series the rule
 * reads loaded from the store, and the promtool-format rule test built from them
 * (rules/test-export.ts). Shared by GET /api/v1/rules/<group>/<alert>/test-export and `vigil rules
 * export-test`.
 *
 * From an incident, the window is its opening less 30 minutes to its resolution (or now) plus 5
 * minutes, never past now.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../keys';
import { buildRuleTest, planRuleTest, TestExportError, type RuleTestExport } from '../rules';
import type { RawResult, TimeSeriesStore } from '../tsdb';
import { parseIncidentId, IncidentStore } from '../alerting/incidents';
import { groupIntervalMs, RuleNotFoundError, RuleRepository } from '../alerting/ruleset';

export { TestExportError };

/** Before an incident's opening, and after its resolution. */
export const INCIDENT_PAD_BEFORE_MS = 30 * 60_000;
export const INCIDENT_PAD_AFTER_MS = 5 * 60_000;

export interface TestExportRequest {
	/** The rule's id, `group/alert`. */
	rule: string;
	/** An incident (`INC-3` or `3`): its window. */
	incident?: string;
	from?: number;
	to?: number;
	now?: number;
}

export interface TestExportResult extends RuleTestExport {
	ruleId: string;
	/** The window exported, epoch ms. */
	from: number;
	to: number;
	/** The incident's reference, when the window is an incident's. */
	incident?: string;
}

export async function exportRuleTest(deps: { redis: Redis; keys: Keys; store: Pick<TimeSeriesStore, 'raw'>; defaultGroupIntervalMs: number }, req: TestExportRequest): Promise<TestExportResult> {
	const now = req.now ?? Date.now();
	const repo = new RuleRepository(deps.redis, deps.keys);
	const stored = await repo.get(req.rule);
	if (!stored) throw new RuleNotFoundError(req.rule);
	let from: number;
	let to: number;
	let incident: string | undefined;
	if (req.incident !== undefined) {
		if (req.from !== undefined || req.to !== undefined) throw new TestExportError('incident', 'give an incident or from/to, not both');
		const id = parseIncidentId(req.incident);
		const inc = id ? await new IncidentStore(deps.redis, deps.keys).get(id) : null;
		if (!inc) throw new TestExportError('incident', `no incident ${JSON.stringify(req.incident.slice(0, 40))}`);
		incident = inc.ref;
		from = inc.openedAt - INCIDENT_PAD_BEFORE_MS;
		to = Math.min(now, (inc.resolvedAt ?? now) + INCIDENT_PAD_AFTER_MS);
	} else {
		if (req.from === undefined) throw new TestExportError('from', 'give a window (from, and to or now) or an incident');
		from = req.from;
		to = req.to ?? now;
	}
	const group = await repo.group(stored.group);
	const rule = { id: stored.id, group: stored.group, ...(group?.interval !== undefined ? { interval: group.interval } : {}), intervalMs: groupIntervalMs(group?.interval, deps.defaultGroupIntervalMs), spec: stored.spec };
	const plan = planRuleTest(rule, { from, to });
	const loaded: RawResult[] = [];
	for (const matchers of plan.selectors) loaded.push(...(await deps.store.raw(matchers, plan.dataFrom, plan.dataTo)));
	const built = await buildRuleTest(rule, plan, loaded, incident ? { title: `incident ${incident}` } : {});
	return { ruleId: stored.id, from, to, ...(incident ? { incident } : {}), ...built };
}
