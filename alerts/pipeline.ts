/**
 * What follows the leader's evaluations: incidents take the alert events (the incident feed), then
 * the notification pipeline decides (the dispatcher: routes, grouping, muting) and delivers (the
 * sender: the outbox, retries). It runs right after an evaluation that changed something, once that
 * evaluation has settled; when what time alone moves on comes due (a group's group_wait or
 * group_interval ends, a retry's backoff ends: each pass arms a timer for the earliest of these);
 * and on a backstop timer (`intervalMs`) for what the pass could not see (a notification another
 * leader queued, an attempt slot freed). Without notifications set up, only incidents are kept;
 * without incidents, only notifications are sent.
 */
import type { Redis } from 'ioredis';
import type { AuditLog } from '../src/lib/server/audit';
import { startIncidentFeed, type IncidentFeed, type IncidentOptions } from '../src/lib/server/alerting/incidents';
import { loadMuting } from '../src/lib/server/alerting/muting';
import { alertsFromStates, Dispatcher, NotificationOutbox, NotificationSender, type Route } from '../src/lib/server/alerting/notify';
import { FencedOutError } from '../src/lib/server/alerting/state';
import type { Clock } from '../src/lib/server/clock';
import type { Keys } from '../src/lib/server/keys';
import type { Logger } from '../src/lib/server/log';
import type { RuleState } from '../src/lib/server/rules';
import type { RoleMetrics } from './metrics';
import type { NotificationsSetup } from './config';

/**
 * The least wait before a run that a due flush or retry asks for: many groups whose flushes fall a
 * few ms apart (each pass reads the channels and muting and commits) make at most one run per
 * this long, instead of one per group.
 */
const MIN_WAKE_MS = 50;

export interface PipelineOptions {
	redis: Redis;
	keys: Keys;
	clock: Clock;
	log: Logger;
	audit: AuditLog;
	metrics: RoleMetrics;
	notifications?: NotificationsSetup;
	incidents?: IncidentOptions;
	/**
	 * The backstop: the longest the pipeline waits between runs when no evaluation changed anything
	 * and no group flush or retry is due sooner.
	 * @defaultValue 1000 (ms)
	 */
	intervalMs?: number;
	/** The lease token while this process leads and its working copy is restored; else undefined. */
	token(): number | undefined;
	/** The alert states of the enabled rules (the leader's working copy). */
	states(): RuleState[];
	/** A newer leader wrote notification state: this process stands by. */
	/** A write made with lease token `held` was refused: a newer token exists. */
	onFenced(held: number): Promise<void>;
}

export class AlertPipeline {
	private readonly dispatcher?: Dispatcher;
	private readonly sender?: NotificationSender;
	private readonly outbox?: NotificationOutbox;
	/** Applies alert events to incidents while this process leads. */
	private feed: IncidentFeed | undefined;
	private sendResolved = new Map<string, boolean>();
	private running = false;
	/** Asked to run while it ran: it runs again. */
	private again = false;
	/** Evaluations whose state changes have not yet reached the incidents. */
	private readonly unsettled = new Set<Promise<void>>();
	private timer: unknown;
	/** When the armed timer fires (clock ms); Infinity when none is armed. */
	private timerAt = Infinity;
	private stopped = false;

