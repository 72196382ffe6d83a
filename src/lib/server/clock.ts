/** Time for schedulers (collectors, rule groups), injectable so tests can drive it. */
import { performance } from 'node:perf_hooks';

export interface Clock {
	now(): number;
	setTimeout(fn: () => void, ms: number): unknown;
	clearTimeout(handle: unknown): void;
	/**
	 * Runs `fn` after the I/O that is already waiting (the system clock: setImmediate), so a deadline
	 * that fired late because the process was busy lets an answer that arrived meanwhile count first.
	 * Absent: at once.
	 */
	afterPendingIo?(fn: () => void): void;
	/**
	 * Starts measuring how long this process is busy (its event loop running code, not waiting):
	 * the returned function gives the ms busy since. Absent: the process' own time cannot be told apart.
	 */
	busyMeter?(): () => number;
}

export const systemClock: Clock = {
	now: () => Date.now(),
	setTimeout: (fn, ms) => setTimeout(fn, ms),
	clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
	afterPendingIo: (fn) => void setImmediate(fn),
	busyMeter: () => {
		const start = performance.eventLoopUtilization();
		return () => performance.eventLoopUtilization(start).active;
	}
};

/** A clock that only moves when told to: `advance(ms)` runs the timers that come due, in order. */
export class ManualClock implements Clock {
	private t: number;
	private seq = 0;
	private timers: Array<{ at: number; id: number; fn: () => void }> = [];

	constructor(start = 0) {
		this.t = start;
	}

	now(): number {
		return this.t;
	}

	setTimeout(fn: () => void, ms: number): unknown {
		const id = ++this.seq;
		this.timers.push({ at: this.t + Math.max(0, ms), id, fn });
		return id;
	}

	clearTimeout(handle: unknown): void {
		this.timers = this.timers.filter((x) => x.id !== handle);
	}

	/** Moves time forward, running due timers; awaits microtasks between them so promises settle. */
	async advance(ms: number): Promise<void> {
		const end = this.t + ms;
		for (;;) {
			this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
			const next = this.timers[0];
			if (!next || next.at > end) break;
			this.timers.shift();
			this.t = next.at;
			next.fn();
			for (let i = 0; i < 20; i++) await Promise.resolve();
		}
		this.t = end;
		for (let i = 0; i < 20; i++) await Promise.resolve();
	}
}
