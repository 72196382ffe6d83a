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
import type { z } from 'zod';
import { HISTORY_POINTS, tileHistoryMs, type BoardDef } from '$lib/shared/boards';
import { PointRing } from '$lib/shared/ring';
import { SequenceTracker } from '$lib/shared/sequence';
import type { SloPeriod } from '$lib/shared/slo-period';
import {
	alertsMessage,
	fitLists,
	heartbeatMessage,
	type AlertSummary,
	LIVE_PATH,
	liveRefusal,
	liveStatus,
	pointsMessage,
	sloMessage,
	snapshotMessage,
	type AlertRow,
	type ClientToServerEvents,
	type LiveStatus,
	type SeriesMaintenance,
	type Point,
	type SeriesState,
	type TileRule,
	type ServerToClientEvents,
	type SnapshotMessage
} from '$lib/shared/live';

type LiveClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

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
	/** The board's definition (absent on the board `default` of plain tiles) and its active alerts. */
	board = $state<BoardDef | null>(null);
	alerts = $state<AlertRow[]>([]);
	/** The SLO objectives' budgets over their calendar period. */
	slos = $state<SloPeriod[]>([]);
	/** Status-tile series in maintenance now, and the alert rules that watch the tiles' series. */
	maintenance = $state<SeriesMaintenance[]>([]);
	rules = $state<TileRule[]>([]);
	/** Counts of every active alert, when the server sent them (the rows may be a part). */
	alertSummary = $state<AlertSummary | null>(null);
	/** Server time of the last message (for "last update" when the connection is lost), or null. */
	lastUpdate = $state<number | null>(null);
	/** Counts applied deltas: history readers (charts, sparklines) depend on it. */
	tick = $state(0);
	/** Recent points per series id, in fixed-size rings (not reactive: read them with `tick`). */
	readonly history = new Map<string, PointRing>();
	/** How long the last render took (ms), reported in heartbeats. */
	renderMs = 0;

	private socket: LiveClientSocket | undefined;
	private readonly sequence = new SequenceTracker();
	private boardName = 'default';
	private clockOffset = 0;
	private heartbeat: ReturnType<typeof setInterval> | undefined;
	private retry: ReturnType<typeof setTimeout> | undefined;

	/** The server's clock, as well as this screen can tell. */
	serverNow(): number {
		return Date.now() + this.clockOffset;
	}

	connect(board = 'default'): void {
		if (this.socket) return;
		this.boardName = board;
		const socket: LiveClientSocket = io({
			path: LIVE_PATH,
			auth: { board },
			transports: ['websocket', 'polling'],
			reconnectionDelay: 500,
			reconnectionDelayMax: 5000
		});
		this.socket = socket;
		const beat = this.heartbeatOf(socket, board);
		this.watchConnection(socket, beat);
		this.watchMessages(socket);
		this.heartbeat = setInterval(() => {
			if (socket.connected) beat();
		}, HEARTBEAT_MS);
	}

	/** Sends this screen's heartbeat: a logged-in page is watched as a wall screen only when its URL names it (?screen=<name>). */
	private heartbeatOf(socket: LiveClientSocket, board: string): () => void {
		const screen = screenId();
		const declared = new URLSearchParams(location.search).get('screen');
		const watch = declared && heartbeatMessage.shape.watch.safeParse(declared).success ? { watch: declared } : {};
		return () => socket.emit('heartbeat', { screen, at: Date.now(), board, viewport: { w: innerWidth, h: innerHeight }, renderMs: Math.round(this.renderMs), ...watch });
	}

	/** The connection's state: live, offline, connecting again, or refused (lastingly or to retry later). */
	private watchConnection(socket: LiveClientSocket, beat: () => void): void {
		socket.on('connect', () => {
			this.connection = 'live';
			beat();
		});
		socket.on('disconnect', (reason) => {
			this.sequence.reset();
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
	}

	/** The board's messages, each validated; those after the snapshot only in sequence. */
	private watchMessages(socket: LiveClientSocket): void {
		socket.on('snapshot', (raw) => {
			const msg = snapshotMessage.safeParse(fitLists(raw));
			if (!msg.success) return void this.refused++;
			this.applySnapshot(msg.data);
		});
		socket.on('points', (raw) => {
			const msg = this.accept(pointsMessage, raw);
			if (msg) this.applyPoints(msg.points);
		});
		socket.on('alerts', (raw) => {
			const msg = this.accept(alertsMessage, fitLists(raw));
			if (!msg) return;
			this.alerts = msg.alerts;
			this.alertSummary = msg.alertSummary ?? null;
			this.maintenance = msg.maintenance ?? [];
			this.rules = msg.rules ?? [];
		});
		socket.on('slo', (raw) => {
			const msg = this.accept(sloMessage, raw);
			if (msg) this.slos = msg.slos;
		});
		socket.on('status', (raw) => {
			const msg = this.accept(liveStatus, raw);
			if (!msg) return;
			this.redis = msg.redis;
			this.roles = msg.roles;
		});
	}

	/** A sequenced message: valid (else counted as refused), in sequence, and its server time tracked; or null. */
	private accept<T extends { seq: number; serverTime: number }>(schema: z.ZodType<T>, raw: unknown): T | null {
		const msg = schema.safeParse(raw);
		if (!msg.success) {
			this.refused++;
			return null;
		}
		if (!this.inSequence(msg.data.seq)) return null;
		this.track(msg.data.serverTime);
		return msg.data;
	}

	/** New points of the series shown (none older than what is shown). */
	private applyPoints(points: readonly Point[]): void {
		const byId = new Map(this.series.map((s) => [s.id, s]));
		for (const p of points) {
			const s = byId.get(p.id);
			if (s && (s.ts === null || p.ts >= s.ts)) {
				s.value = p.value;
				s.ts = p.ts;
				this.history.get(p.id)?.push(p.ts, p.value);
			}
		}
		this.tick++;
	}

	/** A lasting refusal: the screen stops showing values it may no longer see. */
	private refuse(message: string): void {
		this.refusal = message;
		this.connection = 'refused';
		this.series = [];
		this.alerts = [];
		this.alertSummary = null;
		this.slos = [];
		this.maintenance = [];
		this.rules = [];
		this.history.clear();
	}

	private retryLater(socket: LiveClientSocket): void {
		clearTimeout(this.retry);
		this.retry = setTimeout(() => {
			if (this.socket === socket && !socket.connected) socket.connect();
		}, RETRY_REFUSED_MS);
	}

	private applySnapshot(msg: SnapshotMessage): void {
		this.sequence.snapshot(msg.seq);
		this.clockOffset = msg.serverTime - Date.now();
		this.lastUpdate = msg.serverTime;
		this.redis = msg.redis;
		this.roles = msg.roles;
		// Rings are reused for series still shown (no allocation per snapshot), dropped for the others.
		const ids = new Set<string>();
		for (const s of msg.series) {
			ids.add(s.id);
			if (!s.history) continue;
			// The step of the longest window that draws this series: the ring spans that window.
			const windowMs = Math.max(0, ...(s.refs ?? []).map(([tile]) => (msg.board?.tiles[tile] ? tileHistoryMs(msg.board.tiles[tile]) : 0)));
			const stepMs = Math.floor(windowMs / HISTORY_POINTS);
			let ring = this.history.get(s.id);
			if (!ring || ring.stepMs !== stepMs) this.history.set(s.id, (ring = new PointRing(HISTORY_POINTS, stepMs)));
			ring.clear();
			for (const [t, v] of s.history) ring.push(t, v);
			delete s.history;
		}
		for (const id of this.history.keys()) if (!ids.has(id)) this.history.delete(id);
		this.board = msg.board ?? null;
		this.alerts = msg.alerts ?? [];
		this.alertSummary = msg.alertSummary ?? null;
		this.slos = msg.slos ?? [];
		this.maintenance = msg.maintenance ?? [];
		this.rules = msg.rules ?? [];
		this.series = msg.series;
		this.tick++;
	}

	/** True when `seq` is the next one; on a gap, asks for a snapshot and drops the message. */
	private inSequence(seq: number): boolean {
		const verdict = this.sequence.delta(seq);
		if (verdict === 'gap') {
			this.resyncs++;
			this.socket?.emit('snapshot:request', { reason: 'gap' });
		}
		return verdict === 'apply';
	}

	/** Smooths the clock offset; a message is never from the future, so take the larger estimate. */
	private track(serverTime: number): void {
		const estimate = serverTime - Date.now();
		this.clockOffset = Math.max(estimate, this.clockOffset * 0.9 + estimate * 0.1);
		this.lastUpdate = serverTime;
	}

	/** The board this feed shows. */
	get boardShown(): string {
		return this.boardName;
	}

	disconnect(): void {
		clearInterval(this.heartbeat);
		clearTimeout(this.retry);
		this.socket?.disconnect();
		this.socket = undefined;
	}
}
