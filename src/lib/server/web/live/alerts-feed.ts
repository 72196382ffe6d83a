/**
 * The boards' alerts: the active alerts with their silences and maintenance, the maintenance of
 * the status tiles' series and (when the rule set changed) the rules that watch the tiles, read
 * once every ALERTS_REFRESH_MS for every board; each board that shows them gets its changes.
 */
import type { Redis } from 'ioredis';
import { fitLists, type AlertsMessage } from '../../../shared/live';
import type { Keys } from '../../keys';
import type { BoardFeed } from '../board-feed';
import { readBoardAlerts, summariseAlerts } from '../board-alerts';
import { RuleWatch, tileRules } from '../board-rules';
import { PeriodicFeed, type FeedContext } from './every';

/** How often the active alerts and their incidents are read (once per process, for every board). */
export const ALERTS_REFRESH_MS = 2_000;

type BoardAlerts = Omit<AlertsMessage, 'seq' | 'serverTime'>;
type AlertsRead = Awaited<ReturnType<typeof readBoardAlerts>>;

export class AlertsFeed extends PeriodicFeed {
	private readonly ruleWatch: RuleWatch;
	/** What each board was last sent, as JSON. */
	private readonly sentText = new Map<string, string>();
	private reading = false;

	/** `boards`: those that show alerts. */
	constructor(
		private readonly redis: Redis,
		private readonly keys: Keys,
		boards: readonly BoardFeed[],
		hub: FeedContext
	) {
		super(boards, hub, ALERTS_REFRESH_MS);
		this.ruleWatch = new RuleWatch(redis, keys);
	}

	protected refresh(): void {
		if (this.reading || !this.hub.redisUp()) return;
		this.reading = true;
		const series = new Map<string, { id: string; labels: Record<string, string> }>();
		for (const b of this.boards) for (const s of b.statusSeries()) series.set(s.id, s);
		const rulesRead = this.ruleWatch.refresh().catch((err: Error) => {
			this.hub.log.debug({ err: err.message }, 'could not read the rule set for the wall: tiles keep the rules they had');
			return false;
		});
		Promise.all([readBoardAlerts(this.redis, this.keys, Date.now(), [...series.values()]), rulesRead])
			.then(([read, rulesChanged]) => this.apply(read, rulesChanged))
			.catch((err: Error) => this.hub.log.debug({ err: err.message }, 'could not read the active alerts for the wall'))
			.finally(() => (this.reading = false));
	}

	/** Each board's part of a read; a board whose part changed keeps it and its screens get it. */
	private apply(read: AlertsRead, rulesChanged: boolean): void {
		// Thousands of alerts on the worst day: the rows a tile can use, and the counts of all.
		const { rows, summary } = summariseAlerts(read.rows);
		for (const board of this.boards) {
			const maintenance = board.statusSeries().flatMap((s) => {
				const w = read.maintenance.get(s.id);
				return w ? [{ series: s.id, ...w }] : [];
			});
			if (rulesChanged && board.def) board.rules = tileRules(board.def, this.ruleWatch.rules);
			const msg: BoardAlerts = fitLists({ alerts: rows, alertSummary: summary, maintenance, rules: board.rules });
			const text = JSON.stringify(msg);
			if (text === this.sentText.get(board.name)) continue;
			this.sentText.set(board.name, text);
			board.alerts = msg.alerts;
			board.alertSummary = summary;
			board.maintenance = maintenance;
			this.hub.send.toBoard(board, 'alerts', (seq) => ({ seq, serverTime: Date.now(), ...msg }));
		}
	}
}
