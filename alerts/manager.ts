/**
 * The leader's rule manager (as Prometheus' rules.Manager): the compiled rule set, one runner per
 * group (group.ts) on the group scheduler, the working copy of alert state, and what leading and
 * standing by do to them. Rules are read from Redis (the source of truth); a rule that no longer
 * compiles keeps its previous compiled version, so a bad save never stops a good rule.
 */
import { storedGroupSpec, type RuleRepository, type StoredGroup } from '../src/lib/server/alerting/ruleset';
import type { AlertStateStore } from '../src/lib/server/alerting/state';
import type { Clock } from '../src/lib/server/clock';
import type { Logger } from '../src/lib/server/log';
import {
	compileRuleSet,
	formatRuleFile,
	restoreRuleState,
	type AlertEvent,
	type CompiledGroup,
	type CompiledRecording,
	type CompiledRule,
	type RuleState,
	type SeriesWriter
} from '../src/lib/server/rules';
import type { TimeSeriesStore } from '../src/lib/server/tsdb';
import { GroupRunner } from './group';
import type { GroupLeases } from './group-leases';
import { GroupScheduler } from './group-scheduler';
import type { RoleMetrics } from './metrics';
import type { AlertsConfig } from './config';

export interface RuleManagerOptions {
	repo: RuleRepository;
	states: AlertStateStore<RuleState, AlertEvent>;
	store: TimeSeriesStore;
	config: AlertsConfig;
	clock: Clock;
	log: Logger;
	metrics: RoleMetrics;
	/** Holds an evaluation's state change and follow-up apart from the notification pipeline. */
	settling(work: () => Promise<void>): Promise<void>;
	/** An evaluation changed alert state (its events are saved). */
	onEvents(group: string, events: AlertEvent[]): Promise<void>;
	/** A newer leader wrote alert state. */
	/** A save made with lease token `held` was refused: a newer token exists. */
	onFenced(held: number): Promise<void>;
	/**
	 * Rule groups shared among alerts processes (alerts.shareGroups): each group is evaluated by the
	 * process holding its lease, with its own fencing token and state store; the leader then only
	 * runs the notification pipeline, over the states every process saved.
	 */
	shared?: SharedGroups;
}

export interface SharedGroups {
	leases: Pick<GroupLeases, 'token' | 'drop' | 'setGroups' | 'pass'>;
	/** The group names the rule set has now (the shard's targets). */
	setTargets(names: string[]): void;
	/** The state store a group's evaluations save through (fenced by the group's token). */
	statesFor(group: string): AlertStateStore<RuleState, AlertEvent>;
}

export class RuleManager {
	private groups: CompiledGroup[] = [];
	private revision = -1;
	/** The lease token while this process leads. */
	private held: number | undefined;
	/** The working copy holds the saved state (set after restore, cleared on standing by). */
	private restored = false;
	/** Current state per rule id (the leader's working copy; Redis has the durable one). */
	private readonly current = new Map<string, RuleState>();
	/** What each recording rule wrote at its last evaluation (for stale markers); the leader's only. */
	private readonly recorded = new Map<string, SeriesWriter>();
	private readonly scheduler: GroupScheduler;
	/** Shared groups: those this process holds and has restored the state of. */
	private readonly ownGroups = new Set<string>();
	/** Shared groups, on the leader: the saved states of the rules other processes evaluate. */
	private readonly others = new Map<string, RuleState>();
	/** Shared groups: the lease changes being applied, in order. */
	private changing: Promise<void> = Promise.resolve();

	constructor(private readonly options: RuleManagerOptions) {
		this.scheduler = new GroupScheduler({
			clock: options.clock,
			onMissed: (group, n) => options.metrics.missed.inc({ group }, n),
			onError: (group, err) => options.log.error({ group, err: err.message }, 'rule group evaluation failed')
		});
	}

	/** The lease token while leading. */
	get token(): number | undefined {
		return this.held;
	}

	/** The lease token once the saved state is restored (what the notification pipeline may act on). */
	get readyToken(): number | undefined {
		return this.restored ? this.held : undefined;
	}

	/** The alert states of the enabled rules: disabled rules notify nothing (their alerts resolve for receivers). */
	enabledStates(): RuleState[] {
		const enabled = new Set(this.groups.flatMap((g) => g.rules.filter((r) => r.enabled).map((r) => r.id)));
		const all = this.options.shared ? new Map([...this.others, ...this.current]) : this.current;
		return [...all.values()].filter((st) => enabled.has(st.ruleId));
	}

