/**
 * The push API's rate per sender: each API token (or logged-in user) may push `perSecond` samples
 * on average, with bursts up to `burst`. A push that does not fit is refused whole (429) with the
 * time until it would fit; nothing of it is stored, nothing stored before is touched. Buckets live
 * in this process (every web process has its own), bounded in number: the least recently used
 * sender is forgotten first, which only ever gives it a full bucket again.
 */
const MAX_SENDERS = 10_000;

export class PushRateLimiter {
	private readonly buckets = new Map<string, { tokens: number; last: number }>();

	constructor(
		readonly perSecond: number,
		readonly burst: number
	) {}

	/** Takes `n` samples' worth for `sender`: 0 when allowed, else the ms until they would fit. */
	take(sender: string, n: number, now = Date.now()): number {
		let b = this.buckets.get(sender);
		if (b) this.buckets.delete(sender);
		else {
			if (this.buckets.size >= MAX_SENDERS) this.buckets.delete(this.buckets.keys().next().value!);
			b = { tokens: this.burst, last: now };
		}
		this.buckets.set(sender, b);
		b.tokens = Math.min(this.burst, b.tokens + (Math.max(0, now - b.last) / 1000) * this.perSecond);
		b.last = now;
		if (n <= b.tokens) {
			b.tokens -= n;
			return 0;
		}
		// More than a full bucket never fits: answer the time to refill it whole.
		const missing = Math.min(n, this.burst) - b.tokens;
		return Math.max(1, Math.ceil((missing / this.perSecond) * 1000));
	}
}

/** The burst of a per-sender rate: one full push, or two seconds' worth, whichever is larger. */
export function pushBurst(perSecond: number, maxItems: number): number {
	return Math.max(maxItems, 2 * perSecond);
}
