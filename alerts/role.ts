/**
 * The alerts role: evaluates the rule set in Redis on each group's interval and keeps every alert
 * instance's state durable in Redis.
 *
 * - Only the leader evaluates (a Redis lease with a fencing token); other processes with this role
 *   stand by and take over within two lease periods when the leader dies.
 * - Rules are read from Redis (the source of truth) at leadership and whenever the rule set's
 *   revision changes (announced on the control channel, and polled as a fallback). A rule that
 *   no longer compiles keeps its previous compiled version, so a bad save never stops a good rule.
 * - On first start, with no rule set in Redis, the configured rule files are imported.
 * - On becoming leader, saved state is restored with the downtime taken out of `for` progress, so
 *   nothing already announced is announced again.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Redis } from 'ioredis';
import { RuleRepository, storedGroupSpec, type StoredGroup } from '../src/lib/server/alerting/ruleset';
import { AuditLog } from '../src/lib/server/audit';
import { AlertStateStore, FencedOutError } from '../src/lib/server/alerting/state';
import { systemClock, type Clock } from '../src/lib/server/clock';
import type { Keys } from '../src/lib/server/keys';
import type { Logger } from '../src/lib/server/log';
import {
	compileRuleSet,
	evaluateRule,
	formatRuleFile,
	loadRecordingSource,
	loadRuleSource,
	recordingSamples,
	restoreRuleState,
	SeriesWriter,
	type AlertEvent,
	type CompiledGroup,
	type CompiledRecording,
	type CompiledRule,
	type RuleState
} from '../src/lib/server/rules';
import type { TimeSeriesStore } from '../src/lib/server/tsdb/types';
import { type ChannelStore, NotificationOutbox, type Route, alertsFromStates, Dispatcher, NotificationSender, type DeliveryConfig } from '../src/lib/server/alerting/notify';
import { loadMuting } from '../src/lib/server/alerting/muting';
import type { AddressPolicy } from '../src/lib/server/net/address-policy';
import { type IncidentOptions, startIncidentFeed, type IncidentFeed } from '../src/lib/server/alerting/incidents';
import { GroupScheduler } from './group-scheduler';
import { startLease, type Lease } from './lease';

export interface AlertsConfig {
	ruleFiles: string[];
	defaultInterval: number;
	evaluationTimeout: number;
	leaseTtl: number;
	externalLabels: Record<string, string>;
}

export interface AlertsRoleOptions {
	log: Logger;
	redis: Redis;
	/** A second connection for the control channel (a subscriber cannot run commands). */
	subscriber?: Redis;
	store: TimeSeriesStore;
	keys: Keys;
	nodeId: string;
	config: AlertsConfig;
	/** Where relative rule files are found (the config file's directory). */
	configDir: string;
	registry?: Registry;
	clock?: Clock;
	/** How often the rule set's revision is checked besides the control channel. Default 10 s. */
	revisionPollMs?: number;
	/** Notifications: without them, alerts are evaluated and stored but nobody is told. */
	notifications?: NotificationsSetup;
	/** Incidents (the config's `incidents` section): without it, no incidents are opened. */
	incidents?: IncidentOptions;
	/** How often the leader runs the notification pipeline (dispatch, delivery). Default 1 s. */
	pipelineIntervalMs?: number;
}

export interface NotificationsSetup {
	route: Route;
	channels: ChannelStore;
	delivery: DeliveryConfig;
	/** Vigil's address for links in notifications. */
	externalUrl: string;
	/** Which addresses channels may reach (`notifications.allowPrivate`). */
	addressPolicy: AddressPolicy;
}

export interface AlertsRole {
	/** Whether this process is the leader now. */
	readonly leader: boolean;
	/** Reloads the rule set from Redis now (the leader only; others load it when they lead). */
	reloadRules(): Promise<void>;
	stop(): Promise<void>;
}

