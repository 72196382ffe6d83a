/**
 * Starts the roles a process runs, in one place, and stops them in order. This is the composition
 * root: the only module that imports every role. Roles never call each other; they share Redis.
 */
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { startAlertsRole, type AlertsRole } from '../alerts/role';
import { startDemoShop, type DemoShop } from '../demo-shop/index';
import { createAddressPolicy } from '../collectors/net/address-policy';
import { startCollectRole, type CollectRole } from '../collectors/role';
import { CollectShard } from '../collectors/shard';
import { PushRateLimiter, pushBurst } from '../src/lib/server/push-rate';
import { setContext } from '../src/lib/server/web/context';
import { createAuthStores } from '../src/lib/server/auth/index';
import { createKeys } from '../src/lib/server/keys';
import type { Logger } from '../src/lib/server/log';
import { createProcessMetrics } from '../src/lib/server/metrics';
import { newNodeId, NodeHeartbeat, ROLES, type Role } from '../src/lib/server/nodes';
import { setProcessQueryLimits } from '../src/lib/server/promql';
import { type QueryPool, startQueryPool } from '../src/lib/server/query-pool';
import { checkRedisMode, closeClient, createRedisClient, isCluster, waitReady, type Redis, redactUrl, resolveRedis, type ResolvedRedis } from '../src/lib/server/redis';
import { RedisStore, StoreSink, resolveRetention } from '../src/lib/server/tsdb';
import { TicketStore } from '../src/lib/server/tickets';
import { LiveHub } from '../src/lib/server/web/live';
import { LiveAccess } from '../src/lib/server/web/live-access';
import { liveSeriesSelect } from '../src/lib/server/web/live-series';
import type { AddressRule } from '../src/lib/server/web/client-address';
import { DEFAULT_BOARD, setBoards } from '../src/lib/shared/boards';
import { boardSummariesOf, setBoardList } from '../src/lib/server/web/board-list';
import { kioskLink } from '../src/lib/server/web/wall-access';
import { createOpsHandler, type OpsHandler, type Readiness } from '../src/lib/server/web/ops';
import { createWebServer, listen, listenError, type ListenerSettings, type RequestHandler } from '../server';
import { boardNamesOf, wallSettingsOf, type VigilConfig } from './config';
import { setupNotifications } from './notifications';

export type HttpMode =
	/** Listen on config.server.host:port; serve the SvelteKit handler when the web role runs. */
	| { mode: 'listen'; handler?: RequestHandler }
	/** Attach to an existing server (Vite's dev server); the caller mounts `ops`. */
	| { mode: 'attach'; server: Server };

export interface StartOptions {
	config: VigilConfig;
	log: Logger;
	version: string;
	http: HttpMode;
	/** Base directory for relative paths in the config (the embedded Redis's data). */
	cwd?: string;
	/**
	 * The config file's directory: rule files are found relative to it.
	 * @defaultValue `cwd`
	 */
	configDir?: string;
	/** Overrides the address probed when no Redis URL is configured (tests). */
	localRedisUrl?: string;
	/**
	 * How the live feed finds a client's address: the HTTP side's rule (adapter-node's ADDRESS_HEADER, XFF_DEPTH).
	 * @defaultValue the TCP peer
	 */
	addressRule?: AddressRule;
	/** Reads the config again (for reloads); without it, reloads are refused. */
	rereadConfig?: () => Promise<{ ok: true; config: VigilConfig } | { ok: false; report: string }>;
}

export interface RunningVigil {
	nodeId: string;
	roles: readonly Role[];
	redis: ResolvedRedis;
	/** The listening address, in listen mode. */
	url?: string;
	/** While no user exists: the one-time link that makes the first admin (web role only). */
	setupUrl?: string;
	/** With the demo shop: a fresh kiosk link to the demo board, for a screen (web role only). */
	kioskUrl?: string;
	ops: OpsHandler;
	/** Reads the config again and applies its collectors (SIGHUP, or POST /api/v1/reload). */
	reload(reason: string): Promise<void>;
	/** Stops everything in order; resolves when done. Safe to call twice. */
	stop(reason?: string): Promise<void>;
}