	// ---- shared groups (alerts.shareGroups) ----------------------------------------------------

	/** Starts evaluating the groups whose leases this process holds (whether it leads or not). */
	async share(): Promise<void> {
		await this.loadRules(true);
		await this.options.shared!.leases.pass();
	}

	/**
	 * Group leases changed: restore the gained groups' saved state, forget the lost ones'. Changes
	 * apply one after another, in the order the leases changed (a group lost while its gain still
	 * reads the saved state stays lost).
	 */
	groupsChanged(gained: readonly string[], lost: readonly string[]): Promise<void> {
		const run = this.changing.then(() => this.applyGroupChange(gained, lost));
		this.changing = run.catch(() => {});
		return run;
	}

	private async applyGroupChange(gained: readonly string[], lost: readonly string[]): Promise<void> {
		const { states, clock, log } = this.options;
		for (const name of lost) {
			this.ownGroups.delete(name);
			const g = this.groups.find((x) => x.name === name);
			// Kept as another process's state until the next refresh, so the pipeline never sees them vanish.
			for (const r of g?.rules ?? []) {
				const st = this.current.get(r.id);
				if (st) this.others.set(r.id, st);
				this.current.delete(r.id);
			}
			for (const r of g?.recordings ?? []) this.recorded.delete(r.id);
		}
		if (!gained.length) return;
		const saved = await states.load((id, problem) => log.warn({ rule: id, problem }, 'saved alert state unreadable; the rule starts fresh'));
		const now = clock.now();
		for (const name of gained) {
			const g = this.groups.find((x) => x.name === name);
			for (const rule of g?.rules ?? []) {
				const st = saved.get(rule.id);
				if (st) this.current.set(rule.id, restoreRuleState(st.state, st.savedAt, now, rule));
				else this.current.delete(rule.id);
			}
			this.ownGroups.add(name);
		}
		log.info({ groups: gained }, 'took over rule groups with their saved state');
	}

	/** On the leader: reads the states the other processes saved (for the notification pipeline). */
	async refreshOthers(): Promise<void> {
		const saved = await this.options.states.load(() => {});
		const mine = new Set(this.groups.filter((g) => this.ownGroups.has(g.name)).flatMap((g) => g.rules.map((r) => r.id)));
		this.others.clear();
		for (const [id, s] of saved) if (!mine.has(id)) this.others.set(id, s.state);
	}

	/** Takes the lead with lease token `token`: loads the rules, restores the saved state, schedules. */
	async lead(token: number): Promise<void> {
		this.held = token;
		if (this.options.shared) {
			// Evaluation follows the group leases; leading is running the notification pipeline.
			await this.refreshOthers();
			this.restored = true;
			return;
		}
		await this.loadRules(true);
		await this.restore();
		this.restored = true;
		this.schedule();
	}

	/** Stands by: no evaluations, the working copy forgotten. */
	async standBy(): Promise<void> {
		this.held = undefined;
		this.restored = false;
		if (this.options.shared) {
			this.others.clear();
			return;
		}
		await this.scheduler.stop();
		this.current.clear();
		this.recorded.clear();
	}

	async stop(): Promise<void> {
		await this.scheduler.stop();
	}

	/** Loads the rule set if its revision changed (or when `force`). */
	async loadRules(force = false): Promise<void> {
		const { repo, log } = this.options;
		const rev = await repo.revision();
		if (!force && rev === this.revision) return;
		const set = await repo.load();
		const previous = new Map<string, CompiledRule | CompiledRecording>(this.groups.flatMap((g) => [...g.rules, ...(g.recordings ?? [])].map((r) => [r.id, r] as const)));
		this.groups = compileStored(set.groups, previous, this.options.config.defaultInterval, log);
		this.revision = set.revision;
		const ids = new Set(this.groups.flatMap((g) => g.rules.map((r) => r.id)));
		const gone = [...this.current.keys()].filter((id) => !ids.has(id));
		for (const id of gone) this.current.delete(id);
		// Recording rules keep only their health in the saved state: a removed one's goes too.
		const recordings = new Set(this.groups.flatMap((g) => (g.recordings ?? []).map((r) => r.id)));
		for (const id of [...this.recorded.keys()].filter((x) => !recordings.has(x))) {
			this.recorded.delete(id);
			gone.push(id);
		}
		if (this.held !== undefined && gone.length) await this.options.states.remove(this.held, gone).catch(() => {});
		log.info({ revision: this.revision, groups: this.groups.length, rules: ids.size }, 'rule set loaded');
		if (this.options.shared) {
			const names = this.groups.map((g) => g.name);
			this.options.shared.setTargets(names);
			this.options.shared.leases.setGroups(names);
			this.schedule();
			return;
		}
		if (this.held !== undefined) this.schedule();
	}

