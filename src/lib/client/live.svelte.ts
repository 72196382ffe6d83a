/**
 * The browser side of the live protocol: one socket.io connection, every message validated with
 * the shared schemas, the sequence checked (a gap asks for a new snapshot), and the server's clock
 * tracked so "updated 0.4 s ago" is right even when the screen's own clock is not.
 *
 * The server admits a screen by its session or kiosk cookie; its refusals are handled as on every
 * live page (live-socket.ts): a lasting one empties the screen and says why, instead of retrying in
 * silence; one that may pass (Redis unreachable) is retried.
 */
import type { z } from 'zod';
import { LiveConnection, type Connection } from './live-socket';
import { HISTORY_POINTS, tileHistoryMs, type BoardDef } from '$lib/shared/boards';
import { PointRing } from '$lib/shared/ring';
import { SequenceTracker } from '$lib/shared/sequence';
import type { SloPeriod } from '$lib/shared/slo-period';
import {
	alertsMessage,
	fitLists,
	heartbeatMessage,
	type AlertSummary,
	liveStatus,
	pointsMessage,
	sloMessage,
	snapshotMessage,
	type AlertRow,
	type LiveStatus,
	type SeriesMaintenance,
	type Point,
	type SeriesState,
	type TileRule,
	type SnapshotMessage
} from '$lib/shared/live';

export type { Connection };

const HEARTBEAT_MS = 10_000;

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

	private live: LiveConnection | undefined;
	private readonly sequence = new SequenceTracker();
	private boardName = 'default';
	private clockOffset = 0;
	private heartbeat: ReturnType<typeof setInterval> | undefined;

	/** The server's clock, as well as this screen can tell. */
	serverNow(): number {
		return Date.now() + this.clockOffset;
	}

	connect(board = 'default'): void {
		if (this.live) return;
		this.boardName = board;
		const screen = screenId();
		// A logged-in page is watched as a wall screen only when its URL names it (?screen=<name>).
		const declared = new URLSearchParams(location.search).get('screen');
		const watch = declared && heartbeatMessage.shape.watch.safeParse(declared).success ? { watch: declared } : {};
		const beat = () => this.live?.socket.emit('heartbeat', { screen, at: Date.now(), board, viewport: { w: innerWidth, h: innerHeight }, renderMs: Math.round(this.renderMs), ...watch });
		this.live = new LiveConnection(
			{ board },
			{
				onConnection: (state) => (this.connection = state),
				onConnect: beat,
				onDisconnect: () => this.sequence.reset(),
				onRefused: (message) => this.refuse(message),
				onInvalid: () => void this.refused++
			}
		);
		const socket = this.live.socket;
		this.watchMessages(socket);
		this.heartbeat = setInterval(() => {
			if (socket.connected) beat();
		}, HEARTBEAT_MS);
	}

	/** The board's messages, each validated; those after the snapshot only in sequence. */
	private watchMessages(socket: LiveConnection['socket']): void {
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
		this.series = [];
		this.alerts = [];
		this.alertSummary = null;
		this.slos = [];
		this.maintenance = [];
		this.rules = [];
		this.history.clear();
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
			this.live?.socket.emit('snapshot:request', { reason: 'gap' });
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
		this.live?.close();
		this.live = undefined;
	}
}