/** The demo shop's own settings, named in its listener's errors (never PORT: that is Vigil's). */
export const DEMO_SHOP_LISTENER: ListenerSettings = {
	what: 'The demo shop',
	port: 'demoShop.port (or VIGIL_DEMO_SHOP_PORT)',
	host: 'demoShop.host'
};

/** The name of the kiosk token made at every start of the demo. */
export const DEMO_KIOSK = 'demo';

/**
 * The board the demo's kiosk link opens: the config's first board of tiles (the shipped config's
 * `demo-shop`, every tile kind on one screen), else `default`.
 */
export function demoKioskBoard(config: Pick<VigilConfig, 'wall'>): string {
	return config.wall.boards[0]?.name ?? DEFAULT_BOARD;
}

/** Whether a start prints a kiosk link for the demo board: a web process that runs the demo shop. */
export function wantsDemoKiosk(config: Pick<VigilConfig, 'demoShop'>, roles: readonly Role[]): boolean {
	return config.demoShop.enabled && roles.includes('web');
}

function sortRoles(roles: readonly Role[]): Role[] {
	return ROLES.filter((r) => roles.includes(r));
}

export async function startVigil(options: StartOptions): Promise<RunningVigil> {
	const vigil = new VigilProcess(options);
	vigil.log.info({ roles: vigil.roles, node: vigil.nodeId, version: options.version }, 'starting Vigil');
	await vigil.resolveRedis();
	try {
		await vigil.connectRedis();
		vigil.createStore();
		vigil.setWebContext();
		await vigil.startRoles();
		await vigil.startWeb();
		for (const role of vigil.roles) vigil.metrics.roleRunning.set({ role }, vigil.started.has(role) ? 1 : 0);
		return await vigil.running();
	} catch (err) {
		await vigil.stop('start failed');
		throw err;
	}
}

type AuthStores = ReturnType<typeof createAuthStores>;
type Notifications = ReturnType<typeof setupNotifications>;

/** One Vigil process: its parts as they start, the steps that start them, and the ordered stop. */
class VigilProcess {
	readonly config: VigilConfig;
	readonly log: Logger;
	readonly roles: Role[];
	readonly nodeId = newNodeId();
	readonly keys: ReturnType<typeof createKeys>;
	readonly metrics: ReturnType<typeof createProcessMetrics>;
	readonly started = new Set<Role>();

	// What has started so far; stop() takes down whatever is set, in the reverse order of need.
	resolved!: ResolvedRedis;
	embedded: ResolvedRedis['embedded'];
	readonly clients: Redis[] = [];
	redis!: Redis;
	store: RedisStore | undefined;
	auth!: AuthStores;
	notifications!: Notifications;
	ops!: OpsHandler;
	collect: CollectRole | undefined;
	collectShard: CollectShard | undefined;
	alerts: AlertsRole | undefined;
	heartbeat: NodeHeartbeat | undefined;
	hub: LiveHub | undefined;
	shop: DemoShop | undefined;
	queries: QueryPool | undefined;
	server: Server | undefined;
	url: string | undefined;
	stopping: Promise<void> | undefined;

	constructor(readonly options: StartOptions) {
		this.config = options.config;
		this.log = options.log;
		this.roles = sortRoles(this.config.roles);
		this.keys = createKeys(this.config.redis.prefix);
		this.metrics = createProcessMetrics(options.version, this.nodeId);
	}

	get resolvedUrl(): string {
		return this.resolved.url;
	}

	async resolveRedis(): Promise<void> {
		const { config, options } = this;
		this.resolved = await resolveRedis({
			url: config.redis.url,
			clusterNodes: config.redis.cluster?.nodes,
			clusterAuth: config.redis.cluster,
			localUrl: options.localRedisUrl,
			dataDir: resolve(options.cwd ?? process.cwd(), config.redis.embedded.dataDir),
			binary: config.redis.embedded.binary,
			log: this.log
		});
		this.embedded = this.resolved.embedded;
	}

