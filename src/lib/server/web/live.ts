/**
 * The web role's live hub: one live-tail reader per process fans new points out to every connected
 * screen over socket.io. Screens never cause Redis reads of their own: snapshots come from the
 * hub's memory, which the tail keeps current.
 *
 * Every connection is admitted by a session or a kiosk token from this server's origin
 * (live-access.ts) and joins the room of its board; broadcasts go to the board's room. Each
 * connection's events pass a token bucket (beyond it they are dropped and counted; a connection
 * that keeps flooding is closed), and its credential is checked again on events and every
 * `recheckMs`: a revoked kiosk token or an ended session loses its screen. Revocations announced on
 * their channel (`keys.revocations`) make the matching connections check again at once. One client address (by
 * the rule of the HTTP side: client-address.ts) may hold `connectionsPerIp` transport connections at
 * a time, counted from engine.io's opening on (live-transport.ts).
 *
 * The /rules list subscribes too (`rules:subscribe`, session connections only): while at least one
 * connection is in the room `rules`, the hub reads the rules overview once every RULES_REFRESH_MS
 * (one read per process, never per connection) and sends `rules:rows` to the room when a row changed.
 */
import type { Server as HttpServer } from 'node:http';
import { Counter, Gauge, type Registry } from 'prom-client';
import { DEFAULT_BOARD, type BoardDef } from '../../shared/boards';
import { Server, type Socket } from 'socket.io';
import type { Redis } from 'ioredis';
import {
	fitLists,
	heartbeatMessage,
	LIVE_PATH,
	rulesSubscribe,
	snapshotRequest,
	type ClientToServerEvents,
	type LiveRefusal,
	type AlertRow,
	type LiveStatus,
	type Point,
	type RuleRowsMessage,
	type ServerToClientEvents,
	type SnapshotMessage
} from '../../shared/live';
import type { Keys } from '../keys';
import { LiveTail } from '../live-tail';
import type { Logger } from '../log';
import { countRoles, listNodes, HEARTBEAT_MS, type Role } from '../nodes';
import type { SeriesInfo, TimeSeriesStore } from '../tsdb';
import { BoardFeed, DEFAULT_INTERVAL_MS, goneAfter } from './board-feed';
import { readBoardAlerts, summariseAlerts } from './board-alerts';
import { RuleWatch, tileRules } from './board-rules';
import { kioskLookup, WallScreens, type ScreenOwner } from './wall-screens';
import { parseRevocation, can } from '../auth';
import { clientAddress, PEER_ADDRESS, type AddressRule } from './client-address';
import { AddressSlots, LIVE_CONNECTIONS_PER_IP, limitRefusal, REFUSALS, revokes, type LiveAccess, type LiveGrant } from './live-access';
import { TokenBucket } from './token-bucket';
import { TransportSlots, type TransportConnection } from './live-transport';
import { readRuleOverview } from '../views';

export { goneAfter } from './board-feed';

/** How often the active alerts and their incidents are read (once per process, for every board). */
export const ALERTS_REFRESH_MS = 2_000;

/**
 * Redis is judged by its answers, not by the connection's state (a hung server keeps its TCP
 * connection "ready"): a PING every REDIS_PING_MS, and Redis is down when one has had no answer
 * for REDIS_ANSWER_MS (readiness, /readyz, waits as long), up again at the next answer.
 */
export const REDIS_PING_MS = 1_000;
export const REDIS_ANSWER_MS = 1_000;

/** How often the SLO tiles' period budgets are brought up to date (a minute is the step). */
export const SLO_REFRESH_MS = 30_000;

/** How often the rules overview is read while someone subscribes (once per process). */
export const RULES_REFRESH_MS = 2_000;

/** The room of the connections that subscribed to the rules list. */
const RULES_ROOM = 'rules';

