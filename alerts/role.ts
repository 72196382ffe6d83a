/**
 * The alerts role: evaluates the rule set in Redis on each group's interval and keeps every alert
 * instance's state durable in Redis.
 *
 * - Only the leader evaluates (a Redis lease with a fencing token); other processes with this role
 *   stand by and take over within two lease periods when the leader dies.
 * - With `alerts.shareGroups`, every alerts process evaluates the groups it holds a lease on
 *   (group-leases.ts: rendezvous hashing over the live alerts processes, a fencing token per
 *   group); the leader then only runs the notification pipeline, over the states all saved.
 * - Rules are read from Redis (the source of truth) at leadership and whenever the rule set's
 *   revision changes (announced on the control channel, and polled as a fallback). A rule that
 *   no longer compiles keeps its previous compiled version, so a bad save never stops a good rule.
 * - On first start, with no rule set in Redis, the configured rule files are imported.
 * - On becoming leader, saved state is restored with the downtime taken out of `for` progress, so
 *   nothing already announced is announced again.
 *
 * The parts: manager.ts (the rule set, the working copy of alert state, one runner per group),
 * group.ts (a group's evaluation), pipeline.ts (incidents and notifications after evaluations),
 * lease.ts (leadership), group-scheduler.ts (the groups' intervals) and slo-targets.ts (the
 * targets as series, written by the leader).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Registry } from 'prom-client';
import type { Redis } from 'ioredis';
import type { IncidentOptions } from '../src/lib/server/alerting/incidents';
import { RuleRepository } from '../src/lib/server/alerting/ruleset';
import { AlertStateStore } from '../src/lib/server/alerting/state';
import { AuditLog } from '../src/lib/server/audit';
import { systemClock, type Clock } from '../src/lib/server/clock';
import type { Keys } from '../src/lib/server/keys';
import type { Logger } from '../src/lib/server/log';
import { compileRuleSet, type AlertEvent, type RuleState } from '../src/lib/server/rules';
import type { TimeSeriesStore } from '../src/lib/server/tsdb';
import { startLease, type Lease } from './lease';
import { GroupLeases, groupLeaseKeys } from './group-leases';
import { Shard } from '../src/lib/server/shard';
import { RuleManager } from './manager';
import { createMetrics } from './metrics';
import { AlertPipeline } from './pipeline';
import { SloTargetWriter, type SloTargetsSetup } from './slo-targets';
import type { AlertsConfig, NotificationsSetup } from './config';

export type { AlertsConfig, NotificationsSetup } from './config';

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
	/** @defaultValue systemClock */
	clock?: Clock;
	/**
	 * How often the rule set's revision is checked besides the control channel.
	 * @defaultValue 10_000
	 */
	revisionPollMs?: number;
	/** Notifications: without them, alerts are evaluated and stored but nobody is told. */
	notifications?: NotificationsSetup;
	/** Incidents (the config's `incidents` section): without it, no incidents are opened. */
	incidents?: IncidentOptions;
	/**
	 * How often the leader runs the notification pipeline (dispatch, delivery) besides right after
	 * an evaluation that changed alert state: the backstop for what time alone moves on.
	 * @defaultValue 1000 (ms)
	 */
	pipelineIntervalMs?: number;
	/** The service-quality targets (`reports.slos`), written as series by the leader (slo-targets.ts). */
	sloTargets?: SloTargetsSetup;
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
	const role = new AlertsRoleParts(options);
	await role.seedRules();
	role.createPipeline();
	role.createSharing();
	role.createManager();
	role.startLease();
	await role.startSharing();
	await role.watchRules();
	role.pipeline.start();
	role.log.info({ node: options.nodeId }, 'alerts role started');
	return role.handle();
}

/** The alerts role's parts and the steps that wire them, in the order startAlertsRole runs them. */
class AlertsRoleParts {
	readonly log: Logger;
	readonly clock: Clock;
	readonly audit: AuditLog;
	readonly repo: RuleRepository;
	readonly metrics: ReturnType<typeof createMetrics>;
	pipeline!: AlertPipeline;
	manager!: RuleManager;
	lease!: Lease;
	shard: Shard | undefined;
	groupLeases: GroupLeases | undefined;
	readonly sharedStates = new Map<string, AlertStateStore<RuleState, AlertEvent>>();
	stopped = false;
	leading: Promise<void> = Promise.resolve();
	othersTimer: NodeJS.Timeout | undefined;
	watch: { stop(): void } | undefined;
	targets: SloTargetWriter | undefined;

