/**
 * One computation per window: the status page is computed at most once per `ttlMs` however many
 * requests ask for it. Requests that arrive while it is being computed share that computation; a
 * failed computation is not kept (the next request tries again).
 */
export class ComputedOnce<T> {
	private value: { at: number; value: T } | undefined;
	private pending: Promise<{ at: number; value: T }> | undefined;
	/** How many times it computed (for tests and metrics). */
	computations = 0;

	constructor(
		private readonly ttlMs: number,
		private readonly compute: (now: number) => Promise<T>,
		private readonly now: () => number = Date.now
	) {}

	/** The value and when it was computed (epoch ms). */
	async get(): Promise<{ at: number; value: T }> {
		const now = this.now();
		if (this.value && now - this.value.at < this.ttlMs) return this.value;
		if (!this.pending) {
			this.computations++;
			this.pending = this.compute(now)
				.then((value) => (this.value = { at: now, value }))
				.finally(() => {
					this.pending = undefined;
				});
		}
		return this.pending;
	}
}
