/**
 * Delivers the outbox, at least once. Each tick (each pass of the leader's pipeline) takes the
 * notifications that are due, up to `concurrency` in flight, and for each:
 *
 * 1. claims it for the attempt's length (if this process dies mid-attempt, it comes due again);
 * 2. resolves its channel (secrets are opened here, and only here) and makes one attempt, bounded
 *    by `attemptTimeout` and by what is left of the notification's time budget;
 * 3. logs the attempt and either ends the notification (delivered, refused for good, or out of
 *    budget) or schedules the next attempt with exponential backoff and full jitter.
 *
 * The idempotency key is the notification's, the same on every attempt, so a receiver that
 * deduplicates sees one notification however many attempts it took.
 */
import type { Logger } from '../../log';
import type { Clock } from '../../clock';
import type { Channel } from './channels';
import { deliver, type AttemptResult } from './deliver';
import { attemptEntry, type LogInput, type NotificationOutbox } from './outbox';
import type { Notification } from './notification';
import type { AddressPolicy } from '../../net';

export interface DeliveryConfig {
	/** First retry delay. */
	initialBackoff: number;
	/** Longest retry delay. */
	maxBackoff: number;
	/** How long one notification may be tried, from when it was decided. */
	budget: number;
	/** Longest single attempt. */
	attemptTimeout: number;
	/** Attempts in flight at once. */
	concurrency: number;
}

export interface SenderOptions {
	outbox: NotificationOutbox;
	resolveChannel: (name: string) => Promise<Channel>;
	config: DeliveryConfig;
	externalUrl: string;
	/** Which addresses channels may reach (`notifications.allowPrivate`). */
	addressPolicy: AddressPolicy;
	clock: Clock;
	log: Logger;
	/** Told when a failed attempt's retry is scheduled (epoch ms), so the pipeline can run then. */
	onRetryAt?: (at: number) => void;
	/** Told of every attempt's outcome (the incidents' timelines record them). */
	onAttempt?: (n: Notification, entry: LogInput) => Promise<void> | void;
	/**
	 * A number in [0, 1) (default Math.random): the jitter.
	 * @defaultValue Math.random
	 */
	random?: () => number;
	/**
	 * The attempt itself (default: deliver over HTTP); tests and benches may replace it.
	 * @defaultValue deliver
	 */
	attempt?: typeof deliver;
	userAgent?: string;
}

/** Delay before attempt `n + 1` after `n` failed ones: exponential, capped, with full jitter. */
export function backoffDelay(failedAttempts: number, config: Pick<DeliveryConfig, 'initialBackoff' | 'maxBackoff'>, random: () => number): number {
	const ceiling = Math.min(config.maxBackoff, config.initialBackoff * 2 ** Math.max(0, failedAttempts - 1));
	// Half fixed, half random: never sooner than half the ceiling, so retries still back off.
	return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export class NotificationSender {
	private inFlight = new Map<string, Promise<void>>();
	private stopped = false;

	constructor(private readonly options: SenderOptions) {}

	get busy(): number {
		return this.inFlight.size;
	}

	/** Starts attempts for due notifications; resolves once they have started (not finished). */
	async tick(): Promise<number> {
		if (this.stopped) return 0;
		const free = this.options.config.concurrency - this.inFlight.size;
		if (free <= 0) return 0;
		const now = this.options.clock.now();
		const due = await this.options.outbox.due(now, free + this.inFlight.size);
		let started = 0;
		for (const n of due) {
			if (this.inFlight.has(n.id) || this.inFlight.size >= this.options.config.concurrency) continue;
			const p = this.run(n)
				.catch((err: Error) => this.options.log.warn({ notification: n.id, err: err.message }, 'notification attempt could not be recorded; it is retried when it comes due'))
				.finally(() => this.inFlight.delete(n.id));
			this.inFlight.set(n.id, p);
			started++;
		}
		return started;
	}

	/** Waits for the attempts in flight (at most `timeoutMs`), and starts no more. */
	async stop(timeoutMs = 5000): Promise<void> {
		this.stopped = true;
		let timer: NodeJS.Timeout | undefined;
		await Promise.race([Promise.allSettled([...this.inFlight.values()]), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
		clearTimeout(timer);
	}

	/** Lets a stopped sender run again (a new leadership). */
	resume(): void {
		this.stopped = false;
	}

	/** Waits until nothing is in flight (tests). */
	async idle(): Promise<void> {
		while (this.inFlight.size) await Promise.allSettled([...this.inFlight.values()]);
	}

	private async run(n: Notification): Promise<void> {
		const { outbox, config, clock, log } = this.options;
		const now = clock.now();
		const attempt = n.attempts + 1;
		const left = n.deadline - now;
		if (left <= 0) {
			const entry = attemptEntry(n, { outcome: 'failed', attempt: n.attempts, at: now, error: `gave up: the time budget of ${Math.round(config.budget / 1000)} s ran out after ${n.attempts} attempt(s)` });
			if (await outbox.finish(n, entry)) await this.told(n, entry);
			return;
		}
		const timeout = Math.max(1, Math.min(config.attemptTimeout, left));
		// Held for the attempt, plus a margin: a process that dies mid-attempt lets it come due again.
		if (!(await outbox.claim(n.id, now + timeout + 5000))) return;
		let result: AttemptResult;
		try {
			const channel = await this.options.resolveChannel(n.receiver);
			result = await (this.options.attempt ?? deliver)(n, channel, { timeoutMs: timeout, log, externalUrl: this.options.externalUrl, userAgent: this.options.userAgent, addressPolicy: this.options.addressPolicy });
		} catch (err) {
			// No such channel, or its secret does not open: trying again will not help until someone fixes it.
			result = { ok: false, retryable: false, error: (err as Error).message, durationMs: 0 };
		}
		const at = clock.now();
		const base = { attempt, at, durationMs: result.durationMs, ...(result.status !== undefined ? { status: result.status } : {}) };
		if (result.ok) {
			const entry = attemptEntry(n, { outcome: 'sent', ...base });
			if (await outbox.finish(n, entry)) await this.told(n, entry);
			log.info({ notification: n.id, channel: n.receiver, attempt, status: result.status }, 'notification sent');
			return;
		}
		const nextAt = at + backoffDelay(attempt, config, this.options.random ?? Math.random);
		if (!result.retryable || nextAt >= n.deadline) {
			const why = !result.retryable ? result.error : `${result.error}; gave up: the next attempt would be past the time budget of ${Math.round(config.budget / 1000)} s`;
			const entry = attemptEntry(n, { outcome: 'failed', ...base, error: why });
			if (await outbox.finish(n, entry)) await this.told(n, entry);
			log.warn({ notification: n.id, channel: n.receiver, attempt, err: why }, 'notification failed');
			return;
		}
		const entry = attemptEntry(n, { outcome: 'retry', ...base, error: result.error, nextAttemptAt: nextAt });
		await outbox.retry({ ...n, attempts: attempt }, nextAt, entry);
		this.options.onRetryAt?.(nextAt);
		log.warn({ notification: n.id, channel: n.receiver, attempt, err: result.error, retryInMs: nextAt - at }, 'notification attempt failed; retrying');
		// Only the first failure goes on the incidents' timelines, so a long outage is one entry, not hundreds.
		if (attempt === 1) await this.told(n, entry);
	}

	private async told(n: Notification, entry: LogInput): Promise<void> {
		try {
			await this.options.onAttempt?.(n, entry);
		} catch (err) {
			this.options.log.warn({ notification: n.id, err: (err as Error).message }, 'could not record the notification on its incidents');
		}
	}
}