	constructor(readonly options: AlertsRoleOptions) {
		const { redis, keys } = options;
		this.log = options.log.child({ role: 'alerts' });
		this.clock = options.clock ?? systemClock;
		this.audit = new AuditLog(redis, keys);
		this.repo = new RuleRepository(redis, keys, { audit: this.audit });
		this.metrics = createMetrics(options.registry);
		if (options.sloTargets) this.targets = new SloTargetWriter(options.sloTargets, options.store, this.clock, this.log);
	}

	async seedRules(): Promise<void> {
		const { redis, keys, config, configDir } = this.options;
		try {
			const seeded = await seedRules(this.repo, redis, keys.rules.seeding, config.ruleFiles, configDir, this.log);
			this.log.debug({ seeded }, 'rule set checked');
		} catch (err) {
			this.log.error({ err: (err as Error).message }, 'could not import the rule files; starting with what Redis holds');
		}
	}

	createPipeline(): void {
		const { redis, keys, notifications, incidents, pipelineIntervalMs } = this.options;
		this.pipeline = new AlertPipeline({
			redis,
			keys,
			clock: this.clock,
			log: this.log,
			audit: this.audit,
			metrics: this.metrics,
			...(notifications ? { notifications } : {}),
			...(incidents ? { incidents } : {}),
			...(pipelineIntervalMs !== undefined ? { intervalMs: pipelineIntervalMs } : {}),
			token: () => this.manager.readyToken,
			states: () => this.manager.enabledStates(),
			onFenced: (held: number) => this.fenced(held)
		});
	}

	/** alerts.shareGroups: every alerts process evaluates the groups it holds a lease on. */
	createSharing(): void {
		const { redis, keys, config, nodeId } = this.options;
		if (!config.shareGroups) return;
		const log = this.log;
		this.shard = new Shard({ redis, key: `${keys.alerts.lease}:members`, member: nodeId, heartbeatMs: Math.max(200, Math.floor(config.leaseTtl / 6)), log, onChange: () => void this.groupLeases?.pass() });
		this.groupLeases = new GroupLeases({
			redis,
			keys: keys.alerts,
			member: nodeId,
			shard: this.shard,
			ttlMs: config.leaseTtl,
			log,
			onChange: (gained, lost) => void this.manager.groupsChanged(gained, lost).catch((err: Error) => log.error({ err: err.message }, 'could not take over rule groups'))
		});
	}

	/** The state store of one shared group, fenced by that group's lease. */
	statesFor(group: string): AlertStateStore<RuleState, AlertEvent> {
		const { redis, keys } = this.options;
		let st = this.sharedStates.get(group);
		if (!st) this.sharedStates.set(group, (st = new AlertStateStore<RuleState, AlertEvent>(redis, { ...keys, alerts: { ...keys.alerts, fence: groupLeaseKeys(keys.alerts, group).fence } })));
		return st;
	}

	createManager(): void {
		const { redis, keys, config, store } = this.options;
		const groupLeases = this.groupLeases;
		this.manager = new RuleManager({
			...(groupLeases
				? {
						shared: {
							leases: groupLeases,
							setTargets: (names: string[]) => this.shard!.setTargets(names),
							statesFor: (group: string) => this.statesFor(group)
						}
					}
				: {}),
			repo: this.repo,
			states: new AlertStateStore<RuleState, AlertEvent>(redis, keys),
			store,
			config,
			clock: this.clock,
			log: this.log,
			metrics: this.metrics,
			settling: (work) => this.pipeline.settling(work),
			onEvents: () => this.pipeline.changed(),
			onFenced: (held: number) => this.fenced(held)
		});
	}

	lead(t: number): void {
		this.leading = this.leading.then(async () => {
			if (this.stopped) return;
			this.metrics.leader.set(1);
			this.pipeline.lead();
			this.targets?.start();
			try {
				await this.manager.lead(t);
			} catch (err) {
				this.log.error({ err: (err as Error).message }, 'could not load rules or state as leader; retrying at the next lease renewal');
			}
		});
	}

	/**
	 * A write made with lease token `held` was refused: a newer token exists. When the newer token is
	 * this process's own (it lost the lease and took it again, as across a Redis failover, while a
	 * write of the old one was under way), leading goes on with it: standing by would leave the
	 * lease renewed by a process that evaluates nothing. Otherwise this process stands by.
	 */
	fenced(held: number): Promise<void> {
		const current = this.lease?.token;
		if (current !== undefined && current > held) {
			this.log.info({ held, current }, 'a write made under the previous lease was refused; leading under the new one');
			return Promise.resolve();
		}
		return this.standBy();
	}

