/**
 * A token bucket: `rate` events per second on average, `burst` at once. Each live-feed connection
 * has one; events beyond it are dropped, and a connection that keeps going past it is closed. The
 * public status page keeps one per client address (web/status-page.ts).
 */
export class TokenBucket {
	private tokens: number;
	private last: number;

	constructor(
		private readonly rate: number,
		private readonly burst: number,
		now = Date.now()
	) {
		this.tokens = burst;
		this.last = now;
	}

	/** Takes one token; false when the bucket is empty (the event is over the limit). */
	take(now = Date.now()): boolean {
		this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
		this.last = now;
		if (this.tokens < 1) return false;
		this.tokens -= 1;
		return true;
	}

	/** Milliseconds until a token is there to take (0: one is there now); as of the last take. */
	waitMs(): number {
		return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.rate) * 1000);
	}
}
