/**
 * A fixed-size ring buffer of [time, value] points, oldest first: memory stays bounded however
 * long a screen runs. `push` overwrites the oldest point when full; points must come in time order
 * (an older or equal time is ignored). With `stepMs`, points closer than that to the last one
 * replace its value (the last value of each step), so the ring spans `capacity × stepMs` however
 * often samples come.
 */
export class PointRing {
	private readonly ts: Float64Array;
	private readonly vs: Float64Array;
	private start = 0;
	private count = 0;

	constructor(
		readonly capacity: number,
		readonly stepMs = 0
	) {
		if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
		this.ts = new Float64Array(capacity);
		this.vs = new Float64Array(capacity);
	}

	get size(): number {
		return this.count;
	}

	/** Time of the newest point, or -Infinity. */
	get lastTs(): number {
		return this.count === 0 ? -Infinity : this.ts[(this.start + this.count - 1) % this.capacity]!;
	}

	/** Adds a point (null is kept as NaN: a gap); false when it is not newer than the last. */
	push(ts: number, value: number | null): boolean {
		if (ts <= this.lastTs) return false;
		if (this.count > 0 && this.stepMs > 0 && ts - this.lastTs < this.stepMs) {
			this.vs[(this.start + this.count - 1) % this.capacity] = value === null ? NaN : value;
			return true;
		}
		const i = (this.start + this.count) % this.capacity;
		this.ts[i] = ts;
		this.vs[i] = value === null ? NaN : value;
		if (this.count < this.capacity) this.count++;
		else this.start = (this.start + 1) % this.capacity;
		return true;
	}

	clear(): void {
		this.start = 0;
		this.count = 0;
	}

	/** Calls `fn` for each point, oldest first, from time `from` on. */
	forEach(fn: (ts: number, value: number | null) => void, from = -Infinity): void {
		for (let k = 0; k < this.count; k++) {
			const i = (this.start + k) % this.capacity;
			const t = this.ts[i]!;
			if (t < from) continue;
			const v = this.vs[i]!;
			fn(t, Number.isNaN(v) ? null : v);
		}
	}

	/** The points as pairs (for the wire), oldest first. */
	toArray(from = -Infinity): Array<[number, number | null]> {
		const out: Array<[number, number | null]> = [];
		this.forEach((t, v) => out.push([t, v]), from);
		return out;
	}
}
