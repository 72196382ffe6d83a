/** The SLO tiles' period budgets, brought up to date every SLO_REFRESH_MS; screens get the changes. */
import type { Logger } from '../../log';
import type { TimeSeriesStore } from '../../tsdb/types';
import type { BoardFeed } from '../board-feed';
import type { LiveSend } from './socket';

/** How often the SLO tiles' period budgets are brought up to date (a minute is the step). */
export const SLO_REFRESH_MS = 30_000;

export class SloFeed {
	private timer: NodeJS.Timeout | undefined;

	constructor(
		private readonly store: TimeSeriesStore,
		private readonly boards: readonly BoardFeed[],
		private readonly send: LiveSend,
		private readonly redisUp: () => boolean,
		private readonly log: Logger
	) {}

	/** Judges now and on the interval, if any board has SLO tiles. */
	start(): void {
		if (this.boards.length === 0) return;
		this.refresh();
		this.timer = setInterval(() => this.refresh(), SLO_REFRESH_MS);
		this.timer.unref();
	}

	stop(): void {
		clearInterval(this.timer);
	}

	/** Judges the minutes closed since the last time, per board with SLO tiles. */
	private refresh(): void {
		if (!this.redisUp()) return;
		const now = Date.now();
		for (const board of this.boards) {
			const slos = board.slos;
			if (!slos) continue;
			slos
				.refresh(this.store, now)
				.then((changed) => {
					if (changed) this.send.toBoard(board, 'slo', (seq) => ({ seq, serverTime: Date.now(), slos: slos.entries() }));
				})
				.catch((err: Error) => this.log.debug({ board: board.name, err: err.message }, 'could not judge the SLO periods for the wall'));
		}
	}
}
