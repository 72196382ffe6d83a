/**
 * Holds samples between collection and storage. Writes them as soon as they arrive; while Redis is
 * unreachable it keeps them (up to a bound, dropping the oldest and counting them) and retries
 * with backoff, so a Redis restart loses nothing short of the bound.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../src/lib/server/log';
import type { SampleSink } from '../src/lib/server/samples';
import type { Sample } from '../src/lib/shared/series';

export interface SampleBufferOptions {
	/**
	 * Most samples held while storage is unreachable; older ones are dropped first.
	 * @defaultValue 200_000
	 */
	maxSamples?: number;
	/**
	 * Most samples per write.
	 * @defaultValue 5_000
	 */
	batchSize?: number;
	log?: Logger;
	registry?: Registry;
}

export class SampleBuffer {
	private queue: Sample[] = [];
	private flushing: Promise<void> | undefined;
	private retryTimer: NodeJS.Timeout | undefined;
	private failures = 0;
	private closed = false;
	/** The most samples held; older ones are dropped first. May be changed at any time. */
	maxSamples: number;
	private readonly batchSize: number;
	private readonly dropped: Counter<'reason'> | undefined;
	private readonly written: Counter | undefined;

	constructor(
		private readonly sink: SampleSink,
		private readonly options: SampleBufferOptions = {}
	) {
		this.maxSamples = options.maxSamples ?? 200_000;
		this.batchSize = options.batchSize ?? 5_000;
		if (options.registry) {
			const registers = [options.registry];
			this.written = new Counter({ name: 'vigil_samples_written_total', help: 'Samples written to storage by this process.', registers });
			this.dropped = new Counter({
				name: 'vigil_samples_dropped_total',
				help: 'Samples this process dropped before storage, by reason.',
				labelNames: ['reason'],
				registers
			});
			const buffer = this;
			new Gauge({
				name: 'vigil_samples_buffered',
				help: 'Samples waiting to be written (grows while Redis is unreachable).',
				registers,
				collect() {
					this.set(buffer.size);
				}
			});
		}
	}

	get size(): number {
		return this.queue.length;
	}

	push(samples: Sample[]): void {
		if (samples.length === 0) return;
		for (const s of samples) this.queue.push(s);
		const excess = this.queue.length - this.maxSamples;
		if (excess > 0) {
			this.queue.splice(0, excess);
			this.dropped?.inc({ reason: 'buffer_full' }, excess);
			this.options.log?.warn({ dropped: excess, held: this.maxSamples }, 'sample buffer full; dropped the oldest samples');
		}
		if (!this.retryTimer) void this.flush();
	}

	/** Writes everything buffered. Resolves when the buffer is empty or a write failed. */
	flush(): Promise<void> {
		if (this.flushing) return this.flushing;
		this.flushing = this.drain().finally(() => {
			this.flushing = undefined;
		});
		return this.flushing;
	}

	private async drain(): Promise<void> {
		while (this.queue.length > 0) {
			const batch = this.queue.slice(0, this.batchSize);
			try {
				// After a failure whose outcome is unknown, the store skips what it already has.
				await this.sink.write(batch, { retry: this.failures > 0 });
			} catch (err) {
				this.failures++;
				if (this.failures === 1) {
					this.options.log?.warn({ err: (err as Error).message, held: this.queue.length }, 'cannot write samples; holding them and retrying');
				}
				this.scheduleRetry();
				return;
			}
			// Only now remove them: a failed write keeps them for the retry.
			this.queue.splice(0, batch.length);
			this.written?.inc(batch.length);
			if (this.failures > 0) {
				this.options.log?.info({ failures: this.failures }, 'writing samples again');
				this.failures = 0;
			}
		}
	}

	private scheduleRetry(): void {
		if (this.retryTimer || this.closed) return;
		const delay = Math.min(5000, 100 * 2 ** Math.min(this.failures, 6));
		this.retryTimer = setTimeout(() => {
			this.retryTimer = undefined;
			void this.flush();
		}, delay);
		this.retryTimer.unref();
	}

	/** Stops retrying and makes one last attempt to write what is held, within `timeoutMs`. */
	async close(timeoutMs = 3000): Promise<number> {
		this.closed = true;
		clearTimeout(this.retryTimer);
		this.retryTimer = undefined;
		const deadline = Date.now() + timeoutMs;
		while (this.queue.length > 0 && Date.now() < deadline) {
			await Promise.race([this.flush(), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
			if (this.queue.length > 0) await new Promise((r) => setTimeout(r, 100));
		}
		const lost = this.queue.length;
		if (lost > 0) {
			this.dropped?.inc({ reason: 'shutdown' }, lost);
			this.options.log?.error({ lost }, 'could not write buffered samples before shutdown');
		}
		return lost;
	}
}
