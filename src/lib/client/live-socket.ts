/**
 * One socket.io connection to the live feed, with the server's refusals handled the same way for
 * every page that opens one (the wall and boards, the /rules list). socket.io reconnects by itself
 * after a network loss; a refusal that may pass (Redis unreachable, too many connections, closed by
 * the server) is retried a little later; a lasting one (no credential, a revoked kiosk link, an
 * ended session) is handed to the page to show, and not retried.
 */
import { io, type Socket } from 'socket.io-client';
import { LIVE_PATH, liveRefusal, type ClientToServerEvents, type ServerToClientEvents } from '$lib/shared/live';

export type Connection = 'connecting' | 'live' | 'offline' | 'refused';
export type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Wait before trying again after a refusal that may pass. */
const RETRY_REFUSED_MS = 3_000;

export interface LiveSocketHooks {
	/** The connection's state changed. */
	onConnection(state: Connection): void;
	/** Connected, and again after every reconnect (each is a new connection on the server): subscribe, send a heartbeat. */
	onConnect(): void;
	/** Disconnected, before the state changes. */
	onDisconnect?(): void;
	/** A lasting refusal, with the server's words: show them; the socket does not try again. */
	onRefused(message: string): void;
	/** A refusal message that failed validation (counted for diagnosis). */
	onInvalid?(): void;
}

export class LiveConnection {
	readonly socket: LiveSocket;
	private refused = false;
	private closed = false;
	private retry: ReturnType<typeof setTimeout> | undefined;

	/** `auth`: what the server reads at admission (e.g. the board). */
	constructor(auth: Record<string, unknown> | undefined, hooks: LiveSocketHooks) {
		const socket: LiveSocket = io({ path: LIVE_PATH, ...(auth ? { auth } : {}), transports: ['websocket', 'polling'], reconnectionDelay: 500, reconnectionDelayMax: 5000 });
		this.socket = socket;
		const refuse = (message: string): void => {
			this.refused = true;
			hooks.onRefused(message);
			hooks.onConnection('refused');
		};
		socket.on('connect', () => {
			hooks.onConnection('live');
			hooks.onConnect();
		});
		socket.on('disconnect', (reason) => {
			hooks.onDisconnect?.();
			if (this.refused) return hooks.onConnection('refused');
			hooks.onConnection('offline');
			// Closed by the server without a lasting refusal (e.g. too many messages): come back later.
			if (reason === 'io server disconnect') this.retryLater();
		});
		socket.on('connect_error', (err) => {
			const refusal = liveRefusal.safeParse((err as Error & { data?: unknown }).data);
			// Without a refusal it is the network: socket.io tries again by itself.
			if (!refusal.success) return hooks.onConnection('offline');
			if (refusal.data.retry) {
				hooks.onConnection('connecting');
				this.retryLater();
			} else refuse(refusal.data.message);
		});
		socket.on('denied', (raw) => {
			const msg = liveRefusal.safeParse(raw);
			if (!msg.success) return hooks.onInvalid?.();
			if (!msg.data.retry) refuse(msg.data.message);
		});
		socket.io.on('reconnect_attempt', () => {
			if (!this.refused) hooks.onConnection('connecting');
		});
	}

	private retryLater(): void {
		clearTimeout(this.retry);
		this.retry = setTimeout(() => {
			if (!this.closed && !this.socket.connected) this.socket.connect();
		}, RETRY_REFUSED_MS);
	}

	close(): void {
		this.closed = true;
		clearTimeout(this.retry);
		this.socket.disconnect();
	}
}