export interface LiveHubOptions {
	/** Shared client for ordinary reads. */
	redis: Redis;
	/** A connection of its own for the blocking tail read; the hub closes it. */
	tailRedis: Redis;
	keys: Keys;
	store: TimeSeriesStore;
	/**
	 * Which series the screens show, as tiles: each tile a title, a selector and a unit; a series
	 * goes to the first tile that selects it. Default: every series (up to 60).
	 */
	tiles?: ReadonlyArray<{ title: string; selector: string; unit?: string }>;
	/** Boards of tiles (the config's `wall.boards`); one named `default` replaces `tiles`. */
	boards?: readonly BoardDef[];
	/** The time zone of SLO tiles' periods (the config's `reports.timeZone`). Default UTC. */
	sloTimeZone?: string;
	/** A screen silent this long is reported down (`wall_screen_up` 0). Default 2 min. */
	screenDownAfterMs?: number;
	/** How often screens are reported (`wall_screen_up`). Default 15 s. */
	screenReportMs?: number;
	log: Logger;
	registry?: Registry;
	/** Who may connect; without it every connection is refused. */
	access?: LiveAccess;
	/** How often every connection's credential is checked again. Default 30 s. */
	recheckMs?: number;
	/** Events per second and burst of one connection. Default 20/s, burst 40. */
	rate?: { perSecond: number; burst: number };
	/** Most connections one client address may hold at once. Default 50. */
	connectionsPerIp?: number;
	/** How a handshake's client address is found (adapter-node's ADDRESS_HEADER, XFF_DEPTH). Default: the TCP peer. */
	addressRule?: AddressRule;
	/**
	 * A connection of its own to subscribe to the revocations channel, where revocations are announced
	 * (the caller closes it). Without it, revoked credentials are noticed by the periodic check only.
	 */
	control?: Redis;
}

interface SocketData {
	grant: LiveGrant;
	/** The client's address (behind a proxy: the one the proxy names). */
	address: string;
	bucket: TokenBucket;
	/** Events dropped in the current flood window, and when it began. */
	dropped: number;
	dropWindowAt: number;
	checkedAt: number;
	checking: boolean;
	/** A revocation arrived while a check was running: check once more after it. */
	again: boolean;
}

type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** A connection's credential is checked again on an event when its last check is this old. */
const RECHECK_ON_EVENT_MS = 5_000;
/** A connection with more dropped events than this within the window is closed. */
export const FLOOD_DROPS = 100;
const FLOOD_WINDOW_MS = 10_000;

function room(board: string): string {
	return `board:${board}`;
}

export class LiveHub {
	private io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData> | undefined;
	/** Every board's live state, by name. */
	private readonly boards = new Map<string, BoardFeed>();
	private recheckTimer: NodeJS.Timeout | undefined;
	private readonly dropped: Counter<'reason'> | undefined;
	private readonly refusedConnections: Counter<'reason'> | undefined;
	private readonly store: TimeSeriesStore;
	private readonly tail: LiveTail;
	private alertsTimer: NodeJS.Timeout | undefined;
	private sloTimer: NodeJS.Timeout | undefined;
	private screensTimer: NodeJS.Timeout | undefined;
	private readonly wallScreens: WallScreens;
	private alertsText = new Map<string, string>();
	private readingAlerts = false;
	private readonly ruleWatch: RuleWatch;
	/** Redis answers PINGs (see REDIS_ANSWER_MS); when the outstanding PING was sent, if any. */
	private redisAnswers = true;
	private pingSentAt: number | null = null;
	private pingTimer: NodeJS.Timeout | undefined;
	private roles: Record<Role, number> = { web: 0, collect: 0, alerts: 0 };
	private rolesTimer: NodeJS.Timeout | undefined;
	private readonly log: Logger;
	private readonly invalid: Counter<'event'> | undefined;
	private readonly sent: Counter<'type'> | undefined;
	private readonly rulesReads: Counter | undefined;
	private readonly pending = new Set<string>();
	private readonly slots: AddressSlots;
	/** The rules list's feed: its timer runs only while the room `rules` has members. */
	private rulesTimer: NodeJS.Timeout | undefined;
	private rules: RuleRowsMessage | undefined;
	private rulesText = '';
	private readingRules = false;
	private rulesFailing = false;