	async connectRedis(): Promise<void> {
		const { metrics, log } = this;
		const url = this.resolvedUrl;
		// A cluster given as one Redis (or seed nodes that are no cluster) stops here, naming the setting.
		await checkRedisMode(url);
		const redis = createRedisClient(url, { name: 'main', log });
		this.redis = redis;
		this.clients.push(redis);
		metrics.redisConnected.set(0);
		redis.on('ready', () => metrics.redisConnected.set(1));
		redis.on('close', () => metrics.redisConnected.set(0));
		try {
			await waitReady(redis, 5000);
		} catch {
			log.warn({ url: redactUrl(url) }, 'Redis does not answer yet; starting anyway and retrying in the background');
		}
	}

	createStore(): void {
		const { config } = this;
		this.store = new RedisStore(this.redis, {
			prefix: config.redis.prefix,
			liveKey: this.keys.live,
			// Screens show only their boards' series: the live stream carries those and no others.
			liveSelect: liveSeriesSelect(config.wall),
			retention: config.tsdb.retention,
			maxSeriesPerMetric: config.tsdb.maxSeriesPerMetric,
			maxSeries: config.tsdb.maxSeries,
			maxLabelsPerSeries: config.tsdb.maxLabelsPerSeries,
			maxLabelLength: config.tsdb.maxLabelLength,
			log: this.log,
			registry: this.metrics.registry
		});
		this.auth = createAuthStores(this.redis, this.keys);
		this.notifications = setupNotifications(config, this.redis, this.keys, this.log);
	}

	async requestReload(by: string): Promise<number> {
		const subscribers = await this.redis.publish(this.keys.reload, JSON.stringify({ type: 'reload', by }));
		// On a cluster PUBLISH counts only the subscribers of the node that took the message, which
		// reaches every node: the live collect processes (their registrations) are counted instead.
		const heard = isCluster(this.redis) ? await this.redis.zcount(this.keys.collectMembers, Date.now(), '+inf') : subscribers;
		this.log.info({ by, processes: heard }, 'reload requested');
		return heard;
	}

	/** The HTTP API's PromQL queries run in worker threads (dist/query-worker.js beside this bundle), off this event loop. */
	startQueryPool(): void {
		const { config } = this;
		this.queries = startQueryPool({
			settings: config.query,
			workerFile: new URL('./query-worker.js', import.meta.url),
			redisUrl: this.resolvedUrl,
			prefix: config.redis.prefix,
			retention: resolveRetention(config.tsdb.retention),
			maxSeriesPerMetric: config.tsdb.maxSeriesPerMetric,
			store: this.store!,
			log: this.log,
			registry: this.metrics.registry
		});
	}

	/** What the web routes share: Redis, the store, the stores of users and tokens, the limits, the boards. */
	setWebContext(): void {
		const { config, notifications, roles } = this;
		// Reports and rule charts evaluate in-process under the same limits as the query workers.
		setProcessQueryLimits({ maxSamples: config.query.maxSamples, timeoutMs: config.query.timeout });
		if (roles.includes('web')) this.startQueryPool();
		// The boards that exist: the config's (routes, kiosk links and the live feed check against them).
		setBoards(boardNamesOf(config), wallSettingsOf(config));
		setBoardList(boardSummariesOf(config.wall));
		setContext({
			redis: this.redis,
			keys: this.keys,
			store: this.store!,
			...this.auth,
			push: config.push,
			pushRate: new PushRateLimiter(config.push.samplesPerSecondPerToken, pushBurst(config.push.samplesPerSecondPerToken, config.push.maxItems)),
			tickets: this.ticketStore(),
			requestReload: (by: string) => this.requestReload(by),
			log: this.log,
			registry: this.metrics.registry,
			roles,
			nodeId: this.nodeId,
			version: this.options.version,
			channels: notifications.channels,
			notificationRoute: notifications.route,
			notificationExternalUrl: notifications.externalUrl,
			notificationAddressPolicy: notifications.addressPolicy,
			queries: this.queries,
			defaultGroupIntervalMs: config.alerts.defaultInterval,
			reports: { settings: config.reports, retention: resolveRetention(config.tsdb.retention) },
			scorecards: config.scorecards,
			quality: config.quality,
			status: config.status
		});
		this.ops = createOpsHandler({ registry: this.metrics.registry, readiness: () => this.readiness() });
	}

