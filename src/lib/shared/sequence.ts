/**
 * The screen's side of the per-board sequence: a snapshot sets the number, each delta must carry
 * the next one. A delta already covered by the snapshot is ignored; any other number is a gap:
 * the screen asks for a snapshot once and ignores deltas until it arrives.
 */
export type SequenceVerdict = 'apply' | 'old' | 'gap' | 'waiting';

export class SequenceTracker {
	private seq = -1;
	private awaiting = false;
	/** Gaps seen (each asked for one snapshot). */
	gaps = 0;

	/** A snapshot arrived: deltas continue from its number. */
	snapshot(seq: number): void {
		this.seq = seq;
		this.awaiting = false;
	}

	/** The connection dropped: nothing is known until the next snapshot. */
	reset(): void {
		this.seq = -1;
		this.awaiting = false;
	}

	/**
	 * What to do with a delta: `apply` it (the next number), ignore it as `old` (covered by the
	 * snapshot), or it is a `gap` (ask for a snapshot now); `waiting`: a snapshot is on its way.
	 */
	delta(seq: number): SequenceVerdict {
		if (this.awaiting) return 'waiting';
		if (this.seq >= 0 && seq === this.seq + 1) {
			this.seq = seq;
			return 'apply';
		}
		if (this.seq >= 0 && seq <= this.seq) return 'old';
		this.awaiting = true;
		this.seq = -1;
		this.gaps++;
		return 'gap';
	}

	get current(): number {
		return this.seq;
	}
}
