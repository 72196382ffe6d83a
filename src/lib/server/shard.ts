/**
 * Work shared among the processes of a role (the collect role's targets, the alerts role's rule
 * groups): each target is collected by exactly one live process, chosen by rendezvous (highest random weight) hashing of the target's name over the live
 * members. Members register in one sorted set, scored by when their registration runs out, and
 * renew it every `heartbeatMs`; a process that dies drops out when its score passes (`ttlMs`), one
 * that stops removes itself at once. When a member joins or leaves, only the targets whose winner
 * changed move (about 1/n of them).
 *
 * No target is collected twice during a handover: a process gives a target up at the first poll
 * that assigns it elsewhere, but takes a new one only once polls 1.5 heartbeats apart assign it to
 * it, by which time the previous owner, polling as often, has let it go. A lone process takes
 * every target at once. A dead member's targets are taken within ttlMs + 3 × heartbeatMs (12 s by
 * default), under two collection intervals of 10 s or more. While Redis does not answer, each process keeps what it has.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from './log';

/** The member that collects `target`: the highest hash of (member, target). */
export function rendezvousOwner(target: string, members: readonly string[]): string | undefined {
	let best: string | undefined;
	let bestScore = -1n;
	for (const m of members) {
		const score = createHash('sha1').update(m).update('\0').update(target).digest().readBigUInt64BE(0);
		if (score > bestScore || (score === bestScore && best !== undefined && m < best)) {
			best = m;
			bestScore = score;
		}
	}
	return best;
}

export interface ShardOptions {
	redis: Redis;
	/** Sorted set of the live members (node id, score: epoch ms its registration runs out). */
	key: string;
	/** This process's node id. */
	member: string;
	/**
	 * How often the registration is renewed and the members read, ms.
	 * @defaultValue 2000
	 */
	heartbeatMs?: number;
	/**
	 * How long a registration lasts without renewal, ms.
	 * @defaultValue 3 × heartbeatMs
	 */
	ttlMs?: number;
	/** Called when the set of targets this process owns changes (after start, and later). */
	onChange: () => void;
	log?: Logger;
	now?: () => number;
}

export class Shard {
	private members: string[] | undefined;
	/** Since when each target has been assigned here without a break (epoch ms of the first poll that said so). */
	private readonly assignedSince = new Map<string, number>();
	private owned = new Set<string>();
	private targets: string[] = [];
	private timer: NodeJS.Timeout | undefined;
	private readonly heartbeatMs: number;
	private readonly ttlMs: number;
	private readonly now: () => number;

	constructor(private readonly options: ShardOptions) {
		this.heartbeatMs = options.heartbeatMs ?? 2000;
		this.ttlMs = options.ttlMs ?? 3 * this.heartbeatMs;
		this.now = options.now ?? Date.now;
	}

	/** Registers, reads the members, and owns its first targets at once (no other owner to wait for). */
	async start(targets: readonly string[]): Promise<void> {
		this.targets = [...targets];
		await this.poll(true);
		this.timer = setInterval(() => void this.poll(false), this.heartbeatMs);
		this.timer.unref();
	}

	/** The configured targets changed (a reload): targets new to the config are taken at once when ours. */
	setTargets(targets: readonly string[]): void {
		const previous = new Set(this.targets);
		this.targets = [...targets];
		const next = new Set<string>();
		for (const t of this.targets) if (this.assigned(t) && (this.owned.has(t) || !previous.has(t))) next.add(t);
		this.owned = next;
	}

	owns(target: string): boolean {
		return this.owned.has(target);
	}

	ownedTargets(): string[] {
		return this.targets.filter((t) => this.owned.has(t));
	}

	liveMembers(): string[] {
		return this.members ? [...this.members] : [];
	}

	private assigned(target: string): boolean {
		const members = this.members?.includes(this.options.member) ? this.members : [...(this.members ?? []), this.options.member];
		return rendezvousOwner(target, members) === this.options.member;
	}

	private async poll(first: boolean): Promise<void> {
		const { redis, key, member } = this.options;
		const now = this.now();
		try {
			const res = await redis
				.multi()
				.zadd(key, String(now + this.ttlMs), member)
				.zremrangebyscore(key, '-inf', String(now))
				.zrange(key, 0, -1)
				.exec();
			const list = res?.[2]?.[1] as string[] | undefined;
			if (!list) return;
			this.members = [...list].sort();
		} catch (err) {
			// Redis unreachable: keep what is owned; at start, with no members known, own every target
			// (as a lone process would) until Redis says who else runs.
			this.options.log?.debug({ err: (err as Error).message }, 'membership not renewed');
			if (first) this.owned = new Set(this.targets);
			return;
		}
		const assigned = new Set(this.targets.filter((t) => this.assigned(t)));
		const alone = this.members.length === 1 && this.members[0] === member;
		const next = new Set<string>();
		for (const t of assigned) {
			const since = this.assignedSince.get(t) ?? now;
			this.assignedSince.set(t, since);
			// Taken once assigned here for 1.5 heartbeats (the third poll): every other member has polled since.
			if ((first && alone) || this.owned.has(t) || now - since >= 1.5 * this.heartbeatMs) next.add(t);
		}
		for (const t of [...this.assignedSince.keys()]) if (!assigned.has(t)) this.assignedSince.delete(t);
		const changed = next.size !== this.owned.size || [...next].some((t) => !this.owned.has(t));
		this.owned = next;
		if (changed && !first) {
			this.options.log?.info({ members: this.members?.length, owned: next.size, of: this.targets.length }, 'shared work re-assigned');
			this.options.onChange();
		}
	}

	/** Leaves at once (the others take the targets at their next polls). */
	async stop(): Promise<void> {
		clearInterval(this.timer);
		await this.options.redis.zrem(this.options.key, this.options.member).catch(() => {});
	}

	/** Stops renewing without leaving, as a process that dies (tests). */
	abandon(): void {
		clearInterval(this.timer);
	}
}