	constructor(private readonly options: PipelineOptions) {
		const notify = options.notifications;
		if (!notify) return;
		const { log, metrics } = options;
		const outbox = new NotificationOutbox(options.redis, options.keys);
		this.outbox = outbox;
		this.dispatcher = new Dispatcher({
			outbox,
			route: notify.route,
			budgetMs: notify.delivery.budget,
			log,
			sendResolved: (name) => this.sendResolved.get(name) ?? true,
			incidentsFor: async (alerts) => (this.feed ? (await this.feed.store.currentIncidentIds(alerts)).map((id) => id ?? undefined) : [])
		});
		this.sender = new NotificationSender({
			outbox,
			resolveChannel: (name) => notify.channels.resolve(name),
			config: notify.delivery,
			externalUrl: notify.externalUrl,
			addressPolicy: notify.addressPolicy,
			clock: options.clock,
			log,
			onRetryAt: (at) => this.wakeAt(at),
			onAttempt: async (n, entry) => {
				metrics.notifications.inc({ channel: entry.channel, outcome: entry.outcome });
				if (this.feed && n.incidentIds.length && (entry.outcome === 'sent' || entry.outcome === 'failed' || entry.outcome === 'retry')) {
					await this.feed.store.recordNotification(n.incidentIds, {
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
		});
		void notify.channels
			.names()
			.then((names) => {
				const missing = [...new Set(flattenReceivers(notify.route))].filter((r) => !names.has(r));
				if (missing.length) log.warn({ channels: missing }, 'notifications.route names channels that do not exist yet; their notifications fail until they are created');
			})
			.catch(() => {});
	}

	/** Starts the backstop timer. */
	start(): void {
		this.wakeAt(this.options.clock.now() + (this.options.intervalMs ?? 1000));
	}

	/** This process leads: incidents are kept, deliveries resume. */
	lead(): void {
		this.sender?.resume();
		const o = this.options;
		if (o.incidents && !this.feed) this.feed = startIncidentFeed({ redis: o.redis, keys: o.keys, incidents: o.incidents, log: o.log, clock: o.clock, audit: o.audit });
	}

	/** This process stands by: what it decided is forgotten, deliveries and incidents stop. */
	async standBy(): Promise<void> {
		this.dispatcher?.reset();
		await this.sender?.stop();
		const f = this.feed;
		this.feed = undefined;
		await f?.stop();
	}

	/** No more backstop runs (the first step of stopping). */
	halt(): void {
		this.stopped = true;
		this.options.clock.clearTimeout(this.timer);
		this.timer = undefined;
		this.timerAt = Infinity;
	}

	async stop(): Promise<void> {
		this.halt();
		await this.sender?.stop();
		await this.feed?.stop();
	}

	/**
	 * Runs `work` (an evaluation's state change and its follow-up) with the pipeline held back: a
	 * notification decided meanwhile would not yet link the incident its alert opens.
	 */
	async settling(work: () => Promise<void>): Promise<void> {
		let settled!: () => void;
		const settling = new Promise<void>((resolve) => (settled = resolve));
		this.unsettled.add(settling);
		try {
			await work();
		} finally {
			this.unsettled.delete(settling);
			settled();
		}
	}

	/**
	 * An evaluation changed alert state: incidents take its events at once, and the pipeline runs as
	 * soon as the evaluation has settled (not at the next backstop tick).
	 */
	async changed(): Promise<void> {
		await this.feed?.process();
		void this.run();
	}

	/** One pass: dispatch the current alerts, deliver what is due. Never rejects. */
	async run(): Promise<void> {
		const held = this.options.token();
		// Not before the saved state is restored: an empty working copy would read as "everything resolved".
		if (held === undefined) return;
		if (this.running) {
			this.again = true;
			return;
		}
		this.running = true;
		try {
			do {
				this.again = false;
				await this.pass(held);
			} while (this.again && !this.stopped && this.options.token() === held);
		} finally {
			this.running = false;
		}
	}

	private async pass(held: number): Promise<void> {
		const { options, dispatcher, sender } = this;
		try {
			// Not in the middle of an evaluation: its changes reach the incidents first, so a
			// notification decided now links the incident its alert opened.
			while (this.unsettled.size) await Promise.all([...this.unsettled]);
			if (!dispatcher || !sender || !options.notifications) return;
			const now = options.clock.now();
			this.sendResolved = new Map((await options.notifications.channels.list()).map((c) => [c.name, c.sendResolved]));
			const muting = await loadMuting(options.redis, options.keys.alerts, now);
			// An evaluation may have begun meanwhile: the states are read when none is unsettled
			// (no await between the check and the read), so every firing alert has its incident.
			while (this.unsettled.size) await Promise.all([...this.unsettled]);
			await dispatcher.tick(held, now, alertsFromStates(options.states()), muting);
			await sender.tick();
			await this.wakeForDue(now);
		} catch (err) {
			if (err instanceof FencedOutError) {
				options.log.warn('a newer leader wrote notification state: standing by');
				await options.onFenced(held);
			} else options.log.warn({ err: (err as Error).message }, 'notification pipeline step failed; retrying in a second');
		}
	}

	/**
	 * After a pass: the next run comes when the earliest group flush or queued attempt is due, if
	 * that is before the backstop. An attempt already due (in flight, or waiting for a free slot) is
	 * left to the backstop: its end, not its due time, is what frees the slot.
	 */
	private async wakeForDue(now: number): Promise<void> {
		const flush = this.dispatcher?.nextFlushAt();
		const attempt = await this.outbox?.nextDueAt();
		for (const at of [flush, attempt]) if (at !== undefined && at > now) this.wakeAt(at);
	}

	/**
	 * Runs the pipeline at `at` (clock ms), unless a run is armed sooner; after a timed run the
	 * backstop is armed again (a pass may arm an earlier one).
	 */
	private wakeAt(at: number): void {
		if (this.stopped || at >= this.timerAt) return;
		const { clock } = this.options;
		clock.clearTimeout(this.timer);
		this.timerAt = at;
		this.timer = clock.setTimeout(
			() => {
				this.timer = undefined;
				this.timerAt = Infinity;
				void this.run().finally(() => this.wakeAt(clock.now() + (this.options.intervalMs ?? 1000)));
			},
			Math.max(MIN_WAKE_MS, at - clock.now())
		);
	}
}

function flattenReceivers(route: Route): string[] {
	return [route.receiver, ...route.routes.flatMap(flattenReceivers)];
}
