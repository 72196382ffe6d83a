/** What runs on an interval in the hub. */
import type { Logger } from '../../log';
import type { BoardFeed } from '../board-feed';
import type { LiveSend } from './socket';

/** Calls `fn` every `ms`, without keeping the process alive; clear it with clearInterval. */
export function every(ms: number, fn: () => void): NodeJS.Timeout {
	const timer = setInterval(fn, ms);
	timer.unref();
	return timer;
}

/** What a board feed needs of the hub. */
export interface FeedContext {
	send: LiveSend;
	redisUp(): boolean;
	log: Logger;
}

/** A feed that some boards show, read now and every `ms` while the hub runs (not at all when no board shows it). */
export abstract class PeriodicFeed {
	private timer: NodeJS.Timeout | undefined;

	constructor(
		protected readonly boards: readonly BoardFeed[],
		protected readonly hub: FeedContext,
		private readonly ms: number
	) {}

	start(): void {
		if (this.boards.length === 0) return;
		this.refresh();
		this.timer = every(this.ms, () => this.refresh());
	}

	stop(): void {
		clearInterval(this.timer);
	}

	protected abstract refresh(): void;
}
