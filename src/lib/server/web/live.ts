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
 * the rule of the HTTP side: client-address.ts) may hold `connectionsPerIp` connections at a time.
 */
import type { Server as HttpServer } from 'node:http';
import { Counter, Gauge, type Registry } from 'prom-client';
import { DEFAULT_BOARD } from '../../shared/boards';
import { Server, type Socket } from 'socket.io';
import type { Redis } from 'ioredis';
import {
	heartbeatMessage,
	LIVE_PATH,
	snapshotRequest,
	type ClientToServerEvents,
	type LiveRefusal,
	type LiveStatus,
	type Point,
	type SeriesState,
	type ServerToClientEvents,
	type SnapshotMessage
} from '../../shared/live';
import type { Keys } from '../keys';
import { LiveTail } from '../live-tail';
import type { Logger } from '../log';
import { countRoles, listNodes, HEARTBEAT_MS, type Role } from '../nodes';
import { matchesAll, parseSelector, type Matcher } from '../tsdb/matchers';
import type { LatestResult, SeriesInfo, TimeSeriesStore } from '../tsdb/types';
import { sidOf } from '../tsdb/series-id';
import { parseRevocation } from '../auth/revocation';
import { clientAddress, PEER_ADDRESS, type AddressRule } from './client-address';
import { AddressSlots, LIVE_CONNECTIONS_PER_IP, limitRefusal, REFUSALS, revokes, type LiveAccess, type LiveGrant } from './live-access';
import { TokenBucket } from './token-bucket';

/** Assumed sampling interval of a series that does not say. */
const DEFAULT_INTERVAL_MS = 15_000;
/** Most series one screen shows until boards choose them. */
const MAX_SERIES = 60;

/**
 * A series with no sample for this long leaves the wall, as it leaves Prometheus' instant
 * queries after the lookback: 5 minutes, or 10 of its intervals if that is longer. Until then it
 * shows as stale.
 */
export function goneAfter(intervalMs: number): number {
	return Math.max(5 * 60_000, 10 * intervalMs);
}

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

/** Most screens remembered from heartbeats, and for how long after their last one. */
export const MAX_SCREENS = 10_000;
const SCREEN_MEMORY_MS = 10 * 60_000;

export class LiveHub {
	private io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData> | undefined;
	/** The board this hub serves (boards of their own come later). */
	private readonly board = DEFAULT_BOARD;
	private recheckTimer: NodeJS.Timeout | undefined;
	private readonly dropped: Counter<'reason'> | undefined;
	private readonly refusedConnections: Counter<'reason'> | undefined;
	private readonly series = new Map<string, SeriesState>();
	private readonly store: TimeSeriesStore;
	private readonly tiles: Array<{ title?: string; unit?: string; matchers: Matcher[] }>;
	private readonly tail: LiveTail;
	private seq = 0;
	private roles: Record<Role, number> = { web: 0, collect: 0, alerts: 0 };
	private rolesTimer: NodeJS.Timeout | undefined;
	private readonly log: Logger;
	private readonly invalid: Counter<'event'> | undefined;
	private readonly sent: Counter<'type'> | undefined;
	private readonly screens = new Map<string, number>();
	private readonly pending = new Set<string>();
	/** Series on the tail that the selector leaves out. */
	private readonly ignored = new Set<string>();
	private readonly slots: AddressSlots;

