/**
 * Derived queue series: how fast a queue drains and how long it will take to empty, from its
 * recent backlog. Together with the backlog they make "this queue will not drain before its SLA"
 * alertable.
 *
 *   queue_drain_rate             net items removed per second over the window (0 while it grows)
 *   queue_time_to_drain_seconds  backlog / drain rate; 0 when empty; +Inf while it does not drain
 */
import type { Sample } from '../../src/lib/shared/series';

export class DrainTracker {
	private readonly history = new Map<string, Array<[number, number]>>();

	/** @param windowMs how far back the drain rate looks. */
	constructor(private readonly windowMs: number) {}

	/** Records a backlog reading and returns the two derived samples for it. */
	observe(queue: string, labels: Record<string, string>, ts: number, backlog: number): Sample[] {
		let h = this.history.get(queue);
		if (!h) this.history.set(queue, (h = []));
		h.push([ts, backlog]);
		while (h.length > 2 && h[1]![0] <= ts - this.windowMs) h.shift();
		const [t0, b0] = h[0]!;
		const seconds = (ts - t0) / 1000;
		const rate = seconds > 0 ? Math.max(0, (b0 - backlog) / seconds) : 0;
		const ttd = backlog <= 0 ? 0 : rate > 0 ? backlog / rate : Infinity;
		const round = (v: number) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : v);
		return [
			{ name: 'queue_drain_rate', labels, ts, value: round(rate) },
			{ name: 'queue_time_to_drain_seconds', labels, ts, value: round(ttd) }
		];
	}

	forget(queue: string): void {
		this.history.delete(queue);
	}
}