/** Imports the configured rule files when Redis has no rule set yet. Returns what it did. */
export async function seedRules(repo: RuleRepository, redis: Redis, seedKey: string, files: readonly string[], baseDir: string, log: Logger): Promise<string> {
	if (files.length === 0) return 'no rule files configured';
	if (!(await repo.isEmpty())) return 'rules already in Redis';
	// One process seeds, even when several start at once.
	if ((await redis.set(seedKey, '1', 'EX', 60, 'NX')) !== 'OK') return 'another process is importing the rule files';
	const groups = [];
	/** Group name -> the file it came from, as the config names it. */
	const sources = new Map<string, string>();
	for (const f of files) {
		const path = resolve(baseDir, f);
		const text = await readFile(path, 'utf8');
		const parsed = compileRuleSet(text, path);
		if (parsed.problems.length) {
			const report = parsed.problems.join('\n  ');
			log.error({ file: path }, `rule file not imported, it has problems:\n  ${report}`);
			await redis.del(seedKey);
			return `not imported: ${path} has problems`;
		}
		groups.push(...parsed.specs);
		for (const g of parsed.specs) sources.set(g.name, `file ${f}`);
	}
	const r = await repo.save(groups, { author: 'vigil', message: `imported on first start from ${files.join(', ')}`, source: (g) => sources.get(g) ?? null });
	log.info({ files, rules: r.created.length, revision: r.revision }, 'imported the default rule files into Redis');
	return `imported ${r.created.length} rules`;
}

