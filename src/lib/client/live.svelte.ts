/**
 * The browser side of the live protocol: one socket.io connection, every message validated with
 * the shared schemas, the sequence checked (a gap asks for a new snapshot), and the server's clock
 * tracked so "updated 0.4 s ago" is right even when the screen's own clock is not.
 *
 * The server admits a screen by its session or kiosk cookie; when it refuses (no credential, a
 * revoked or expired kiosk link, an ended session), the screen says so and stops trying, instead of
 * retrying in silence. Refusals that may pass (Redis unreachable) are retried.
 */
import { io, type Socket } from 'socket.io-client';
import {
	LIVE_PATH,
	liveRefusal,
	liveStatus,
	pointsMessage,
	snapshotMessage,
	type ClientToServerEvents,
	type LiveStatus,
	type SeriesState,
	type ServerToClientEvents,
	type SnapshotMessage
} from '$lib/shared/live';

export type Connection = 'connecting' | 'live' | 'offline' | 'refused';

const HEARTBEAT_MS = 10_000;
/** Wait before trying again after a refusal that may pass. */
const RETRY_REFUSED_MS = 3_000;

function screenId(): string {
	try {
		const known = localStorage.getItem('vigil.screen');
		if (known) return known;
		const id = `screen-${Math.random().toString(36).slice(2, 10)}`;
		localStorage.setItem('vigil.screen', id);
		return id;
	} catch {
		return 'screen-anonymous';
	}
}

export class LiveFeed {
	connection = $state<Connection>('connecting');
	redis = $state<'up' | 'down'>('up');
	roles = $state<LiveStatus['roles']>({ web: 0, collect: 0, alerts: 0 });
	series = $state<SeriesState[]>([]);
	/** Messages refused by validation, and snapshots asked for after a gap: shown for diagnosis. */
	refused = $state(0);
	resyncs = $state(0);
	/** Why the server refused this screen, when it did and trying again will not help. */
	refusal = $state<string | null>(null);

	private socket: Socket<ServerToClientEvents, ClientToServerEvents> | undefined;
	private seq = -1;
	private awaitingSnapshot = false;
	private clockOffset = 0;
	private heartbeat: ReturnType<typeof setInterval> | undefined;
	private retry: ReturnType<typeof setTimeout> | undefined;

	/** The server's clock, as well as this screen can tell. */
	serverNow(): number {
		return Date.now() + this.clockOffset;
	}

	connect(board = 'default'): void {
		if (this.socket) return;
		const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({
			path: LIVE_PATH,
			auth: { board },
			transports: ['websocket', 'polling'],
			reconnectionDelay: 500,
			reconnectionDelayMax: 5000
		});
		this.socket = socket;
		const screen = screenId();
		socket.on('connect', () => {
			this.connection = 'live';
			socket.emit('heartbeat', { screen, at: Date.now() });
		});
		socket.on('disconnect', (reason) => {
			this.seq = -1;
			if (this.refusal !== null) return void (this.connection = 'refused');
			this.connection = 'offline';
			// Closed by the server without a lasting refusal (e.g. too many messages): come back later.
			if (reason === 'io server disconnect') this.retryLater(socket);
		});
		socket.on('connect_error', (err) => {
			const refused = liveRefusal.safeParse((err as Error & { data?: unknown }).data);
			// Without a refusal it is the network: socket.io tries again by itself.
			if (!refused.success) return;
			if (refused.data.retry) {
				this.connection = 'connecting';
				this.retryLater(socket);
			} else this.refuse(refused.data.message);
		});
		socket.on('denied', (raw) => {
			const msg = liveRefusal.safeParse(raw);
			if (!msg.success) return void this.refused++;
			if (!msg.data.retry) this.refuse(msg.data.message);
		});
		socket.io.on('reconnect_attempt', () => {
			this.connection = 'connecting';
		});
		socket.on('snapshot', (raw) => {
			const msg = snapshotMessage.safeParse(raw);
			if (!msg.success) return void this.refused++;
			this.applySnapshot(msg.data);
		});
		socket.on('points', (raw) => {
			const msg = pointsMessage.safeParse(raw);
			if (!msg.success) return void this.refused++;
			if (!this.inSequence(msg.data.seq)) return;
			this.track(msg.data.serverTime);
			const byId = new Map(this.series.map((s) => [s.id, s]));
			for (const p of msg.data.points) {
				const s = byId.get(p.id);
				if (s && (s.ts === null || p.ts >= s.ts)) {
					s.value = p.value;
					s.ts = p.ts;
				}
			}
		});
		socket.on('status', (raw) => {
			const msg = liveStatus.safeParse(raw);
			if (!msg.success) return void this.refused++;
			if (!this.inSequence(msg.data.seq)) return;
			this.track(msg.data.serverTime);
			this.redis = msg.data.redis;
			this.roles = msg.data.roles;
		});
		this.heartbeat = setInterval(() => {
			if (socket.connected) socket.emit('heartbeat', { screen, at: Date.now() });
		}, HEARTBEAT_MS);
	}

	/** A lasting refusal: the screen stops showing values it may no longer see. */
	private refuse(message: string): void {
		this.refusal = message;
		this.connection = 'refused';
		this.series = [];
	}

	private retryLater(socket: Socket<ServerToClientEvents, ClientToServerEvents>): void {
		clearTimeout(this.retry);
		this.retry = setTimeout(() => {
			if (this.socket === socket && !socket.connected) socket.connect();
		}, RETRY_REFUSED_MS);
	}

	private applySnapshot(msg: SnapshotMessage): void {
		this.awaitingSnapshot = false;
		this.seq = msg.seq;
		this.clockOffset = msg.serverTime - Date.now();
		this.redis = msg.redis;
		this.roles = msg.roles;
		this.series = msg.series;
	}

	/** True when `seq` is the next one; otherwise asks for a snapshot and drops the message. */
	private inSequence(seq: number): boolean {
		if (this.seq >= 0 && seq === this.seq + 1) {
			this.seq = seq;
			return true;
		}
		if (this.seq >= 0 && seq <= this.seq) return false; // already covered by the snapshot
		if (this.awaitingSnapshot) return false;
		this.awaitingSnapshot = true;
		this.resyncs++;
		this.seq = -1;
		this.socket?.emit('snapshot:request', { reason: 'gap' });
		return false;
	}

	/** Smooths the clock offset; a message is never from the future, so take the larger estimate. */
	private track(serverTime: number): void {
		const estimate = serverTime - Date.now();
		this.clockOffset = Math.max(estimate, this.clockOffset * 0.9 + estimate * 0.1);
	}

	disconnect(): void {
		clearInterval(this.heartbeat);
		clearTimeout(this.retry);
		this.socket?.disconnect();
		this.socket = undefined;
	}
}