	async readiness(): Promise<Readiness> {
		const checks: Readiness['checks'] = {};
		try {
			const t0 = performance.now();
			await Promise.race([
				this.redis.ping(),
				new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 1 s')), 1000))
			]);
			checks.redis = { ok: true, detail: `PING ${(performance.now() - t0).toFixed(1)} ms` };
		} catch (err) {
			checks.redis = { ok: false, detail: (err as Error).message };
		}
		for (const role of this.roles) checks[`role:${role}`] = { ok: this.started.has(role), detail: this.started.has(role) ? 'started' : 'starting' };
		return { ready: !this.stopping && Object.values(checks).every((c) => c.ok), checks };
	}

	/** The demo shop, the collect and alerts roles, reload requests, the sealer and the heartbeat. */
	async startRoles(): Promise<void> {
		const { roles, store } = this;
		if (this.config.demoShop.enabled) await this.startDemoShop();
		if (roles.includes('collect')) await this.startCollect();
		if (roles.includes('alerts')) await this.startAlerts();
		if (this.collect) this.listenForReloads();
		// Processes that write (collectors, and the push API of the web role) seal closed buckets
		// in the background; several sealers are safe (every rewrite checks what it read).
		if (roles.includes('collect') || roles.includes('web')) store!.startSealer();
		this.heartbeat = new NodeHeartbeat(this.redis, this.keys, { id: this.nodeId, roles, version: this.options.version });
		this.heartbeat.start();
	}

	async startDemoShop(): Promise<void> {
		const d = this.config.demoShop;
		try {
			this.shop = await startDemoShop({ port: d.port, host: d.host, redisUrl: this.resolvedUrl, scenario: d.scenario, speed: d.speed, postgresUrl: d.postgresUrl, amqpUrl: d.amqpUrl, ticketStorePrefix: this.config.redis.prefix, log: this.log });
		} catch (err) {
			throw listenError(err, d.port, d.host, DEMO_SHOP_LISTENER) ?? err;
		}
		this.log.info({ url: this.shop.url }, 'demo shop running');
	}

	/** The ticket store the push API and the tickets collectors share (`tickets.retention`). */
	ticketStore(): TicketStore {
		return new TicketStore(this.redis, this.keys, { retentionMs: this.config.tickets.retention });
	}

	async startCollect(): Promise<void> {
		const { config, log } = this;
		const writer = this.store!;
		// Targets are shared among every live collect process (rendezvous hashing over their registrations).
		const shard = new CollectShard({ redis: this.redis, key: this.keys.collectMembers, member: this.nodeId, heartbeatMs: this.config.collect.shareHeartbeat, log, onChange: () => void this.collect?.rebalance().catch((err: Error) => log.error({ err: err.message }, 'could not apply the new collect assignment')) });
		this.collectShard = shard;
		await shard.start(config.collectors.map((c) => c.name));
		this.collect = startCollectRole({
			sharing: shard,
			collectors: config.collectors,
			sink: new StoreSink(writer, log),
			metadata: (m) => void writer.setMetadata(m).catch(() => {}),
			deps: { log, addressPolicy: createAddressPolicy(config.collect.allowPrivate), redisUrl: this.resolvedUrl, tickets: { store: this.ticketStore(), maxLabelValues: config.tickets.maxLabelValues } },
			log,
			registry: this.metrics.registry,
			concurrency: config.collect.concurrency,
			bufferSeconds: config.collect.bufferSeconds
		});
		this.started.add('collect');
	}

