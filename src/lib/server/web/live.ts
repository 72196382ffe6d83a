/**
 * The web role's live hub: one live-tail reader per process fans new points out to every connected
 * screen over socket.io. Screens never cause Redis reads of their own: snapshots come from the
 * hub's memory, which the tail keeps current.
 *
 * The hub puts together one part per job, under live/:
 * - admission.ts: who may connect (session or kiosk token, per-address cap), each connection's
 *   rate limit, and its credential checked again (periodically and on announced revocations);
 * - boards.ts, alerts-feed.ts, slo-feed.ts: every board's points, alerts and SLO budgets, each
 *   change the next message of its board's sequence; status.ts: Redis's answers and the roles;
 * - screens.ts: the watched screens' heartbeats and their report;
 * - rules-feed.ts: the /rules list's live rows, read once per process while someone subscribes;
 * - socket.ts: the rooms and the one typed send (next sequence number, emit, count).
 * - every.ts: the hub's timers, and the base of the feeds read on an interval.
 * Connections join the room of their board; broadcasts go to the board's room.
 */
import type { Server as HttpServer } from 'node:http';
import type { Registry } from 'prom-client';
import { Server } from 'socket.io';
import type { Redis } from 'ioredis';
import { DEFAULT_BOARD, type BoardDef } from '../../shared/boards';
import { heartbeatMessage, LIVE_PATH, rulesSubscribe, snapshotRequest, type SnapshotMessage } from '../../shared/live';
import type { Keys } from '../keys';
import { LiveTail } from '../live-tail';
import type { Logger } from '../log';
import type { TimeSeriesStore } from '../tsdb';
import { kioskLookup, WallScreens } from './wall-screens';
import { LiveAdmission, type AdmissionLimits } from './live/admission';
import { AlertsFeed } from './live/alerts-feed';
import { LiveBoards } from './live/boards';
import { liveMetrics, type LiveMetrics } from './live/metrics';
import { RulesFeed } from './live/rules-feed';
import { LiveScreens } from './live/screens';
import { SloFeed } from './live/slo-feed';
import { boardRoom, LiveSend, type LiveServer, type LiveSocket } from './live/socket';
import { HubStatus } from './live/status';

export { goneAfter } from './board-feed';
export { FLOOD_DROPS } from './live/admission';
export { ALERTS_REFRESH_MS } from './live/alerts-feed';
export { RULES_REFRESH_MS } from './live/rules-feed';
export { SLO_REFRESH_MS } from './live/slo-feed';
export { REDIS_ANSWER_MS, REDIS_PING_MS } from './live/status';

/** The hub's options; who may connect and how much (access, limits, the revocations connection): AdmissionLimits. */
export interface LiveHubOptions extends AdmissionLimits {
	/** Shared client for ordinary reads. */
	redis: Redis;
	/** A connection of its own for the blocking tail read; the hub closes it. */
	tailRedis: Redis;
	keys: Keys;
	store: TimeSeriesStore;
	/**
	 * Which series the screens show, as tiles: each tile a title, a selector and a unit; a series
	 * goes to the first tile that selects it.
	 * @defaultValue every series (up to 60)
	 */
	tiles?: ReadonlyArray<{ title: string; selector: string; unit?: string }>;
	/** Boards of tiles (the config's `wall.boards`); one named `default` replaces `tiles`. */
	boards?: readonly BoardDef[];
	/** The time zone of SLO tiles' periods (the config's `reports.timeZone`). @defaultValue UTC */
	sloTimeZone?: string;
	/** A screen silent this long is reported down (`wall_screen_up` 0). @defaultValue 2 min */
	screenDownAfterMs?: number;
	/** How often screens are reported (`wall_screen_up`). @defaultValue 15 s */
	screenReportMs?: number;
	log: Logger;
	registry?: Registry;
}

export class LiveHub {
	private io: LiveServer | undefined;
	private readonly log: Logger;
	private readonly metrics: LiveMetrics | undefined;
	private readonly send: LiveSend;
	private readonly tail: LiveTail;
	private readonly status: HubStatus;
	private readonly boards: LiveBoards;
	private readonly alerts: AlertsFeed;
	private readonly slos: SloFeed;
	private readonly screens: LiveScreens;
	private readonly rules: RulesFeed;
	private readonly admission: LiveAdmission;