export async function startAlertsRole(options: AlertsRoleOptions): Promise<AlertsRole> {
	const { redis, keys, config, nodeId } = options;
	const log = options.log.child({ role: 'alerts' });
	const clock = options.clock ?? systemClock;
	const audit = new AuditLog(redis, keys.audit);
	const repo = new RuleRepository(redis, keys.rules, { audit });
	const states = new AlertStateStore<RuleState, AlertEvent>(redis, keys.alerts);
	const metrics = createMetrics(options.registry);

	try {
		const seeded = await seedRules(repo, redis, keys.rules.seeding, config.ruleFiles, options.configDir, log);
		log.debug({ seeded }, 'rule set checked');
	} catch (err) {
		log.error({ err: (err as Error).message }, 'could not import the rule files; starting with what Redis holds');
	}

	let token: number | undefined;
	let revision = -1;
	let groups: CompiledGroup[] = [];
	/** Current state per rule id (the leader's working copy; Redis has the durable one). */
	const current = new Map<string, RuleState>();
	let stopped = false;

	// The notification pipeline (leader only): dispatch decides, the sender delivers from the outbox.
	const notify = options.notifications;
	const outbox = new NotificationOutbox(redis, keys.alerts);
	let sendResolved = new Map<string, boolean>();
	/** Applies alert events to incidents while this process leads. */
	let feed: IncidentFeed | undefined;
	const dispatcher = notify
		? new Dispatcher({
				outbox,
				route: notify.route,
				budgetMs: notify.delivery.budget,
				log,
				sendResolved: (name) => sendResolved.get(name) ?? true,
				incidentsFor: async (alerts) => (feed ? (await feed.store.currentIncidentIds(alerts)).map((id) => id ?? undefined) : [])
			})
		: undefined;
	const sender = notify
		? new NotificationSender({
				outbox,
				resolveChannel: (name) => notify.channels.resolve(name),
				config: notify.delivery,
				externalUrl: notify.externalUrl,
				addressPolicy: notify.addressPolicy,
				clock,
				log,
				onAttempt: async (n, entry) => {
					metrics.notifications.inc({ channel: entry.channel, outcome: entry.outcome });
					if (feed && n.incidentIds.length && (entry.outcome === 'sent' || entry.outcome === 'failed' || entry.outcome === 'retry')) {
						await feed.store.recordNotification(n.incidentIds, {
							outcome: entry.outcome === 'sent' ? 'sent' : 'failed',
							channel: entry.channel,
							notificationId: n.id,
							attempt: entry.attempt,
							at: entry.at,
							...(entry.status !== undefined ? { status: entry.status } : {}),
							...(entry.error ? { error: entry.outcome === 'retry' ? `${entry.error} (retrying)` : entry.error } : {})
						});
					}
				}
			})
		: undefined;
	if (notify) {
		void notify.channels
			.names()
			.then((names) => {
				const missing = [...new Set(flattenReceivers(notify.route))].filter((r) => !names.has(r));
				if (missing.length) log.warn({ channels: missing }, 'notifications.route names channels that do not exist yet; their notifications fail until they are created');
			})
			.catch(() => {});
	}

	let pipelineRunning = false;
	/** Evaluations whose state changes have not yet reached the incidents. */
	const unsettled = new Set<Promise<void>>();
	/** The leader's working copy holds the saved state (set after restore, cleared on standing by). */
	let restored = false;
	const runPipeline = async () => {
		const held = token;
		// Not before the saved state is restored: an empty working copy would read as "everything resolved".
		if (held === undefined || pipelineRunning || !restored) return;
		pipelineRunning = true;
		try {
			// Not in the middle of an evaluation: its changes reach the incidents first, so a
			// notification decided now links the incident its alert opened.
			while (unsettled.size) await Promise.all([...unsettled]);
			if (dispatcher && sender) {
				const now = clock.now();
				sendResolved = new Map((await notify!.channels.list()).map((c) => [c.name, c.sendResolved]));
				const muting = await loadMuting(redis, keys.alerts, now);
				// Disabled rules notify nothing: their firing alerts resolve for the receivers.
				const enabled = new Set(groups.flatMap((g) => g.rules.filter((r) => r.enabled).map((r) => r.id)));
				await dispatcher.tick(held, now, alertsFromStates([...current.values()].filter((st) => enabled.has(st.ruleId))), muting);
				await sender.tick();
			}
		} catch (err) {
			if (err instanceof FencedOutError) {
				log.warn('a newer leader wrote notification state: standing by');
				await standBy();
			} else log.warn({ err: (err as Error).message }, 'notification pipeline step failed; retrying in a second');
		} finally {
			pipelineRunning = false;
		}
	};
	let pipelineTimer: unknown;
	const pipelineLoop = () => {
		pipelineTimer = clock.setTimeout(() => {
			void runPipeline().finally(() => {
				if (!stopped) pipelineLoop();
			});
		}, options.pipelineIntervalMs ?? 1000);
	};

	const scheduler = new GroupScheduler({
		clock,
		onMissed: (group, n) => metrics.missed.inc({ group }, n),
		onError: (group, err) => log.error({ group, err: err.message }, 'rule group evaluation failed')
	});

	/** What each recording rule wrote at its last evaluation (for stale markers); the leader's only. */
	const recorded = new Map<string, SeriesWriter>();

	/**
	 * A recording rule's evaluation at `at`: its series (and stale markers for those gone) written
	 * into the store before the rules after it in the group read.
	 */
	const record = async (rule: CompiledRecording, at: number, deadline: number) => {
		const started = performance.now();
		metrics.evaluations.inc();
		try {
			const source = await withTimeout(loadRecordingSource(options.store, rule, at, { deadline }), config.evaluationTimeout, "reading the rule's data");
			const samples = recordingSamples(rule, at, source, { deadline });
			let writer = recorded.get(rule.id);
			if (!writer) recorded.set(rule.id, (writer = new SeriesWriter()));
			const res = await options.store.write(writer.step(at, samples));
			if (res.problems.length) log.warn({ rule: rule.id, problems: res.problems }, 'some recorded samples were not stored');
		} catch (err) {
			metrics.failures.inc({ rule: rule.id });
			log.warn({ rule: rule.id, err: (err as Error).message }, 'recording rule evaluation failed');
		}
		metrics.ruleDuration.set({ rule: rule.id }, (performance.now() - started) / 1000);
	};

	const evaluateGroup = async (group: CompiledGroup, at: number) => {
		const held = token;
		if (held === undefined) return;
		const t0 = performance.now();
		// The group's data is read at once (one round trip's wait, not one per rule); the rules are
		// then evaluated in order over what was read. With recording rules, in the group's order:
		// the alerting rules before a recording rule read before it writes, those after it read what
		// it wrote.
		const rules = group.rules.filter((r) => r.enabled);
		const recordings = (group.recordings ?? []).filter((r) => r.enabled);
		const deadline = performance.now() + config.evaluationTimeout;
		const load = (rule: CompiledRule) =>
			withTimeout(loadRuleSource(options.store, rule, at, at, { deadline }), config.evaluationTimeout, "reading the rule's data").catch(
				(err: Error) => ({ error: err.message }) // the store could not be read: an error state, never "ok"
			);
		const loading: Array<ReturnType<typeof load>> = [];
		let next = 0;
		for (const rec of recordings) {
			while (next < rules.length && rules[next]!.index < rec.index) loading.push(load(rules[next++]!));
			await Promise.all(loading);
			await record(rec, at, deadline);
		}
		while (next < rules.length) loading.push(load(rules[next++]!));
		const sources = await Promise.all(loading);
		// From here until the incidents have taken the changes, the pipeline waits (see runPipeline).
		let settled!: () => void;
		const settling = new Promise<void>((resolve) => (settled = resolve));
		unsettled.add(settling);
		try {
			await applyEvaluation(group, rules, sources, { at, held, t0, deadline });
		} finally {
			unsettled.delete(settling);
			settled();
		}
	};

	/** One group's evaluation over its read data: state, saving, events, incidents, metrics. */
	const applyEvaluation = async (
		group: CompiledGroup,
		rules: CompiledGroup['rules'],
		sources: Parameters<typeof evaluateRule>[2][],
		{ at, held, t0, deadline }: { at: number; held: number; t0: number; deadline: number }
	) => {
		const saves: Array<{ ruleId: string; state: RuleState }> = [];
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
			await states.save(held, at, saves, events);
		} catch (err) {
			if (err instanceof FencedOutError) {
				log.warn('a newer leader wrote alert state: standing by');
				await standBy();
				return;
			}
			log.warn({ group: group.name, err: (err as Error).message }, 'could not save alert state; it stays in memory and is saved at the next evaluation');
		}
		if (events.length) {
			log.info({ group: group.name, changes: events.length }, 'alert state changed');
			// Incidents follow at once, so a notification decided next can link its incident.
			await feed?.process();
		}
		metrics.groupDuration.set({ group: group.name }, (performance.now() - t0) / 1000);
		metrics.groupLast.set({ group: group.name }, at / 1000);
		updateAlertCounts();
	};

	const updateAlertCounts = () => {
		const counts: Record<string, number> = { pending: 0, firing: 0, nodata: 0, error: 0 };
		for (const s of current.values()) for (const i of s.instances) if (i.state in counts) counts[i.state]!++;
		for (const [state, n] of Object.entries(counts)) metrics.alerts.set({ state }, n);
	};

	const schedule = () => {
		scheduler.set(groups.map((g) => ({ name: g.name, intervalMs: g.intervalMs, run: (at: number) => evaluateGroup(g, at) })));
	};

	/** Loads the rule set if its revision changed; keeps the previous compiled version of a rule that no longer compiles. */
	const loadRules = async (force = false) => {
		const rev = await repo.revision();
		if (!force && rev === revision) return;
		const set = await repo.load();
		const previous = new Map<string, CompiledRule | CompiledRecording>(groups.flatMap((g) => [...g.rules, ...(g.recordings ?? [])].map((r) => [r.id, r] as const)));
		groups = compileStored(set.groups, previous, config.defaultInterval, log);
		revision = set.revision;
		const ids = new Set(groups.flatMap((g) => g.rules.map((r) => r.id)));
		const gone = [...current.keys()].filter((id) => !ids.has(id));
		for (const id of gone) current.delete(id);
		if (token !== undefined && gone.length) await states.remove(token, gone).catch(() => {});
		log.info({ revision, groups: groups.length, rules: ids.size }, 'rule set loaded');
		if (token !== undefined) schedule();
	};

	const restore = async () => {
		const saved = await states.load((id, problem) => log.warn({ rule: id, problem }, 'saved alert state unreadable; the rule starts fresh'));
		const now = clock.now();
		current.clear();
		for (const g of groups) {
			for (const rule of g.rules) {
				const s = saved.get(rule.id);
				if (s) current.set(rule.id, restoreRuleState(s.state, s.savedAt, now, rule));
			}
		}
		log.info({ restored: current.size }, 'alert state restored');
	};

	let leading: Promise<void> = Promise.resolve();
	const lead = (t: number) => {
		leading = leading.then(async () => {
			if (stopped) return;
			token = t;
			metrics.leader.set(1);
			sender?.resume();
			if (options.incidents && !feed) feed = startIncidentFeed({ redis, keys, incidents: options.incidents, log, clock, audit });
			try {
				await loadRules(true);
				await restore();
				restored = true;
				schedule();
			} catch (err) {
				log.error({ err: (err as Error).message }, 'could not load rules or state as leader; retrying at the next lease renewal');
			}
		});
	};
	const standBy = async () => {
		token = undefined;
		restored = false;
		metrics.leader.set(0);
		await scheduler.stop();
		current.clear();
		recorded.clear();
		dispatcher?.reset();
		await sender?.stop();
		const f = feed;
		feed = undefined;
		await f?.stop();
	};

	const lease: Lease = startLease({
		redis,
		keys: keys.alerts,
		holder: nodeId,
		ttlMs: config.leaseTtl,
		clock,
		log,
		onAcquired: lead,
		onLost: () => void standBy()
	});

	// Rule changes: announced on the control channel, polled as a fallback.
	const onMessage = (channel: string, message: string) => {
		if (channel !== keys.control || token === undefined) return;
		try {
			if ((JSON.parse(message) as { type?: string }).type === 'rules') void loadRules().catch((err: Error) => log.warn({ err: err.message }, 'rule reload failed'));
		} catch {
			// not ours
		}
	};
	// The subscriber has no offline queue: a SUBSCRIBE sent before it is connected fails. It is
	// sent again each time the connection becomes ready until one succeeds (ioredis then
	// resubscribes by itself after a reconnect); until then the poll below finds changes.
	let subscribed = false;
	const subscribe = async () => {
		if (subscribed || stopped || !options.subscriber) return;
		try {
			await options.subscriber.subscribe(keys.control);
			subscribed = true;
			log.debug('listening for rule changes on the control channel');
		} catch (err) {
			log.warn({ err: (err as Error).message }, 'could not subscribe to rule changes yet; polling until the connection is ready');
		}
	};
	const onReady = () => void subscribe();
	if (options.subscriber) {
		options.subscriber.on('message', onMessage);
		options.subscriber.on('ready', onReady);
		if (options.subscriber.status === 'ready') await subscribe();
	}
	let pollTimer: unknown;
	const poll = () => {
		pollTimer = clock.setTimeout(() => {
			if (token !== undefined) void loadRules().catch(() => {});
			if (!stopped) poll();
		}, options.revisionPollMs ?? 10_000);
	};
	poll();
	pipelineLoop();

	log.info({ node: nodeId }, 'alerts role started');
	return {
		get leader() {
			return token !== undefined;
		},
		reloadRules: () => loadRules(),
		async stop() {
			stopped = true;
			clock.clearTimeout(pollTimer);
			clock.clearTimeout(pipelineTimer);
			options.subscriber?.off('message', onMessage);
			options.subscriber?.off('ready', onReady);
			await leading;
			await scheduler.stop();
			await sender?.stop();
			await feed?.stop();
			await lease.stop();
			log.debug('alerts role stopped');
		}
	};
}