	constructor(private readonly options: LiveHubOptions) {
		this.log = options.log.child({ role: 'web' });
		this.store = options.store;
		this.slots = new AddressSlots(options.connectionsPerIp ?? LIVE_CONNECTIONS_PER_IP);
		this.tiles = options.tiles?.length
			? options.tiles.map((t) => ({ title: t.title, unit: t.unit, matchers: parseSelector(t.selector) }))
			: [{ matchers: parseSelector('{__name__=~".+"}') }];
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
		this.refreshRoles();
		this.rolesTimer = setInterval(() => {
			this.refreshRoles();
			this.prune();
		}, HEARTBEAT_MS);
		this.rolesTimer.unref();

		const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(httpServer, {
			path: LIVE_PATH,
			serveClient: false,
			// Same origin only: the wall is served by this server.
			cors: undefined,
			pingInterval: 10_000,
			pingTimeout: 10_000,
			maxHttpBufferSize: 64 * 1024
		});
		io.use((socket, next) => {
			const address = clientAddress(this.options.addressRule ?? PEER_ADDRESS, socket.handshake.headers, socket.handshake.address);
			// A slot is held from the handshake on (checks in flight count), until the socket or its
			// transport closes, whichever comes first.
			const release = this.slots.take(address);
			const refuse = (refusal: LiveRefusal) => {
				release?.();
				this.refusedConnections?.inc({ reason: refusal.reason });
				const err = new Error(refusal.message) as Error & { data?: LiveRefusal };
				err.data = refusal;
				next(err);
			};
			if (!release) {
				this.log.debug({ address, limit: this.slots.max }, 'refused a live connection over the per-address limit');
				return refuse(limitRefusal(this.slots.max));
			}
			socket.conn.once('close', release);
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
		void socket.join(room(socket.data.grant.board));
		socket.use((_packet, next) => {
			if (this.admitEvent(socket)) next();
		});
		socket.emit('snapshot', this.snapshot());
		socket.on('snapshot:request', (msg) => {
			if (!snapshotRequest.safeParse(msg).success) return void this.invalid?.inc({ event: 'snapshot:request' });
			socket.emit('snapshot', this.snapshot());
		});
		socket.on('heartbeat', (msg) => {
			const parsed = heartbeatMessage.safeParse(msg);
			if (!parsed.success) return void this.invalid?.inc({ event: 'heartbeat' });
			// Screen ids come from the screens: keep a bounded number (the oldest is dropped).
			if (!this.screens.has(parsed.data.screen) && this.screens.size >= MAX_SCREENS) {
				const oldest = this.screens.keys().next().value;
				if (oldest !== undefined) this.screens.delete(oldest);
			}
			this.screens.delete(parsed.data.screen);
			this.screens.set(parsed.data.screen, Date.now());
		});
	}

	private redisUp(): boolean {
		return this.options.redis.status === 'ready';
	}

	private status(): LiveStatus {
		return { seq: this.seq, serverTime: Date.now(), redis: this.redisUp() ? 'up' : 'down', roles: this.roles };
	}

	snapshot(): SnapshotMessage {
		// In tile order, then by labels, so screens lay out the same way every time.
		const order = (s: SeriesState) => this.tileOf({ __name__: s.name, ...s.labels });
		const key = (s: SeriesState) => JSON.stringify(Object.entries(s.labels).sort());
		const series = [...this.series.values()].sort((a, b) => order(a) - order(b) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
		return { ...this.status(), series };
	}

	private broadcastStatus(): void {
		if (!this.io) return;
		this.seq++;
		this.io.to(room(this.board)).emit('status', this.status());
		this.sent?.inc({ type: 'status' });
	}

	private readonly onRedisUp = () => {
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

	/** The first tile that selects these labels, or -1. */
	private tileOf(labels: Record<string, string>): number {
		return this.tiles.findIndex((t) => matchesAll(labels, t.matchers));
	}

	private state(labels: Record<string, string>, value: number | null, ts: number | null, intervalMs?: number): SeriesState {
		const { __name__: name = '', ...rest } = labels;
		const tile = this.tiles[this.tileOf(labels)];
		const s: SeriesState = {
			id: sidOf(name, rest),
			name,
			labels: rest,
			value: value !== null && Number.isFinite(value) ? value : null,
			ts,
			intervalMs: intervalMs ?? DEFAULT_INTERVAL_MS
		};
		if (tile?.title !== undefined) s.title = tile.title;
		if (tile?.unit !== undefined) s.unit = tile.unit;
		return s;
	}

	/** Drops series gone quiet for good (see goneAfter); screens get a new snapshot. */
	private prune(now = Date.now()): void {
		for (const [id, at] of this.screens) if (now - at > SCREEN_MEMORY_MS) this.screens.delete(id);
		let dropped = false;
		for (const [id, s] of this.series) {
			if (s.ts !== null && now - s.ts >= goneAfter(s.intervalMs)) {
				this.series.delete(id);
				dropped = true;
			}
		}
		if (dropped && this.io) {
			this.seq++;
			this.io.to(room(this.board)).emit('snapshot', this.snapshot());
			this.sent?.inc({ type: 'snapshot' });
		}
	}

	private async reload(): Promise<void> {
		this.lastBroadcastRedis = 'up';
		try {
			const latest: LatestResult[] = [];
			const now = Date.now();
			for (const tile of this.tiles) {
				for (const r of await this.store.latest(tile.matchers)) if (now - r.ts < goneAfter(r.intervalMs ?? DEFAULT_INTERVAL_MS)) latest.push(r);
			}
			for (const s of latest.slice(0, MAX_SERIES)) {
				const state = this.state(s.labels, s.value, s.ts, s.intervalMs);
				const known = this.series.get(state.id);
				if (!known || (known.ts ?? 0) <= s.ts) this.series.set(state.id, state);
			}
			if (latest.length > MAX_SERIES) this.log.warn({ series: latest.length, shown: MAX_SERIES }, 'more series than the wall shows');
		} catch (err) {
			this.log.warn({ err: (err as Error).message }, 'could not load current values; the tail will fill them in');
		}
	}

	private onPoints(points: Point[]): void {
		const fresh: Point[] = [];
		for (const p of points) {
			const s = this.series.get(p.id);
			if (!s) {
				this.learn(p);
				continue;
			}
			if (s.ts !== null && p.ts < s.ts) continue;
			s.value = p.value;
			s.ts = p.ts;
			fresh.push(p);
		}
		if (fresh.length === 0 || !this.io) return;
		this.seq++;
		this.io.to(room(this.board)).emit('points', { seq: this.seq, serverTime: Date.now(), points: fresh });
		this.sent?.inc({ type: 'points' });
	}

	/** A series seen for the first time: fetch its labels and interval; show it if it is selected. */
	private learn(p: Point): void {
		const id = p.id;
		if (this.pending.has(id) || this.ignored.has(id) || this.series.size >= MAX_SERIES) return;
		this.pending.add(id);
		this.store
			.seriesById([id])
			.then(([info]: SeriesInfo[]) => {
				if (!info || this.tileOf(info.labels) < 0) {
					if (this.ignored.size > 100_000) this.ignored.clear();
					this.ignored.add(id);
					return;
				}
				this.series.set(id, this.state(info.labels, p.value, p.ts, info.intervalMs));
				// A new series changes the board's shape: screens take a new snapshot.
				if (this.io) {
					this.seq++;
					this.io.to(room(this.board)).emit('snapshot', this.snapshot());
					this.sent?.inc({ type: 'snapshot' });
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

	/** Screens that sent a heartbeat within the given window. */
	activeScreens(withinMs = 60_000): string[] {
		const since = Date.now() - withinMs;
		return [...this.screens].filter(([, at]) => at >= since).map(([id]) => id);
	}

	async close(): Promise<void> {
		clearInterval(this.rolesTimer);
		clearInterval(this.recheckTimer);
		this.options.control?.off('message', this.onControl);
		this.options.control?.off('ready', this.subscribeControl);
		this.options.redis.off('ready', this.onRedisUp);
		this.options.redis.off('close', this.onRedisDown);
		await new Promise<void>((resolve) => (this.io ? this.io.close(() => resolve()) : resolve()));
		await this.tail.stop();
	}
}
