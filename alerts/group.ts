/**
 * One rule group's evaluation (as Prometheus' rules.Group.Eval): read the group's data at once, run
 * its recording and alerting rules in order over it, save the new alert state with its events, and
 * hand the events on. The leader's manager (manager.ts) makes one runner per group and the
 * scheduler calls `eval` on the group's interval.
 */
import type { AlertStateStore } from '../src/lib/server/alerting/state';
import { FencedOutError } from '../src/lib/server/alerting/state';
import type { Logger } from '../src/lib/server/log';
import {
	evaluateRule,
	loadRecordingSource,
	loadRuleSource,
	recordingSamples,
	SeriesWriter,
	type AlertEvent,
	type CompiledGroup,
	type CompiledRecording,
	type CompiledRule,
	type RuleState
} from '../src/lib/server/rules';
import { SelectionCache, type TimeSeriesStore } from '../src/lib/server/tsdb';
import type { AlertsConfig } from './config';
import type { RoleMetrics } from './metrics';

/** What every group runner of a leader shares (ports and the leader's working state). */
export interface GroupRunnerContext {
	store: TimeSeriesStore;
	states: AlertStateStore<RuleState, AlertEvent>;
	config: Pick<AlertsConfig, 'evaluationTimeout' | 'externalLabels'>;
	metrics: RoleMetrics;
	log: Logger;
	/** Current state per rule id (the leader's working copy; Redis has the durable one). */
	current: Map<string, RuleState>;
	/** What each recording rule wrote at its last evaluation (for stale markers). */
	recorded: Map<string, SeriesWriter>;
	/**
	 * Runs the part of an evaluation from the state change to its events' follow-up (the notification
	 * pipeline waits for it, so a notification decided next links the incident its alert opened).
	 */
	settling(work: () => Promise<void>): Promise<void>;
	/** The evaluation's events, once saved: incidents and notifications follow. */
	onEvents(group: string, events: AlertEvent[]): Promise<void>;
	/** A save made with lease token `held` was refused (a newer token exists): this process stands by. */
	onFenced(held: number): Promise<void>;
	/** After every evaluation (the alert counts). */
	onEvaluated(): void;
}

export class GroupRunner {
	constructor(
		readonly group: CompiledGroup,
		private readonly ctx: GroupRunnerContext
	) {}

	/**
	 * Evaluates the group at `at` under the lease token `held`. `holds` says whether the token is
	 * still this process's: a group can move to another process while its data is read (shared
	 * groups), and the evaluation is then dropped before it touches the state, which moved with the
	 * group. It is asked right before the state save is sent, with nothing awaited in between, so a
	 * save that goes out was made under a lease not yet given up.
	 */
	async eval(at: number, held: number, holds: () => boolean = () => true): Promise<void> {
		const t0 = performance.now();
		const { config } = this.ctx;
		// The group's data is read at once (one round trip's wait, not one per rule); the rules are
		// then evaluated in order over what was read. With recording rules, in the group's order:
		// the alerting rules before a recording rule read before it writes, those after it read what
		// it wrote.
		const rules = this.group.rules.filter((r) => r.enabled);
		const recordings = (this.group.recordings ?? []).filter((r) => r.enabled);
		const deadline = performance.now() + config.evaluationTimeout;
		// The rules of one evaluation share their index reads (a metric's series are listed once, not once per rule).
		let selection = new SelectionCache();
		const load = (rule: CompiledRule) =>
			withTimeout(loadRuleSource(this.ctx.store, rule, at, at, { deadline, selection }), config.evaluationTimeout, "reading the rule's data").catch(
				(err: Error) => ({ error: err.message }) // the store could not be read: an error state, never "ok"
			);
		const loading: Array<ReturnType<typeof load>> = [];
		let next = 0;
		// Each recording rule's health, saved with the group's alert state (the rules API reads it).
		const recorded: RuleState[] = [];
		for (const rec of recordings) {
			while (next < rules.length && rules[next]!.index < rec.index) loading.push(load(rules[next++]!));
			await Promise.all(loading);
			if (!holds()) return;
			recorded.push(await this.record(rec, at, deadline));
			// The recording rule may have made new series: the rules after it list them again.
			selection = new SelectionCache();
		}
		while (next < rules.length) loading.push(load(rules[next++]!));
		const sources = await Promise.all(loading);
		await this.ctx.settling(async () => {
			if (!holds()) {
				this.ctx.log.debug({ group: this.group.name }, 'rule group moved to another process during its evaluation; result dropped');
				return;
			}
			await this.apply(rules, sources, { at, held, t0, deadline }, recorded);
		});
	}