	constructor(private readonly options: LiveHubOptions) {
		this.log = options.log.child({ role: 'web' });
		this.store = options.store;
		this.slots = new AddressSlots(options.connectionsPerIp ?? LIVE_CONNECTIONS_PER_IP);
		this.wallScreens = new WallScreens(options.redis, options.keys, options.store, options.screenDownAfterMs, kioskLookup(options.redis, options.keys));
		this.ruleWatch = new RuleWatch(options.redis, options.keys);
		const defs = options.boards ?? [];
		if (!defs.some((b) => b.name === DEFAULT_BOARD)) this.boards.set(DEFAULT_BOARD, new BoardFeed(DEFAULT_BOARD, null, options.tiles ?? []));
		for (const def of defs) this.boards.set(def.name, new BoardFeed(def.name, def, [], options.sloTimeZone ?? 'UTC'));
		this.tail = new LiveTail({
			redis: options.tailRedis,
			key: options.keys.live,
			log: this.log,
			onBatch: (points) => this.onPoints(points.map(([id, ts, value]) => ({ id, ts, value: Number.isFinite(value) ? value : null })))
		});
		if (options.registry) {
			const registers = [options.registry];
			const hub = this;
			new Gauge({
				name: 'vigil_live_clients',
				help: 'Screens and browsers connected to the live feed of this process.',
				registers,
				collect() {
					this.set(hub.io?.engine.clientsCount ?? 0);
				}
			});
			this.rulesReads = new Counter({
				name: 'vigil_live_rules_reads_total',
				help: 'Reads of the rules overview for the live rules list (one per interval while someone subscribes, whatever their number).',
				registers
			});
			this.sent = new Counter({ name: 'vigil_live_messages_total', help: 'Live messages broadcast, by type.', labelNames: ['type'], registers });
			this.invalid = new Counter({
				name: 'vigil_live_invalid_messages_total',
				help: 'Messages from screens refused by schema validation, by event.',
				labelNames: ['event'],
				registers
			});
			this.dropped = new Counter({
				name: 'vigil_live_dropped_messages_total',
				help: 'Messages from screens dropped over the per-connection rate limit.',
				labelNames: ['reason'],
				registers
			});
			this.refusedConnections = new Counter({
				name: 'vigil_live_refused_total',
				help: 'Live-feed connections refused or closed by the server, by reason (unauthenticated, kiosk, session, board, origin, unavailable, flood, limit).',
				labelNames: ['reason'],
				registers
			});
		}
	}

