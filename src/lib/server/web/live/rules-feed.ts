/**
 * The /rules list's live rows (`rules:subscribe`, session connections only): while at least one
 * connection is in the room `rules`, the overview is read once every RULES_REFRESH_MS (one read per
 * process, never per connection) and the room gets `rules:rows` when a row changed.
 */
import type { Redis } from 'ioredis';
import type { Counter } from 'prom-client';
import type { RuleRowsMessage } from '../../../shared/live';
import { can } from '../../auth';
import type { Keys } from '../../keys';
import type { Logger } from '../../log';
import { readRuleOverview } from '../../views';
import type { LiveSend, LiveServer, LiveSocket } from './socket';
import { every } from './every';

/** How often the rules overview is read while someone subscribes (once per process). */
export const RULES_REFRESH_MS = 2_000;

/** The room of the connections that subscribed to the rules list. */
const RULES_ROOM = 'rules';

export class RulesFeed {
	/** Runs only while the room `rules` has members. */
	private timer: NodeJS.Timeout | undefined;
	private rows: RuleRowsMessage | undefined;
	private rowsText = '';
	private reading = false;
	private failing = false;

	constructor(
		private readonly redis: Redis,
		private readonly keys: Keys,
		private readonly send: LiveSend,
		private readonly redisUp: () => boolean,
		private readonly log: Logger,
		private readonly reads: Counter | undefined
	) {}

	private get io(): LiveServer | undefined {
		return this.send.io;
	}

	/** Connections in the room `rules` of this process. */
	subscribers(): number {
		return this.io?.sockets.adapter.rooms.get(RULES_ROOM)?.size ?? 0;
	}

	/** Whether the overview is being read on its interval (someone subscribes). */
	get running(): boolean {
		return this.timer !== undefined;
	}

	/**
	 * A connection asks for the rows: kiosk links show a board, nothing else; a session's role must
	 * read rules. It leaves its board's room for the room `rules`. False: refused.
	 */
	subscribe(socket: LiveSocket, boardRoom: string): boolean {
		const grant = socket.data.grant;
		if (grant.kind !== 'session' || !can(grant.role, 'rules:read')) return false;
		if (socket.rooms.has(RULES_ROOM)) return true;
		void socket.leave(boardRoom);
		void socket.join(RULES_ROOM);
		if (this.timer && this.rows) socket.emit('rules:rows', this.rows);
		else this.start();
		return true;
	}

	/** A connection left: the last subscriber's leaving stops the reads. */
	left(): void {
		if (this.timer && this.subscribers() === 0) this.stop();
	}

	private start(): void {
		if (!this.timer) {
			this.timer = every(RULES_REFRESH_MS, () => {
				if (this.subscribers() === 0) this.stop();
				else this.refresh();
			});
		}
		this.refresh();
	}

	stop(): void {
		clearInterval(this.timer);
		this.timer = undefined;
		// What was read is stale by the next subscription: that one reads again and sends.
		this.rows = undefined;
		this.rowsText = '';
	}

	/** Reads the rules overview (one read for every subscriber); the room gets it when a row changed. */
	private refresh(): void {
		if (this.reading || !this.redisUp()) return;
		this.reading = true;
		this.reads?.inc();
		const started = this.timer;
		readRuleOverview(this.redis, this.keys, { onBad: (what, id, problem) => this.log.debug({ what, id, problem }, 'left out of the rules overview: it does not parse') })
			.then((msg) => {
				if (this.failing) this.log.info('the rules overview can be read again');
				this.failing = false;
				// Stopped (or restarted) meanwhile: this read belongs to nobody.
				if (!this.io || !started || this.timer !== started) return;
				const text = JSON.stringify(msg);
				if (text === this.rowsText) return;
				this.rowsText = text;
				this.rows = msg;
				this.send.toRoom(RULES_ROOM, 'rules:rows', msg);
			})
			.catch((err: Error) => {
				// Subscribers keep the last rows they got; the next tick tries again.
				if (!this.failing) this.log.warn({ err: err.message }, 'could not read the rules overview; the rules list keeps its last rows');
				else this.log.debug({ err: err.message }, 'could not read the rules overview');
				this.failing = true;
			})
			.finally(() => (this.reading = false));
	}
}
