/**
 * The alert rules that watch a board's tiles, so a tile colours by the same threshold as the alert
 * that pages people (one source of truth). A rule watches a tile's source when its expression is
 * `selector op N` (op one of > >= < <=, the shape the rule page draws as a threshold line:
 * rule-detail's ruleThreshold) and every matcher of that selector is one of the source's own: so
 * every series the tile shows is one the rule evaluates. `system_failure_ratio > 0.001` watches a
 * stat of `system_failure_ratio`; `histogram_quantile(...) > 2` watches no tile.
 *
 * The rule set lives in Redis (rule-repo.ts); it is read again only when its revision changes.
 */
import type { Redis } from 'ioredis';
import type { BoardDef } from '../../shared/boards';
import type { TileRule } from '../../shared/live';
import type { Keys } from '../keys';
import { groupIntervalMs, RuleRepository, type StoredGroup } from '../alerting/ruleset';
import { DEFAULT_GROUP_INTERVAL_MS, compileRule, ruleThreshold } from '../rules';
import { parseSelector, type Matcher } from '../tsdb';

/** An enabled alert rule of the form `selector op N`. */
export interface WatchingRule {
	ruleId: string;
	name: string;
	severity: TileRule['severity'];
	op: TileRule['op'];
	threshold: number;
	matchers: Matcher[];
}

/** The enabled alert rules of a rule set whose expression is `selector op N`. */
export function watchingRules(groups: readonly StoredGroup[]): WatchingRule[] {
	const out: WatchingRule[] = [];
	for (const g of groups) {
		// The interval changes no threshold: the default one serves.
		const intervalMs = groupIntervalMs(g.interval, DEFAULT_GROUP_INTERVAL_MS);
		for (const r of g.rules) {
			if (!r.enabled) continue;
			const compiled = compileRule(r.spec, { name: g.name, intervalMs }).rule;
			const th = compiled ? ruleThreshold(compiled) : null;
			if (!compiled || !th) continue;
			let matchers: Matcher[];
			try {
				// Only a plain selector reads the tile's series as they are (no function, no range).
				matchers = parseSelector(th.lhs.trim());
			} catch {
				continue;
			}
			out.push({ ruleId: r.id, name: compiled.name, severity: compiled.severity ?? 'info', op: th.op, threshold: th.threshold, matchers });
		}
	}
	return out;
}

const key = (m: Matcher) => `${m.name}\u0000${m.op}\u0000${m.value}`;

/** Which rules watch which tile sources of a board (stat and chart tiles). */
export function tileRules(def: BoardDef, rules: readonly WatchingRule[]): TileRule[] {
	const out: TileRule[] = [];
	def.tiles.forEach((tile, t) => {
		const selectors = tile.kind === 'stat' ? [tile.selector] : tile.kind === 'chart' ? tile.series.map((s) => s.selector) : [];
		selectors.forEach((selector, source) => {
			let own: Set<string>;
			try {
				own = new Set(parseSelector(selector).map(key));
			} catch {
				return;
			}
			for (const r of rules) {
				if (!r.matchers.every((m) => own.has(key(m)))) continue;
				out.push({ tile: t, source, ruleId: r.ruleId.slice(0, 300), name: r.name.slice(0, 200), severity: r.severity, op: r.op, threshold: r.threshold });
			}
		});
	});
	return out;
}

/** The rule set's watching rules, read again when its revision changes. */
export class RuleWatch {
	private revision = -1;
	rules: WatchingRule[] = [];

	constructor(
		private readonly redis: Redis,
		private readonly keys: Keys
	) {}

	/** Reads the rule set if it changed since the last time; true when it did. */
	async refresh(): Promise<boolean> {
		const repo = new RuleRepository(this.redis, this.keys);
		if ((await repo.revision()) === this.revision) return false;
		const { revision, groups } = await repo.load();
		this.revision = revision;
		this.rules = watchingRules(groups);
		return true;
	}
}