	/** Loads the current values, starts the tail, and serves socket.io on the given HTTP server. */
	async attach(httpServer: HttpServer): Promise<void> {
		await this.reload();
		await this.tail.start();
		this.options.redis.on('ready', this.onRedisUp);
		this.options.redis.on('close', this.onRedisDown);
		this.pingTimer = setInterval(() => this.pingRedis(), REDIS_PING_MS);
		this.pingTimer.unref();
		this.refreshRoles();
		this.rolesTimer = setInterval(() => {
			this.refreshRoles();
			this.prune();
		}, HEARTBEAT_MS);
		this.rolesTimer.unref();
		this.screensTimer = setInterval(() => {
			if (!this.redisUp()) return;
			this.wallScreens.report().catch((err: Error) => this.log.debug({ err: err.message }, 'could not report the wall screens'));
		}, this.options.screenReportMs ?? 15_000);
		this.screensTimer.unref();
		if ([...this.boards.values()].some((b) => b.wantsAlerts)) {
			this.refreshAlerts();
			this.alertsTimer = setInterval(() => this.refreshAlerts(), ALERTS_REFRESH_MS);
			this.alertsTimer.unref();
		}

		if ([...this.boards.values()].some((b) => b.slos)) {
			this.refreshSlos();
			this.sloTimer = setInterval(() => this.refreshSlos(), SLO_REFRESH_MS);
			this.sloTimer.unref();
		}

		const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(httpServer, {
			path: LIVE_PATH,
			serveClient: false,
			// Same origin only: the wall is served by this server.
			cors: undefined,
			pingInterval: 10_000,
			pingTimeout: 10_000,
			maxHttpBufferSize: 64 * 1024
		});
		// The per-address cap counts transport (engine.io) connections, from their opening on: a raw
		// engine.io client that never makes a socket.io handshake holds a slot too (live-transport.ts).
		const addressRule = this.options.addressRule ?? PEER_ADDRESS;
		const transports = new TransportSlots(
			this.slots,
			(headers, peer) => clientAddress(addressRule, headers, peer),
			() => limitRefusal(this.slots.max),
			(address) => {
				this.refusedConnections?.inc({ reason: 'limit' });
				this.log.debug({ address, limit: this.slots.max }, 'refused a live connection over the per-address limit');
			}
		);
		io.engine.on('connection', (conn: TransportConnection) => transports.open(conn));
		io.use((socket, next) => {
			const address = clientAddress(addressRule, socket.handshake.headers, socket.handshake.address);
			// The transport's slot is held from its opening (checks in flight count) until it closes; a
			// refused handshake closes its transport.
			const release = transports.join(socket.conn);
			const refuse = (refusal: LiveRefusal) => {
				release?.();
				this.refusedConnections?.inc({ reason: refusal.reason });
				const err = new Error(refusal.message) as Error & { data?: LiveRefusal };
				err.data = refusal;
				next(err);
				transports.close(socket.conn);
			};
			if (!release) return refuse(limitRefusal(this.slots.max));
			socket.once('disconnect', release);
			if (!this.options.access) return refuse(REFUSALS.unauthenticated);
			this.options.access
				.admit({ headers: socket.handshake.headers, auth: socket.handshake.auth, address })
				.then((r) => {
					if (!r.ok) return refuse(r.refusal);
					const now = Date.now();
					const rate = this.options.rate ?? { perSecond: 20, burst: 40 };
					socket.data = { grant: r.grant, address, bucket: new TokenBucket(rate.perSecond, rate.burst, now), dropped: 0, dropWindowAt: now, checkedAt: now, checking: false, again: false };
					next();
				})
				.catch(() => refuse(REFUSALS.unavailable));
		});
		io.on('connection', (socket) => this.onConnection(socket));
		this.io = io;
		this.recheckTimer = setInterval(() => {
			for (const socket of io.sockets.sockets.values()) this.recheck(socket);
		}, this.options.recheckMs ?? 30_000);
		this.recheckTimer.unref();
		const control = this.options.control;
		if (control) {
			control.on('message', this.onControl);
			control.on('ready', this.subscribeControl);
			if (control.status === 'ready') this.subscribeControl();
		}
	}

	private readonly subscribeControl = () => {
		this.options.control?.subscribe(this.options.keys.revocations).catch((err: Error) => this.log.warn({ err: err.message }, 'could not subscribe to revocations; checking every connection periodically only'));
	};

	/** A revocation announced on its channel: the connections it may concern are checked again now. */
	private readonly onControl = (channel: string, text: string) => {
		if (channel !== this.options.keys.revocations || !this.io) return;
		const msg = parseRevocation(text);
		if (!msg) return;
		// A revoked link's screen is forgotten now, not reported down for a day.
		if ('kiosk' in msg) this.wallScreens.forgetKiosk(msg.kiosk).catch((err: Error) => this.log.debug({ err: err.message }, 'could not forget a revoked screen'));
		for (const socket of this.io.sockets.sockets.values()) if (socket.data.grant && revokes(socket.data.grant, msg)) this.recheck(socket, true);
	};

