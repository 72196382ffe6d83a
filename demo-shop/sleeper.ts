/**
 * Sleeps that stop() can cut short: the simulated latencies and job work wait on these, so
 * stopping the shop never waits for a slow answer or a crawling worker.
 */

export interface Sleeper {
	/** Resolves after `ms`, or at once when cancelled. Never rejects. */
	sleep(ms: number): Promise<void>;
	/** Resolves every pending sleep now, and every later one at once. */
	cancelAll(): void;
	readonly cancelled: boolean;
}

export function createSleeper(): Sleeper {
	const pending = new Map<ReturnType<typeof setTimeout>, () => void>();
	let cancelled = false;
	return {
		sleep(ms) {
			if (cancelled || ms <= 0) return Promise.resolve();
			return new Promise<void>((resolve) => {
				const timer = setTimeout(() => {
					pending.delete(timer);
					resolve();
				}, ms);
				pending.set(timer, resolve);
			});
		},
		cancelAll() {
			cancelled = true;
			for (const [timer, resolve] of pending) {
				clearTimeout(timer);
				resolve();
			}
			pending.clear();
		},
		get cancelled() {
			return cancelled;
		}
	};
}