	async startAlerts(): Promise<void> {
		const { options, log } = this;
		const subscriber = createRedisClient(this.resolvedUrl, { name: 'alerts-control', log });
		this.clients.push(subscriber);
		this.alerts = await startAlertsRole({
			log,
			redis: this.redis,
			subscriber,
			store: this.store!,
			keys: this.keys,
			nodeId: this.nodeId,
			config: this.config.alerts,
			configDir: options.configDir ?? options.cwd ?? process.cwd(),
			registry: this.metrics.registry,
			notifications: this.notifications,
			incidents: this.config.incidents,
			sloTargets: { slos: this.config.reports.slos, timeZone: this.config.reports.timeZone }
		});
		this.started.add('alerts');
	}

	async reload(reason: string): Promise<void> {
		const { collect, log, options } = this;
		if (!collect) return void log.info({ reason }, 'reload asked: this process runs no collectors');
		if (!options.rereadConfig) return void log.warn({ reason }, 'reload asked, but this process cannot read its config again');
		const next = await options.rereadConfig();
		if (!next.ok) return void log.error({ reason, problems: next.report }, 'reload refused: the config has problems; the running collectors are kept');
		await collect.reload(next.config.collectors);
	}

	/**
	 * Reload requests from any web process arrive on their own channel, which only collect
	 * processes hear (so the publisher learns how many collect processes it reached).
	 */
	listenForReloads(): void {
		const { keys, log } = this;
		const control = createRedisClient(this.resolvedUrl, { name: 'reload', log });
		this.clients.push(control);
		control.on('ready', () => void control.subscribe(keys.reload).catch(() => {}));
		control.on('message', (_channel: string, text: string) => {
			try {
				const msg = JSON.parse(text) as { type?: string; by?: string };
				if (msg.type === 'reload') void this.reload(msg.by ?? 'a reload request').catch((err: Error) => log.error({ err: err.message }, 'reload failed'));
			} catch {
				log.warn('ignored a malformed control message');
			}
		});
	}

	/** The HTTP server (listening, or the one attached to) and, for the web role, the live feed on it. */
	async startWeb(): Promise<void> {
		const { config, roles } = this;
		const http = this.options.http;
		if (http.mode === 'listen') {
			this.server = createWebServer({ ops: this.ops, handler: roles.includes('web') ? http.handler : undefined, roles });
			await listen(this.server, config.server.port, config.server.host);
			const shown = ['0.0.0.0', '::', '127.0.0.1', '::1'].includes(config.server.host) ? 'localhost' : config.server.host;
			this.url = `http://${shown}:${config.server.port}`;
		} else {
			this.server = http.server;
		}
		if (roles.includes('web')) await this.startLiveHub(this.server);
	}

	async startLiveHub(server: Server): Promise<void> {
		const { config, log, auth } = this;
		const tailRedis = createRedisClient(this.resolvedUrl, { name: 'live-tail', log });
		// Revocations are announced on the control channel: open screens of a revoked credential close at once.
		const liveControl = createRedisClient(this.resolvedUrl, { name: 'live-control', log });
		this.clients.push(tailRedis, liveControl);
		const access = new LiveAccess({ sessions: auth.sessions, kiosks: auth.kiosks, origin: config.server.origin });
		this.hub = new LiveHub({
			redis: this.redis,
			tailRedis,
			control: liveControl,
			keys: this.keys,
			store: this.store!,
			tiles: config.wall.tiles,
			boards: config.wall.boards,
			screenDownAfterMs: config.wall.screenDownAfter,
			sloTimeZone: config.reports.timeZone,
			screenReportMs: Math.min(15_000, config.wall.screenDownAfter / 2),
			log,
			registry: this.metrics.registry,
			access,
			connectionsPerIp: config.server.liveConnectionsPerIp,
			addressRule: this.options.addressRule
		});
		await this.hub.attach(server);
		this.started.add('web');
	}