	/** Closes a connection, telling the screen why. */
	private deny(socket: LiveSocket, refusal: LiveRefusal): void {
		if (!socket.connected) return;
		this.refusedConnections?.inc({ reason: refusal.reason });
		socket.emit('denied', refusal);
		socket.disconnect(true);
	}

	/**
	 * Checks a connection's credential again (one check at a time per connection). `urgent` (a
	 * revocation was announced): a check already running may have read before it, so one more
	 * follows.
	 */
	private recheck(socket: LiveSocket, urgent = false): void {
		const d = socket.data;
		if (!this.options.access) return;
		if (d.checking) {
			if (urgent) d.again = true;
			return;
		}
		d.checking = true;
		this.options.access
			.recheck(d.grant, d.address)
			.then((refusal) => {
				d.checkedAt = Date.now();
				if (refusal) this.deny(socket, refusal);
			})
			.catch(() => {})
			.finally(() => {
				d.checking = false;
				if (d.again && socket.connected) {
					d.again = false;
					this.recheck(socket);
				}
			});
	}

	/** Every incoming event: the rate limit, then (now and then) the credential. */
	private admitEvent(socket: LiveSocket): boolean {
		const d = socket.data;
		const now = Date.now();
		if (now - d.checkedAt >= RECHECK_ON_EVENT_MS) this.recheck(socket);
		if (d.bucket.take(now)) return true;
		this.dropped?.inc({ reason: 'rate_limit' });
		if (now - d.dropWindowAt > FLOOD_WINDOW_MS) {
			d.dropWindowAt = now;
			d.dropped = 0;
		}
		if (++d.dropped > FLOOD_DROPS) {
			this.log.warn({ address: d.address, grant: d.grant.kind === 'kiosk' ? `kiosk:${d.grant.kioskId}` : `user:${d.grant.user}` }, 'closed a live connection that kept flooding');
			this.deny(socket, REFUSALS.flood);
		}
		return false;
	}

	private onConnection(socket: LiveSocket): void {
		const board = socket.data.grant.board;
		void socket.join(room(board));
		socket.use((_packet, next) => {
			if (this.admitEvent(socket)) next();
		});
		socket.emit('snapshot', this.snapshot(board));
		socket.on('snapshot:request', (msg) => {
			if (!snapshotRequest.safeParse(msg).success) return void this.invalid?.inc({ event: 'snapshot:request' });
			socket.emit('snapshot', this.snapshot(board));
		});
		socket.on('heartbeat', (msg) => {
			const parsed = heartbeatMessage.safeParse(msg);
			if (!parsed.success) return void this.invalid?.inc({ event: 'heartbeat' });
			// The server decides which connection is a watched screen, from its credential: a kiosk
			// link is one screen; a session only when its page says it is one (?screen=<name>). What
			// the client calls itself is not trusted.
			const { viewport, renderMs, watch } = parsed.data;
			const grant = socket.data.grant;
			const owner: ScreenOwner = grant.kind === 'kiosk' ? { kind: 'kiosk', kioskId: grant.kioskId, name: grant.kioskName } : { kind: 'session', user: grant.user, declared: watch };
			this.wallScreens.beat(owner, { at: Date.now(), board, ...(viewport ? { viewport } : {}), ...(renderMs !== undefined ? { renderMs } : {}) });
		});
		socket.on('rules:subscribe', (msg) => {
			if (!rulesSubscribe.safeParse(msg).success) return void this.invalid?.inc({ event: 'rules:subscribe' });
			const grant = socket.data.grant;
			// Kiosk links show a board, nothing else; a session's role must read rules.
			if (grant.kind !== 'session' || !can(grant.role, 'rules:read')) return void this.invalid?.inc({ event: 'rules:subscribe' });
			if (socket.rooms.has(RULES_ROOM)) return;
			void socket.leave(room(board));
			void socket.join(RULES_ROOM);
			if (this.rulesTimer && this.rules) socket.emit('rules:rows', this.rules);
			else this.startRules();
		});
		socket.on('disconnect', () => {
			if (this.rulesTimer && this.rulesSubscribers() === 0) this.stopRules();
		});
	}

