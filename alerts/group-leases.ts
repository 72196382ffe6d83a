/**
 * Rule groups shared among alerts processes (`alerts.shareGroups`), as large Prometheus rulers
 * shard groups: every alerts process registers as a member (src/lib/server/shard.ts), rendezvous
 * hashing of a group's name over the live members names the one that should evaluate it, and that
 * process takes a lease on the group with a fencing token of its own (`<lease>:group:<name>`,
 * `<fence>:group:<name>`, under the `{alerts}` hash tag). A group's state is saved fenced by its
 * token, so a process that paused past its lease cannot overwrite what the next one wrote, and the
 * next one restores the group's `for` progress from Redis before its first evaluation.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../src/lib/server/keys';
import type { Logger } from '../src/lib/server/log';
import type { Shard } from '../src/lib/server/shard';
import { ACQUIRE, RELEASE } from './lease';

export function groupLeaseKeys(keys: Pick<Keys['alerts'], 'lease' | 'fence'>, group: string): { lease: string; fence: string } {
	const id = Buffer.from(group, 'utf8').toString('hex');
	return { lease: `${keys.lease}:group:${id}`, fence: `${keys.fence}:group:${id}` };
}

export interface GroupLeasesOptions {
	redis: Redis;
	keys: Pick<Keys['alerts'], 'lease' | 'fence'>;
	member: string;
	shard: Pick<Shard, 'owns'>;
	/** How long a group lease lasts without renewal; renewed every third of it. */
	ttlMs: number;
	log: Logger;
	/** Called after a pass that took or lost groups. */
	onChange(gained: string[], lost: string[]): void;
}

export class GroupLeases {
	private readonly tokens = new Map<string, number>();
	private groups: string[] = [];
	private timer: NodeJS.Timeout | undefined;
	private running: Promise<void> = Promise.resolve();
	private stopped = false;

	constructor(private readonly options: GroupLeasesOptions) {}

	/** The fencing token of a group this process holds, else undefined. */
	token(group: string): number | undefined {
		return this.tokens.get(group);
	}

	held(): string[] {
		return [...this.tokens.keys()];
	}

	setGroups(names: readonly string[]): void {
		this.groups = [...names];
	}

	start(): void {
		const every = Math.max(100, Math.floor(this.options.ttlMs / 3));
		this.timer = setInterval(() => void this.pass(), every);
		this.timer.unref();
	}

	/** Takes or renews the leases of the groups this process should evaluate; gives up the others. */
	pass(): Promise<void> {
		this.running = this.running.then(() => this.once());
		return this.running;
	}

	/** A group's state was written by a newer holder: drop it at once. */
	drop(group: string): void {
		if (this.tokens.delete(group)) this.options.onChange([], [group]);
	}

	private async once(): Promise<void> {
		if (this.stopped) return;
		const { redis, keys, member, shard, ttlMs, log } = this.options;
		const gained: string[] = [];
		const lost: string[] = [];
		for (const g of this.groups) {
			const k = groupLeaseKeys(keys, g);
			const had = this.tokens.get(g);
			try {
				if (shard.owns(g)) {
					const got = Number(await redis.eval(ACQUIRE, 2, k.lease, k.fence, member, String(ttlMs)));
					if (got > 0 && had !== got) {
						this.tokens.set(g, got);
						gained.push(g);
					} else if (got <= 0 && had !== undefined) {
						this.tokens.delete(g);
						lost.push(g);
					}
				} else if (had !== undefined) {
					this.tokens.delete(g);
					lost.push(g);
					await redis.eval(RELEASE, 1, k.lease, `${member}|${had}`);
				}
			} catch (err) {
				// Redis unreachable: the lease runs out by itself; stop evaluating the group then.
				log.debug({ group: g, err: (err as Error).message }, 'group lease not renewed');
			}
		}
		for (const g of [...this.tokens.keys()]) {
			if (!this.groups.includes(g)) {
				this.tokens.delete(g);
				lost.push(g);
			}
		}
		if (gained.length || lost.length) {
			log.info({ gained, lost, held: this.tokens.size }, 'rule group leases changed');
			this.options.onChange(gained, lost);
		}
	}

	async stop(): Promise<void> {
		this.stopped = true;
		clearInterval(this.timer);
		await this.running;
		const { redis, keys, member } = this.options;
		for (const [g, t] of this.tokens) await redis.eval(RELEASE, 1, groupLeaseKeys(keys, g).lease, `${member}|${t}`).catch(() => {});
		this.tokens.clear();
	}
}