	/** While no user exists: the one-time link that makes the first admin. */
	async setupLink(): Promise<string | undefined> {
		try {
			if ((await this.auth.users.count()) === 0) return `${this.config.server.origin ?? this.url ?? ''}/setup?token=${await this.auth.setup.create()}`;
		} catch (err) {
			this.log.warn({ err: (err as Error).message }, 'could not check for users (Redis); no setup link this time: restart Vigil once Redis answers');
		}
		return undefined;
	}

	/** The demo's kiosk link: the secret of the last start's link is gone, so it is revoked and a new one made. */
	async demoKioskLink(): Promise<string | undefined> {
		const { config } = this;
		try {
			const board = demoKioskBoard(config);
			const { token } = await this.auth.kiosks.replaceNamed({ name: DEMO_KIOSK, board }, 'system:demo');
			return kioskLink(config.server.origin ?? this.url ?? '', board, token);
		} catch (err) {
			this.log.warn({ err: (err as Error).message }, 'could not make the demo kiosk link (Redis); make one with `vigil kiosk create --board default --name demo`');
			return undefined;
		}
	}

	async running(): Promise<RunningVigil> {
		const setupUrl = this.roles.includes('web') ? await this.setupLink() : undefined;
		const kioskUrl = wantsDemoKiosk(this.config, this.roles) ? await this.demoKioskLink() : undefined;
		const { nodeId, roles, resolved: redis, url, ops } = this;
		return { nodeId, roles, redis, url, setupUrl, kioskUrl, ops, reload: (reason) => this.reload(reason), stop: (reason) => this.stop(reason) };
	}

	stop(reason = 'stop requested'): Promise<void> {
		this.stopping ??= this.shutdown(reason);
		return this.stopping;
	}

	/** Runs one step of the stop; an error is logged and the stop goes on. */
	private async step(name: string, run: () => Promise<unknown>): Promise<void> {
		try {
			await run();
		} catch (err) {
			this.log.warn({ step: name, err: (err as Error).message }, 'error while stopping');
		}
	}

	private async shutdown(reason: string): Promise<void> {
		const log = this.log;
		const step = (name: string, run: () => Promise<unknown>) => this.step(name, run);
		log.info({ reason }, 'stopping Vigil');
		// 1. Stop accepting connections; keep-alive connections that are idle go now.
		const ownServer = this.options.http.mode === 'listen' ? this.server : undefined;
		const closed = ownServer?.listening ? new Promise<void>((done) => ownServer.close(() => done())) : undefined;
		ownServer?.closeIdleConnections();
		// 2. Stop collecting and write what the collectors buffered.
		if (this.collect) await step('collect role', () => this.collect!.stop(3000));
		if (this.collectShard) await step('collect membership', () => this.collectShard!.stop());
		if (this.shop) await step('demo shop', () => this.shop!.stop());
		if (this.alerts) await step('alerts role', () => this.alerts!.stop());
		// 3. Disconnect screens, then wait for requests in flight (cut after 2 s).
		if (this.hub) await step('live hub', () => this.hub!.close());
		if (closed) {
			const timer = setTimeout(() => ownServer!.closeAllConnections(), 2000);
			await closed;
			clearTimeout(timer);
		}
		// 4. Stop the query workers, leave the cluster, close Redis, stop the embedded server if this process started it.
		if (this.queries) await step('query pool', () => this.queries!.close());
		if (this.store) await step('store', () => this.store!.close());
		if (this.heartbeat) await step('heartbeat', () => this.heartbeat!.stop());
		await step('redis', () => Promise.all(this.clients.map(closeClient)));
		if (this.embedded) await step('embedded redis-server', () => this.embedded!.stop());
		setContext(undefined);
		setProcessQueryLimits(undefined);
		log.info('Vigil stopped');
	}
}