	/** Connections in the room `rules` of this process. */
	rulesSubscribers(): number {
		return this.io?.sockets.adapter.rooms.get(RULES_ROOM)?.size ?? 0;
	}

	/** Whether the rules overview is being read on its interval (someone subscribes). */
	get rulesFeedRunning(): boolean {
		return this.rulesTimer !== undefined;
	}

	private startRules(): void {
		if (!this.rulesTimer) {
			this.rulesTimer = setInterval(() => {
				if (this.rulesSubscribers() === 0) this.stopRules();
				else this.refreshRules();
			}, RULES_REFRESH_MS);
			this.rulesTimer.unref();
		}
		this.refreshRules();
	}

	private stopRules(): void {
		clearInterval(this.rulesTimer);
		this.rulesTimer = undefined;
		// What was read is stale by the next subscription: that one reads again and sends.
		this.rules = undefined;
		this.rulesText = '';
	}

	/** Reads the rules overview (one read for every subscriber); the room gets it when a row changed. */
	private refreshRules(): void {
		if (this.readingRules || !this.redisUp()) return;
		this.readingRules = true;
		this.rulesReads?.inc();
		const started = this.rulesTimer;
		readRuleOverview(this.options.redis, this.options.keys, { onBad: (what, id, problem) => this.log.debug({ what, id, problem }, 'left out of the rules overview: it does not parse') })
			.then((msg) => {
				if (this.rulesFailing) this.log.info('the rules overview can be read again');
				this.rulesFailing = false;
				// Stopped (or restarted) meanwhile: this read belongs to nobody.
				if (!this.io || !started || this.rulesTimer !== started) return;
				const text = JSON.stringify(msg);
				if (text === this.rulesText) return;
				this.rulesText = text;
				this.rules = msg;
				this.io.to(RULES_ROOM).emit('rules:rows', msg);
				this.sent?.inc({ type: 'rules:rows' });
			})
			.catch((err: Error) => {
				// Subscribers keep the last rows they got; the next tick tries again.
				if (!this.rulesFailing) this.log.warn({ err: err.message }, 'could not read the rules overview; the rules list keeps its last rows');
				else this.log.debug({ err: err.message }, 'could not read the rules overview');
				this.rulesFailing = true;
			})
			.finally(() => (this.readingRules = false));
	}

	/** Connected, and answering (see REDIS_ANSWER_MS). */
	private redisUp(): boolean {
		return this.options.redis.status === 'ready' && this.redisAnswers;
	}

	/**
	 * One PING at a time: an outstanding one older than REDIS_ANSWER_MS makes Redis down (screens
	 * are told at once); its answer, however late, makes it up again.
	 */
	private pingRedis(): void {
		const redis = this.options.redis;
		if (this.pingSentAt !== null) {
			if (Date.now() - this.pingSentAt >= REDIS_ANSWER_MS) this.judgeRedis(false);
			return;
		}
		if (redis.status !== 'ready') return;
		this.pingSentAt = Date.now();
		redis
			.ping()
			.then(() => this.judgeRedis(true))
			.catch(() => this.judgeRedis(false))
			.finally(() => (this.pingSentAt = null));
	}

	private judgeRedis(answers: boolean): void {
		if (answers === this.redisAnswers) return;
		this.redisAnswers = answers;
		this.log.warn(answers ? 'Redis answers again' : `Redis does not answer (no PING answer within ${REDIS_ANSWER_MS} ms): screens show it down`);
		if (answers) {
			this.lastBroadcastRedis = 'up';
			this.broadcastStatus();
			this.refreshRoles();
		} else {
			this.lastBroadcastRedis = 'down';
			this.broadcastStatus();
		}
	}

