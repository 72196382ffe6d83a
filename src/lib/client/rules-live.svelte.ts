/**
 * The /rules list's live rows: one socket.io connection to the live feed (admitted by the session
 * cookie), `rules:subscribe` on every (re)connect, and `rules:rows` validated with the shared
 * schema before it replaces the rows. socket.io reconnects by itself after a network loss; a
 * refusal that may pass (Redis unreachable, too many connections) is retried a little later; a
 * lasting one (the session ended) is shown and not retried.
 */
import { io, type Socket } from 'socket.io-client';
import { LIVE_PATH, liveRefusal, ruleRowsMessage, type ClientToServerEvents, type RuleRow, type ServerToClientEvents } from '$lib/shared/live';

export type RulesConnection = 'connecting' | 'live' | 'offline' | 'refused';

/** The feed's connection as the pages write it next to its dot. */
export const CONNECTION_WORDS: Record<RulesConnection, string> = { connecting: 'connecting…', live: 'live', offline: 'offline: reconnecting…', refused: 'not live' };

const RETRY_REFUSED_MS = 3_000;

export class RulesFeed {
	connection = $state<RulesConnection>('connecting');
	/** Why the server refused the feed, when trying again will not help. */
	refusal = $state<string | null>(null);
	/** Epoch ms (this browser's clock) of the last rows received, or null. */
	updatedAt = $state<number | null>(null);
	/** Messages that failed validation (shown for diagnosis). */
	invalid = $state(0);

	private socket: Socket<ServerToClientEvents, ClientToServerEvents> | undefined;
	private retry: ReturnType<typeof setTimeout> | undefined;

	constructor(private readonly onRows: (rows: RuleRow[], revision: number) => void) {}

	connect(): void {
		if (this.socket) return;
		const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({
			path: LIVE_PATH,
			transports: ['websocket', 'polling'],
			reconnectionDelay: 500,
			reconnectionDelayMax: 5000
		});
		this.socket = socket;
		socket.on('connect', () => {
			this.connection = 'live';
			// Each connection is a new one on the server: subscribe again.
			socket.emit('rules:subscribe', {});
		});
		socket.on('disconnect', (reason) => {
			if (this.refusal !== null) return void (this.connection = 'refused');
			this.connection = 'offline';
			if (reason === 'io server disconnect') this.retryLater(socket);
		});
		socket.on('connect_error', (err) => {
			const refused = liveRefusal.safeParse((err as Error & { data?: unknown }).data);
			if (!refused.success) return void (this.connection = 'offline');
			if (refused.data.retry) {
				this.connection = 'connecting';
				this.retryLater(socket);
			} else this.refuse(refused.data.message);
		});
		socket.on('denied', (raw) => {
			const msg = liveRefusal.safeParse(raw);
			if (msg.success && !msg.data.retry) this.refuse(msg.data.message);
		});
		socket.io.on('reconnect_attempt', () => {
			if (this.refusal === null) this.connection = 'connecting';
		});
		socket.on('rules:rows', (raw) => {
			const msg = ruleRowsMessage.safeParse(raw);
			if (!msg.success) return void this.invalid++;
			this.updatedAt = Date.now();
			this.onRows(msg.data.rows, msg.data.revision);
		});
	}

	private refuse(message: string): void {
		this.refusal = message;
		this.connection = 'refused';
	}

	private retryLater(socket: Socket<ServerToClientEvents, ClientToServerEvents>): void {
		clearTimeout(this.retry);
		this.retry = setTimeout(() => {
			if (this.socket === socket && !socket.connected) socket.connect();
		}, RETRY_REFUSED_MS);
	}

	disconnect(): void {
		clearTimeout(this.retry);
		this.socket?.disconnect();
		this.socket = undefined;
	}
}
