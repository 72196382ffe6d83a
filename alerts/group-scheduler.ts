/**
 * Runs each rule group at its interval, on multiples of the interval since the epoch (so every
 * evaluation time is predictable and a restart lands on the same grid). An evaluation that is still
 * running when the next one is due is not stacked: the due ones are skipped and counted as missed,
 * and the group runs next at the first mark after it finishes.
 */
import type { Clock } from '../src/lib/server/clock';

export interface ScheduledGroup {
	name: string;
	intervalMs: number;
	/** Evaluates the group at `at` (epoch ms, a multiple of the interval). */
	run(at: number): Promise<void>;
}

export interface GroupSchedulerOptions {
	clock: Clock;
	/** Called with the number of marks skipped because the previous run overran. */
	onMissed?(group: string, missed: number): void;
	/** Called when a run throws (runs should handle their own errors; this is the last resort). */
	onError?(group: string, err: Error): void;
}

interface Entry {
	group: ScheduledGroup;
	timer?: unknown;
	running?: Promise<void>;
	/** The last mark that ran (or was skipped). */
	last: number;
	stopped: boolean;
}

export class GroupScheduler {
	private readonly entries = new Map<string, Entry>();

	constructor(private readonly options: GroupSchedulerOptions) {}

	/** The first mark strictly after `t`. */
	static nextMark(t: number, intervalMs: number): number {
		return (Math.floor(t / intervalMs) + 1) * intervalMs;
	}

	/**
	 * Reconciles the running groups with `groups`: new ones start at their next mark, removed ones
	 * stop, changed ones (interval or run function) restart.
	 */
	set(groups: readonly ScheduledGroup[]): void {
		for (const g of groups) if (!(g.intervalMs > 0)) throw new RangeError(`group ${g.name}: interval must be positive, got ${g.intervalMs}`);
		const wanted = new Map(groups.map((g) => [g.name, g]));
		// A restarted group does not evaluate again at a mark it already evaluated.
		const lastRun = new Map<string, number>();
		for (const [name, e] of this.entries) {
			const g = wanted.get(name);
			if (!g || g.intervalMs !== e.group.intervalMs) {
				lastRun.set(name, e.last);
				this.remove(name);
			} else e.group = g; // same schedule: the next run uses the new definition
		}
		for (const g of groups) {
			if (this.entries.has(g.name)) continue;
			const e: Entry = { group: g, last: lastRun.get(g.name) ?? -Infinity, stopped: false };
			this.entries.set(g.name, e);
			this.arm(e);
		}
	}

	private remove(name: string): void {
		const e = this.entries.get(name);
		if (!e) return;
		e.stopped = true;
		this.options.clock.clearTimeout(e.timer);
		this.entries.delete(name);
	}

	private arm(e: Entry): void {
		if (e.stopped) return;
		const { clock } = this.options;
		const now = clock.now();
		const at = GroupScheduler.nextMark(Math.max(now - 1, e.last), e.group.intervalMs);
		e.timer = clock.setTimeout(() => this.fire(e, at), at - now);
	}

	private fire(e: Entry, at: number): void {
		if (e.stopped) return;
		const { clock } = this.options;
		// Marks passed while this timer was late (a blocked event loop) are missed, not run late.
		const latest = Math.floor(clock.now() / e.group.intervalMs) * e.group.intervalMs;
		const mark = Math.max(at, latest);
		const skipped = e.last === -Infinity || (mark - e.last) % e.group.intervalMs !== 0 ? 0 : Math.max(0, (mark - e.last) / e.group.intervalMs - 1);
		if (skipped > 0) this.options.onMissed?.(e.group.name, skipped);
		e.last = mark;
		e.running = e.group
			.run(mark)
			.catch((err: Error) => this.options.onError?.(e.group.name, err))
			.finally(() => {
				e.running = undefined;
				this.arm(e);
			});
	}

	/** Stops every group; resolves when runs in progress have finished. */
	async stop(): Promise<void> {
		const running = [...this.entries.values()].map((e) => e.running);
		for (const name of [...this.entries.keys()]) this.remove(name);
		await Promise.all(running);
	}

	get size(): number {
		return this.entries.size;
	}
}