	constructor(private readonly options: LiveHubOptions) {
		const log = (this.log = options.log.child({ role: 'web' }));
		this.metrics = liveMetrics(options.registry, () => this.io?.engine.clientsCount ?? 0);
		this.send = new LiveSend(this.metrics?.sent);
		const redisUp = () => this.status.redisUp();
		this.status = new HubStatus(options.redis, options.keys, log, {
			changed: () => this.boards.sendStatus(),
			reconnected: () => void this.boards.reload().catch(() => {}),
			heartbeat: () => this.boards.prune()
		});
		this.boards = new LiveBoards({ ...options, log, send: this.send, status: () => this.status.line() });
		const boards = [...this.boards.all()];
		const feeds = { send: this.send, redisUp, log };
		this.alerts = new AlertsFeed(options.redis, options.keys, boards.filter((b) => b.wantsAlerts), feeds);
		this.slos = new SloFeed(options.store, boards.filter((b) => b.slos), feeds);
		const wallScreens = new WallScreens(options.redis, options.keys, options.store, options.screenDownAfterMs, kioskLookup(options.redis, options.keys));
		this.screens = new LiveScreens(wallScreens, redisUp, log, options.screenReportMs);
		this.rules = new RulesFeed(options.redis, options.keys, this.send, redisUp, log, this.metrics?.rulesReads);
		this.admission = new LiveAdmission({
			...options,
			revocations: options.keys.revocations,
			log,
			refused: this.metrics?.refused,
			dropped: this.metrics?.dropped,
			onKioskRevoked: (kioskId) => this.screens.forgetKiosk(kioskId)
		});
		this.tail = new LiveTail({
			redis: options.tailRedis,
			key: options.keys.live,
			log,
			onBatch: (points) => this.boards.onPoints(points.map(([id, ts, value]) => ({ id, ts, value: Number.isFinite(value) ? value : null })))
		});
	}

	/** Loads the current values, starts the tail and the feeds, and serves socket.io on the given HTTP server. */
	async attach(httpServer: HttpServer): Promise<void> {
		await this.boards.reload();
		await this.tail.start();
		this.status.start();
		this.screens.start();
		this.alerts.start();
		this.slos.start();
		const io: LiveServer = new Server(httpServer, {
			path: LIVE_PATH,
			serveClient: false,
			// Same origin only: the wall is served by this server.
			cors: undefined,
			pingInterval: 10_000,
			pingTimeout: 10_000,
			maxHttpBufferSize: 64 * 1024
		});
		this.admission.attach(io);
		io.on('connection', (socket) => this.onConnection(socket));
		this.io = io;
		this.send.io = io;
	}

	/** An admitted connection: its board's room, its snapshot, and its events (each past the rate limit). */
	private onConnection(socket: LiveSocket): void {
		const board = socket.data.grant.board;
		const invalid = (event: string) => void this.metrics?.invalid.inc({ event });
		void socket.join(boardRoom(board));
		socket.use((_packet, next) => {
			if (this.admission.admitEvent(socket)) next();
		});
		socket.emit('snapshot', this.snapshot(board));
		socket.on('snapshot:request', (msg) => {
			if (!snapshotRequest.safeParse(msg).success) return invalid('snapshot:request');
			socket.emit('snapshot', this.snapshot(board));
		});
		socket.on('heartbeat', (msg) => {
			const parsed = heartbeatMessage.safeParse(msg);
			if (!parsed.success) return invalid('heartbeat');
			this.screens.beat(socket, board, parsed.data);
		});
		socket.on('rules:subscribe', (msg) => {
			if (!rulesSubscribe.safeParse(msg).success || !this.rules.subscribe(socket, boardRoom(board))) invalid('rules:subscribe');
		});
		socket.on('disconnect', () => this.rules.left());
	}

	/** Connections in the room `rules` of this process. */
	rulesSubscribers(): number {
		return this.rules.subscribers();
	}

	/** Whether the rules overview is being read on its interval (someone subscribes). */
	get rulesFeedRunning(): boolean {
		return this.rules.running;
	}

	/** A board's snapshot, from memory. */
	snapshot(name = DEFAULT_BOARD): SnapshotMessage {
		return this.boards.snapshot(name);
	}

	async close(): Promise<void> {
		this.status.stop();
		this.alerts.stop();
		this.slos.stop();
		this.rules.stop();
		this.screens.stop();
		this.admission.stop();
		await new Promise<void>((resolve) => (this.io ? this.io.close(() => resolve()) : resolve()));
		await this.tail.stop();
	}
}