	async standBy(): Promise<void> {
		this.metrics.leader.set(0);
		await this.targets?.stop();
		await this.manager.standBy();
		await this.pipeline.standBy();
	}

	startLease(): void {
		const { redis, keys, nodeId, config } = this.options;
		this.lease = startLease({
			redis,
			keys: keys.alerts,
			holder: nodeId,
			ttlMs: config.leaseTtl,
			clock: this.clock,
			log: this.log,
			onAcquired: (t) => this.lead(t),
			// After the leads queued before it, so a lead of a newer token (the lease taken again) is
			// never undone by the stand-by of the older one's loss.
			onLost: () => {
				this.leading = this.leading.then(() => this.standBy()).catch((err: Error) => this.log.error({ err: err.message }, 'could not stand by cleanly'));
			}
		});
	}

	async startSharing(): Promise<void> {
		const { shard, groupLeases, manager } = this;
		if (!shard || !groupLeases) return;
		await shard.start([]);
		try {
			await manager.share();
		} catch (err) {
			this.log.error({ err: (err as Error).message }, 'could not load the rule set; retrying at the next revision check');
		}
		groupLeases.start();
		// The leader's notification pipeline reads the states the other processes save, and runs on
		// them at once (their events reach the incidents first), not at its own next tick: two
		// timers a second apart each would add up to 2 s between another process's evaluation and
		// its notification.
		this.othersTimer = setInterval(() => {
			if (manager.token !== undefined)
				void manager
					.refreshOthers()
					.then(() => this.pipeline.changed())
					.catch(() => {});
		}, this.options.pipelineIntervalMs ?? 1000);
		this.othersTimer.unref();
	}

	reloadRules(): Promise<void> {
		return this.manager.loadRules();
	}

	async watchRules(): Promise<void> {
		this.watch = await watchRuleChanges(this.options, this.log, (announced) => {
			// A failed poll is quiet: the next one tries again.
			if (this.manager.token !== undefined || this.shard) void this.reloadRules().catch((err: Error) => announced && this.log.warn({ err: err.message }, 'rule reload failed'));
		});
	}

	async stop(): Promise<void> {
		this.stopped = true;
		this.watch?.stop();
		this.pipeline.halt();
		await this.leading;
		await this.targets?.stop();
		clearInterval(this.othersTimer);
		await this.groupLeases?.stop();
		await this.shard?.stop();
		await this.manager.stop();
		await this.pipeline.stop();
		await this.lease.stop();
		this.log.debug('alerts role stopped');
	}

	handle(): AlertsRole {
		const manager = this.manager;
		return {
			get leader() {
				return manager.token !== undefined;
			},
			reloadRules: () => this.reloadRules(),
			stop: () => this.stop()
		};
	}
}

/**
 * Rule changes: announced on the control channel (`{"type":"rules"}`), polled as a fallback. The
 * subscriber has no offline queue: a SUBSCRIBE sent before it is connected fails. It is sent again
 * each time the connection becomes ready until one succeeds (ioredis then resubscribes by itself
 * after a reconnect); until then the poll finds changes.
 */
async function watchRuleChanges(options: AlertsRoleOptions, log: Logger, changed: (announced: boolean) => void): Promise<{ stop(): void }> {
	const { keys, subscriber } = options;
	const clock = options.clock ?? systemClock;
	let stopped = false;
	const onMessage = (channel: string, message: string) => {
		if (channel !== keys.control) return;
		try {
			if ((JSON.parse(message) as { type?: string }).type === 'rules') changed(true);
		} catch {
			// not ours
		}
	};
	let subscribed = false;
	const subscribe = async () => {
		if (subscribed || stopped || !subscriber) return;
		try {
			await subscriber.subscribe(keys.control);
			subscribed = true;
			log.debug('listening for rule changes on the control channel');
		} catch (err) {
			log.warn({ err: (err as Error).message }, 'could not subscribe to rule changes yet; polling until the connection is ready');
		}
	};
	const onReady = () => void subscribe();
	if (subscriber) {
		subscriber.on('message', onMessage);
		subscriber.on('ready', onReady);
		if (subscriber.status === 'ready') await subscribe();
	}
	let pollTimer: unknown;
	const poll = () => {
		pollTimer = clock.setTimeout(() => {
			changed(false);
			if (!stopped) poll();
		}, options.revisionPollMs ?? 10_000);
	};
	poll();
	return {
		stop() {
			stopped = true;
			clock.clearTimeout(pollTimer);
			subscriber?.off('message', onMessage);
			subscriber?.off('ready', onReady);
		}
	};
}
