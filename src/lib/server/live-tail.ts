/**
 * Reads the live-tail stream with `XREAD BLOCK` on a connection of its own and hands each batch
 * on. It remembers the last id it saw, so after a Redis outage it catches up from there instead of
 * losing what was written meanwhile (which pub/sub alone would).
 */
import type { Redis } from 'ioredis';
import type { Logger } from './log';
import { decodeLiveEntry, type LiveEntry } from './samples';

export interface LiveTailOptions {
	/** A connection used only for the blocking read. */
	redis: Redis;
	key: string;
	onBatch: (points: LiveEntry) => void;
	log?: Logger;
	blockMs?: number;
}

export class LiveTail {
	private running = false;
	private lastId = '$';
	private loop: Promise<void> | undefined;

	constructor(private readonly options: LiveTailOptions) {}

	/** Starts reading after the stream's current end. */
	async start(): Promise<void> {
		if (this.running) return;
		this.running = true;
		try {
			const last = await this.options.redis.xrevrange(this.options.key, '+', '-', 'COUNT', 1);
			this.lastId = last[0]?.[0] ?? '0-0';
		} catch {
			this.lastId = '$';
		}
		this.loop = this.run();
	}

	get position(): string {
		return this.lastId;
	}

	private async run(): Promise<void> {
		const { redis, key, blockMs = 5000, log } = this.options;
		let failures = 0;
		while (this.running) {
			try {
				if (redis.status !== 'ready') {
					await new Promise((r) => setTimeout(r, 200));
					continue;
				}
				const res = (await redis.xread('COUNT', 1000, 'BLOCK', blockMs, 'STREAMS', key, this.lastId)) as
					| Array<[string, Array<[string, string[]]>]>
					| null;
				failures = 0;
				for (const [, entries] of res ?? []) {
					for (const [id, fields] of entries) {
						this.lastId = id;
						const body = fields[fields.indexOf('b') + 1];
						if (body === undefined) continue;
						try {
							this.options.onBatch(decodeLiveEntry(body));
						} catch (err) {
							log?.warn({ err: (err as Error).message, id }, 'skipping a malformed live-tail entry');
						}
					}
				}
			} catch (err) {
				if (!this.running) break;
				failures++;
				if (failures === 1) log?.warn({ err: (err as Error).message }, 'live tail read failed; retrying');
				await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** Math.min(failures, 6))));
			}
		}
	}

	async stop(): Promise<void> {
		this.running = false;
		// A blocked XREAD only returns when its connection closes.
		this.options.redis.disconnect(false);
		await this.loop;
	}
}
