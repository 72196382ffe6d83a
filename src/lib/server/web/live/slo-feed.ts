/** The SLO tiles' period budgets, brought up to date every SLO_REFRESH_MS; screens get the changes. */
import type { TimeSeriesStore } from '../../tsdb';
import type { BoardFeed } from '../board-feed';
import { PeriodicFeed, type FeedContext } from './every';

/** How often the SLO tiles' period budgets are brought up to date (a minute is the step). */
export const SLO_REFRESH_MS = 30_000;

export class SloFeed extends PeriodicFeed {
	/** `boards`: those with SLO tiles. */
	constructor(
		private readonly store: TimeSeriesStore,
		boards: readonly BoardFeed[],
		hub: FeedContext
	) {
		super(boards, hub, SLO_REFRESH_MS);
	}

	/** Judges the minutes closed since the last time, per board with SLO tiles. */
	protected refresh(): void {
		if (!this.hub.redisUp()) return;
		const now = Date.now();
		for (const board of this.boards) {
			const slos = board.slos;
			if (!slos) continue;
			slos
				.refresh(this.store, now)
				.then((changed) => {
					if (changed) this.hub.send.toBoard(board, 'slo', (seq) => ({ seq, serverTime: Date.now(), slos: slos.entries() }));
				})
				.catch((err: Error) => this.hub.log.debug({ board: board.name, err: err.message }, 'could not judge the SLO periods for the wall'));
		}
	}
}