	private status(board: BoardFeed): LiveStatus {
		return { seq: board.seq, serverTime: Date.now(), redis: this.redisUp() ? 'up' : 'down', roles: this.roles };
	}

	/** A board's snapshot, from memory. */
	snapshot(name = DEFAULT_BOARD): SnapshotMessage {
		const board = this.boards.get(name) ?? this.boards.get(DEFAULT_BOARD)!;
		const { seq: _seq, ...status } = this.status(board);
		return board.snapshot(status);
	}

	private broadcastStatus(): void {
		if (!this.io) return;
		for (const board of this.boards.values()) {
			board.seq++;
			this.io.to(room(board.name)).emit('status', this.status(board));
			this.sent?.inc({ type: 'status' });
		}
	}

	/** Sends a board's screens a new snapshot (its shape changed), as the next number of its sequence. */
	private broadcastSnapshot(board: BoardFeed): void {
		if (!this.io) return;
		board.seq++;
		this.io.to(room(board.name)).emit('snapshot', this.snapshot(board.name));
		this.sent?.inc({ type: 'snapshot' });
	}

	/**
	 * Reads the active alerts with their silences and maintenance, the maintenance of the status
	 * tiles' series and (when the rule set changed) the rules that watch the tiles: one read for
	 * every board; each board that shows them gets its changes.
	 */
	private refreshAlerts(): void {
		if (this.readingAlerts || !this.redisUp()) return;
		this.readingAlerts = true;
		const boards = [...this.boards.values()].filter((b) => b.wantsAlerts);
		const series = new Map<string, { id: string; labels: Record<string, string> }>();
		for (const b of boards) for (const s of b.statusSeries()) series.set(s.id, s);
		const rulesRead = this.ruleWatch.refresh().catch((err: Error) => {
			this.log.debug({ err: err.message }, 'could not read the rule set for the wall: tiles keep the rules they had');
			return false;
		});
		Promise.all([readBoardAlerts(this.options.redis, this.options.keys, Date.now(), [...series.values()]), rulesRead])
			.then(([read, rulesChanged]) => {
				// Thousands of alerts on the worst day: the rows a tile can use, and the counts of all.
				const { rows, summary } = summariseAlerts(read.rows);
				for (const board of boards) {
					const maintenance = board.statusSeries().flatMap((s) => {
						const w = read.maintenance.get(s.id);
						return w ? [{ series: s.id, ...w }] : [];
					});
					if (rulesChanged && board.def) board.rules = tileRules(board.def, this.ruleWatch.rules);
					const msg = fitLists({ alerts: rows, alertSummary: summary, maintenance, rules: board.rules });
					const text = JSON.stringify(msg);
					if (text === this.alertsText.get(board.name)) continue;
					this.alertsText.set(board.name, text);
					board.alerts = msg.alerts;
					board.alertSummary = summary;
					board.maintenance = maintenance;
					if (!this.io) continue;
					board.seq++;
					this.io.to(room(board.name)).emit('alerts', { seq: board.seq, serverTime: Date.now(), ...msg });
					this.sent?.inc({ type: 'alerts' });
				}
			})
			.catch((err: Error) => this.log.debug({ err: err.message }, 'could not read the active alerts for the wall'))
			.finally(() => (this.readingAlerts = false));
	}

	/** Judges the minutes closed since the last time, per board with SLO tiles; screens get the changes. */
	private refreshSlos(): void {
		if (!this.redisUp()) return;
		const now = Date.now();
		for (const board of this.boards.values()) {
			const slos = board.slos;
			if (!slos) continue;
			slos
				.refresh(this.store, now)
				.then((changed) => {
					if (!changed || !this.io) return;
					board.seq++;
					this.io.to(room(board.name)).emit('slo', { seq: board.seq, serverTime: Date.now(), slos: slos.entries() });
					this.sent?.inc({ type: 'slo' });
				})
				.catch((err: Error) => this.log.debug({ board: board.name, err: err.message }, 'could not judge the SLO periods for the wall'));
		}
	}