	/**
	 * A recording rule's evaluation at `at`: its series (and stale markers for those gone) written
	 * into the store before the rules after it in the group read.
	 */
	private async record(rule: CompiledRecording, at: number, deadline: number): Promise<RuleState> {
		const { metrics, config, recorded, store, log } = this.ctx;
		const started = performance.now();
		metrics.evaluations.inc();
		let lastError: string | undefined;
		try {
			const source = await withTimeout(loadRecordingSource(store, rule, at, { deadline }), config.evaluationTimeout, "reading the rule's data");
			const samples = recordingSamples(rule, at, source, { deadline });
			let writer = recorded.get(rule.id);
			if (!writer) recorded.set(rule.id, (writer = new SeriesWriter()));
			const res = await store.write(writer.step(at, samples));
			if (res.problems.length) log.warn({ rule: rule.id, problems: res.problems }, 'some recorded samples were not stored');
		} catch (err) {
			lastError = (err as Error).message;
			metrics.failures.inc({ rule: rule.id });
			log.warn({ rule: rule.id, err: lastError }, 'recording rule evaluation failed');
		}
		const ms = performance.now() - started;
		metrics.ruleDuration.set({ rule: rule.id }, ms / 1000);
		return { ruleId: rule.id, health: lastError === undefined ? 'ok' : 'error', ...(lastError === undefined ? {} : { lastError }), lastEvalAt: at, lastEvalDurationMs: ms, instances: [] };
	}

	/** The evaluation over the read data: state, saving, events, metrics. */
	private async apply(
		rules: CompiledGroup['rules'],
		sources: Parameters<typeof evaluateRule>[2][],
		{ at, held, t0, deadline }: { at: number; held: number; t0: number; deadline: number },
		recorded: readonly RuleState[] = []
	): Promise<void> {
		const { metrics, current, config, log } = this.ctx;
		const saves: Array<{ ruleId: string; state: RuleState }> = recorded.map((state) => ({ ruleId: state.ruleId, state }));
		const events: AlertEvent[] = [];
		rules.forEach((rule, i) => {
			const started = performance.now();
			const result = evaluateRule(rule, at, sources[i]!, current.get(rule.id), { deadline, externalLabels: config.externalLabels });
			metrics.evaluations.inc();
			if (result.state.health === 'error') metrics.failures.inc({ rule: rule.id });
			current.set(rule.id, result.state);
			saves.push({ ruleId: rule.id, state: result.state });
			events.push(...result.events);
			metrics.ruleDuration.set({ rule: rule.id }, (performance.now() - started) / 1000);
		});
		try {
			await this.ctx.states.save(held, at, saves, events);
		} catch (err) {
			if (err instanceof FencedOutError) {
				log.warn('a newer leader wrote alert state: standing by');
				await this.ctx.onFenced(held);
				return;
			}
			log.warn({ group: this.group.name, err: (err as Error).message }, 'could not save alert state; it stays in memory and is saved at the next evaluation');
		}
		if (events.length) {
			log.info({ group: this.group.name, changes: events.length }, 'alert state changed');
			await this.ctx.onEvents(this.group.name, events);
		}
		metrics.groupDuration.set({ group: this.group.name }, (performance.now() - t0) / 1000);
		metrics.groupLast.set({ group: this.group.name }, at / 1000);
		this.ctx.onEvaluated();
	}
}

/** Rejects when `work` takes longer than `ms` (the store read of an evaluation is bounded too). */
function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what} took longer than the evaluation timeout (${ms} ms)`)), ms);
	});
	return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