	private async restore(): Promise<void> {
		const { states, clock, log } = this.options;
		const saved = await states.load((id, problem) => log.warn({ rule: id, problem }, 'saved alert state unreadable; the rule starts fresh'));
		const now = clock.now();
		this.current.clear();
		for (const g of this.groups) {
			for (const rule of g.rules) {
				const s = saved.get(rule.id);
				if (s) this.current.set(rule.id, restoreRuleState(s.state, s.savedAt, now, rule));
			}
		}
		log.info({ restored: this.current.size }, 'alert state restored');
	}

	private schedule(): void {
		const o = this.options;
		const ctx = {
			store: o.store,
			states: o.states,
			config: o.config,
			metrics: o.metrics,
			log: o.log,
			current: this.current,
			recorded: this.recorded,
			settling: o.settling,
			onEvents: o.onEvents,
			onFenced: o.onFenced,
			onEvaluated: () => this.updateAlertCounts()
		};
		const shared = o.shared;
		if (shared) {
			const runners = this.groups.map((g) => new GroupRunner(g, { ...ctx, states: shared.statesFor(g.name), onFenced: async () => shared.leases.drop(g.name) }));
			this.scheduler.set(
				runners.map((r) => ({
					name: r.group.name,
					intervalMs: r.group.intervalMs,
					run: async (at: number) => {
						const name = r.group.name;
						const token = shared.leases.token(name);
						const holds = () => shared.leases.token(name) === token && this.ownGroups.has(name);
						if (token !== undefined && holds()) await r.eval(at, token, holds);
					}
				}))
			);
			return;
		}
		const runners = this.groups.map((g) => new GroupRunner(g, ctx));
		this.scheduler.set(
			runners.map((r) => ({
				name: r.group.name,
				intervalMs: r.group.intervalMs,
				run: async (at: number) => {
					const held = this.held;
					if (held !== undefined) await r.eval(at, held);
				}
			}))
		);
	}

	private updateAlertCounts(): void {
		const counts: Record<string, number> = { pending: 0, firing: 0, nodata: 0, error: 0 };
		for (const s of this.current.values()) for (const i of s.instances) if (i.state in counts) counts[i.state]!++;
		for (const [state, n] of Object.entries(counts)) this.options.metrics.alerts.set({ state }, n);
	}
}

/** Compiles the stored rule set; a rule that fails keeps its previous compiled version, if any. */
function compileStored(stored: StoredGroup[], previous: Map<string, CompiledRule | CompiledRecording>, defaultInterval: number, log: Logger): CompiledGroup[] {
	const out: CompiledGroup[] = [];
	for (const g of stored) {
		const text = formatRuleFile([storedGroupSpec(g)]);
		const parsed = compileRuleSet(text, `redis:${g.name}`, { defaultIntervalMs: defaultInterval });
		const compiled = parsed.groups[0];
		const rules: CompiledRule[] = [];
		const recordings: CompiledRecording[] = [];
		(g.all ?? g.rules).forEach((r, i) => {
			const isRecording = 'record' in r.spec;
			const c = isRecording ? compiled?.recordings?.find((x) => x.index === i) : compiled?.rules.find((x) => x.index === i);
			const prev = c ? undefined : previous.get(r.id);
			if (!c) log.error({ rule: r.id, problems: parsed.problems }, prev ? 'rule does not compile; keeping its previous version' : 'rule does not compile; it is not evaluated');
			const use = c ? { ...c, id: r.id, enabled: r.enabled } : prev;
			if (!use) return;
			if ('kind' in use && use.kind === 'record') recordings.push(use);
			else rules.push(use as CompiledRule);
		});
		out.push({ name: g.name, intervalMs: compiled?.intervalMs ?? defaultInterval, rules, ...(recordings.length ? { recordings } : {}) });
	}
	return out;
}