	private readonly onRedisUp = () => {
		// Connected again: ioredis has had its answer to the handshake.
		this.redisAnswers = true;
		this.broadcastStatus();
		this.reload().catch(() => {});
		this.refreshRoles();
	};

	private readonly onRedisDown = () => {
		if (this.lastBroadcastRedis === 'down') return;
		this.lastBroadcastRedis = 'down';
		this.broadcastStatus();
	};
	private lastBroadcastRedis: 'up' | 'down' = 'up';

	/** Drops series gone quiet for good (see goneAfter); screens get a new snapshot. */
	private prune(now = Date.now()): void {
		for (const board of this.boards.values()) if (board.prune(now)) this.broadcastSnapshot(board);
	}

	private async reload(): Promise<void> {
		this.lastBroadcastRedis = 'up';
		const now = Date.now();
		for (const board of this.boards.values()) {
			try {
				let count = 0;
				for (const matchers of board.selectors) {
					for (const r of await this.store.latest(matchers)) {
						if (now - r.ts >= goneAfter(r.intervalMs ?? DEFAULT_INTERVAL_MS)) continue;
						count++;
						board.add(r.labels, r.value, r.ts, r.intervalMs);
					}
				}
				if (count > board.maxSeries) this.log.warn({ board: board.name, series: count, shown: board.size }, 'more series than the board shows');
				await board.loadHistory(this.store, now);
			} catch (err) {
				this.log.warn({ board: board.name, err: (err as Error).message }, 'could not load current values; the tail will fill them in');
			}
		}
	}

	private onPoints(points: Point[]): void {
		const unknown = new Map<string, Point>();
		for (const board of this.boards.values()) {
			const r = board.apply(points);
			for (const p of r.unknown) unknown.set(p.id, p);
			if (r.fresh.length === 0 || !this.io) continue;
			board.seq++;
			this.io.to(room(board.name)).emit('points', { seq: board.seq, serverTime: Date.now(), points: r.fresh });
			this.sent?.inc({ type: 'points' });
		}
		for (const p of unknown.values()) this.learn(p);
	}

	/** A series some board has not seen: fetch its labels and interval; boards that select it show it. */
	private learn(p: Point): void {
		const id = p.id;
		if (this.pending.has(id)) return;
		this.pending.add(id);
		this.store
			.seriesById([id])
			.then(([info]: SeriesInfo[]) => {
				for (const board of this.boards.values()) {
					if (board.has(id)) continue;
					if (!info || !board.selects(info.labels)) board.ignore(id);
					// A new series changes the board's shape: its screens take a new snapshot.
					else if (board.add(info.labels, p.value, p.ts, info.intervalMs)) this.broadcastSnapshot(board);
				}
			})
			.catch(() => {})
			.finally(() => this.pending.delete(id));
	}

	private refreshRoles(): void {
		if (!this.redisUp()) return;
		listNodes(this.options.redis, this.options.keys)
			.then((nodes) => {
				const roles = countRoles(nodes);
				if (JSON.stringify(roles) !== JSON.stringify(this.roles)) {
					this.roles = roles;
					this.broadcastStatus();
				}
			})
			.catch(() => {});
	}

	async close(): Promise<void> {
		clearInterval(this.rolesTimer);
		clearInterval(this.alertsTimer);
		clearInterval(this.pingTimer);
		clearInterval(this.sloTimer);
		this.stopRules();
		clearInterval(this.screensTimer);
		clearInterval(this.recheckTimer);
		this.options.control?.off('message', this.onControl);
		this.options.control?.off('ready', this.subscribeControl);
		this.options.redis.off('ready', this.onRedisUp);
		this.options.redis.off('close', this.onRedisDown);
		await new Promise<void>((resolve) => (this.io ? this.io.close(() => resolve()) : resolve()));
		await this.tail.stop();
	}
}