function flattenReceivers(route: Route): string[] {
	return [route.receiver, ...route.routes.flatMap(flattenReceivers)];
}

/** Rejects when `work` takes longer than `ms` (the store read of an evaluation is bounded too). */
function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what} took longer than the evaluation timeout (${ms} ms)`)), ms);
	});
	return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
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

function createMetrics(registry?: Registry) {
	const registers = registry ? [registry] : [];
	return {
		evaluations: new Counter({ name: 'vigil_rule_evaluations_total', help: 'Rule evaluations.', registers }),
		failures: new Counter({ name: 'vigil_rule_evaluation_failures_total', help: 'Rule evaluations that ended in the error state.', labelNames: ['rule'], registers }),
		missed: new Counter({
			name: 'vigil_rule_group_iterations_missed_total',
			help: 'Rule group evaluations skipped because the previous one was still running.',
			labelNames: ['group'],
			registers
		}),
		groupDuration: new Gauge({ name: 'vigil_rule_group_last_duration_seconds', help: 'How long the last evaluation of a rule group took.', labelNames: ['group'], registers }),
		groupLast: new Gauge({ name: 'vigil_rule_group_last_evaluation_timestamp_seconds', help: 'When a rule group was last evaluated.', labelNames: ['group'], registers }),
		ruleDuration: new Gauge({ name: 'vigil_rule_last_duration_seconds', help: 'How long the last evaluation of a rule took.', labelNames: ['rule'], registers }),
		alerts: new Gauge({ name: 'vigil_alerts', help: 'Alert instances by state (leader only).', labelNames: ['state'], registers }),
		leader: new Gauge({ name: 'vigil_alerts_leader', help: 'Whether this process leads rule evaluation (1) or stands by (0).', registers }),
		notifications: new Counter({
			name: 'vigil_notification_attempts_total',
			help: 'Notification delivery attempts by channel and outcome (sent, retry, failed).',
			labelNames: ['channel', 'outcome'],
			registers
		})
	};
}
