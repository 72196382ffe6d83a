/**
 * A moving-window counter with one-second buckets: what happened over the last N seconds, in
 * constant memory, for gauges such as orders per minute and the failure ratio over 5 minutes.
 */

export class MovingWindow {
	private readonly counts: Float64Array;
	private readonly stamps: Float64Array;

	constructor(private readonly spanSeconds: number) {
		this.counts = new Float64Array(spanSeconds);
		this.stamps = new Float64Array(spanSeconds).fill(-Infinity);
	}

	add(n: number, nowMs: number): void {
		const second = Math.floor(nowMs / 1000);
		const i = second % this.spanSeconds;
		if (this.stamps[i] !== second) {
			this.stamps[i] = second;
			this.counts[i] = 0;
		}
		this.counts[i] = (this.counts[i] ?? 0) + n;
	}

	/** The total over the last `spanSeconds` seconds, this one included. */
	sum(nowMs: number): number {
		const second = Math.floor(nowMs / 1000);
		let total = 0;
		for (let i = 0; i < this.spanSeconds; i++) {
			const stamp = this.stamps[i] ?? -Infinity;
			if (stamp > second - this.spanSeconds && stamp <= second) total += this.counts[i] ?? 0;
		}
		return total;
	}
}
