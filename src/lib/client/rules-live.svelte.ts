/**
 * The /rules list's live rows: one socket.io connection to the live feed (admitted by the session
 * cookie), `rules:subscribe` on every (re)connect, and `rules:rows` validated with the shared
 * schema before it replaces the rows. Refusals are handled as on every live page (live-socket.ts):
 * one that may pass is retried a little later, a lasting one (the session ended) is shown.
 */
import { ruleRowsMessage, type RuleRow } from '$lib/shared/live';
import { LiveConnection, type Connection } from './live-socket';

export type RulesConnection = Connection;

/** The feed's connection as the pages write it next to its dot. */
export const CONNECTION_WORDS: Record<RulesConnection, string> = { connecting: 'connecting…', live: 'live', offline: 'offline: reconnecting…', refused: 'not live' };

export class RulesFeed {
	connection = $state<RulesConnection>('connecting');
	/** Why the server refused the feed, when trying again will not help. */
	refusal = $state<string | null>(null);
	/** Epoch ms (this browser's clock) of the last rows received, or null. */
	updatedAt = $state<number | null>(null);
	/** Messages that failed validation (shown for diagnosis). */
	invalid = $state(0);

	private live: LiveConnection | undefined;

	constructor(private readonly onRows: (rows: RuleRow[], revision: number) => void) {}

	connect(): void {
		if (this.live) return;
		this.live = new LiveConnection(undefined, {
			onConnection: (state) => (this.connection = state),
			// Each connection is a new one on the server: subscribe again.
			onConnect: () => this.live?.socket.emit('rules:subscribe', {}),
			onRefused: (message) => (this.refusal = message)
		});
		this.live.socket.on('rules:rows', (raw) => {
			const msg = ruleRowsMessage.safeParse(raw);
			if (!msg.success) return void this.invalid++;
			this.updatedAt = Date.now();
			this.onRows(msg.data.rows, msg.data.revision);
		});
	}

	disconnect(): void {
		this.live?.close();
		this.live = undefined;
	}
}
