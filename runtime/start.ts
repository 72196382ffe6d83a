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
import { checkRedisMode, closeClient, createRedisClient, waitReady, type Redis, redactUrl, resolveRedis, type ResolvedRedis } from '../src/lib/server/redis';
import { RedisStore, StoreSink, resolveRetention } from '../src/lib/server/tsdb';
import { LiveHub } from '../src/lib/server/web/live';
import { LiveAccess } from '../src/lib/server/web/live-access';
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
	/** The config file's directory: rule files are found relative to it. Default `cwd`. */
	configDir?: string;
	/** Overrides the address probed when no Redis URL is configured (tests). */
	localRedisUrl?: string;
	/** How the live feed finds a client's address: the HTTP side's rule (adapter-node's ADDRESS_HEADER, XFF_DEPTH). Default: the TCP peer. */
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
	const { config, log, version } = options;
	const roles = sortRoles(config.roles);
	const nodeId = newNodeId();
	const keys = createKeys(config.redis.prefix);
	const metrics = createProcessMetrics(version, nodeId);
	const started = new Set<Role>();

	// What has started so far; stop() takes down whatever is set, in the reverse order of need.
	let embedded: ResolvedRedis['embedded'];
	const clients: Redis[] = [];
	let collect: CollectRole | undefined;
	let collectShard: CollectShard | undefined;
	let alerts: AlertsRole | undefined;
	let heartbeat: NodeHeartbeat | undefined;
	let hub: LiveHub | undefined;
	let store: RedisStore | undefined;
	let shop: DemoShop | undefined;
	let queries: QueryPool | undefined;
	let server: Server | undefined;
	let stopping: Promise<void> | undefined;

	const stop = (reason = 'stop requested'): Promise<void> => {
		stopping ??= (async () => {
			log.info({ reason }, 'stopping Vigil');
			const step = async (name: string, run: () => Promise<unknown>) => {
				try {
					await run();
				} catch (err) {
					log.warn({ step: name, err: (err as Error).message }, 'error while stopping');
				}
			};
			// 1. Stop accepting connections; keep-alive connections that are idle go now.
			const ownServer = options.http.mode === 'listen' ? server : undefined;
			const closed = ownServer?.listening ? new Promise<void>((done) => ownServer.close(() => done())) : undefined;
			ownServer?.closeIdleConnections();
			// 2. Stop collecting and write what the collectors buffered.
			if (collect) await step('collect role', () => collect!.stop(3000));
			if (collectShard) await step('collect membership', () => collectShard!.stop());
			if (shop) await step('demo shop', () => shop!.stop());
			if (alerts) await step('alerts role', () => alerts!.stop());
			// 3. Disconnect screens, then wait for requests in flight (cut after 2 s).
			if (hub) await step('live hub', () => hub!.close());
			if (closed) {
				const timer = setTimeout(() => ownServer!.closeAllConnections(), 2000);
				await closed;
				clearTimeout(timer);
			}
			// 4. Stop the query workers, leave the cluster, close Redis, stop the embedded server if this process started it.
			if (queries) await step('query pool', () => queries!.close());
			if (store) await step('store', () => store!.close());
			if (heartbeat) await step('heartbeat', () => heartbeat!.stop());
			await step('redis', () => Promise.all(clients.map(closeClient)));
			if (embedded) await step('embedded redis-server', () => embedded!.stop());
			setContext(undefined);
			setProcessQueryLimits(undefined);
			log.info('Vigil stopped');
		})();
		return stopping;
	};

	log.info({ roles, node: nodeId, version }, 'starting Vigil');
	const resolved = await resolveRedis({
		url: config.redis.url,
		clusterNodes: config.redis.cluster?.nodes,
		localUrl: options.localRedisUrl,
		dataDir: resolve(options.cwd ?? process.cwd(), config.redis.embedded.dataDir),
		binary: config.redis.embedded.binary,
		log
	});
	embedded = resolved.embedded;

	try {
		// A cluster given as one Redis (or seed nodes that are no cluster) stops here, naming the setting.
		await checkRedisMode(resolved.url);
		const redis = createRedisClient(resolved.url, { name: 'main', log });
		clients.push(redis);
		metrics.redisConnected.set(0);
		redis.on('ready', () => metrics.redisConnected.set(1));
		redis.on('close', () => metrics.redisConnected.set(0));
		try {
			await waitReady(redis, 5000);
		} catch {
			log.warn({ url: redactUrl(resolved.url) }, 'Redis does not answer yet; starting anyway and retrying in the background');
		}

		store = new RedisStore(redis, {
			prefix: config.redis.prefix,
			liveKey: keys.live,
			retention: config.tsdb.retention,
			maxSeriesPerMetric: config.tsdb.maxSeriesPerMetric,
			maxSeries: config.tsdb.maxSeries,
			maxLabelsPerSeries: config.tsdb.maxLabelsPerSeries,
			maxLabelLength: config.tsdb.maxLabelLength,
			log,
			registry: metrics.registry
		});
		const auth = createAuthStores(redis, keys);
		const requestReload = async (by: string) => {
			const heard = await redis.publish(keys.reload, JSON.stringify({ type: 'reload', by }));
			log.info({ by, processes: heard }, 'reload requested');
			return heard;
		};
		const notifications = setupNotifications(config, redis, keys, log);
		// The HTTP API's PromQL queries run in worker threads (dist/query-worker.js beside this bundle),
		// off this event loop; reports and rule charts evaluate in-process under the same limits.
		setProcessQueryLimits({ maxSamples: config.query.maxSamples, timeoutMs: config.query.timeout });
		if (roles.includes('web')) {
			queries = startQueryPool({
				settings: config.query,
				workerFile: new URL('./query-worker.js', import.meta.url),
				redisUrl: resolved.url,
				prefix: config.redis.prefix,
				retention: resolveRetention(config.tsdb.retention),
				maxSeriesPerMetric: config.tsdb.maxSeriesPerMetric,
				store,
				log,
				registry: metrics.registry
			});
		}
		// The boards that exist: the config's (routes, kiosk links and the live feed check against them).
		setBoards(boardNamesOf(config), wallSettingsOf(config));
		setBoardList(boardSummariesOf(config.wall));
		setContext({
			redis,
			keys,
			store,
			...auth,
			push: config.push,
			pushRate: new PushRateLimiter(config.push.samplesPerSecondPerToken, pushBurst(config.push.samplesPerSecondPerToken, config.push.maxItems)),
			requestReload,
			log,
			registry: metrics.registry,
			roles,
			nodeId,
			version,
			channels: notifications.channels,
			notificationRoute: notifications.route,
			notificationExternalUrl: notifications.externalUrl,
			notificationAddressPolicy: notifications.addressPolicy,
			queries,
			defaultGroupIntervalMs: config.alerts.defaultInterval,
			reports: { settings: config.reports, retention: resolveRetention(config.tsdb.retention) }
		});

		const readiness = async (): Promise<Readiness> => {
			const checks: Readiness['checks'] = {};
			try {
				const t0 = performance.now();
				await Promise.race([
					redis.ping(),
					new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 1 s')), 1000))
				]);
				checks.redis = { ok: true, detail: `PING ${(performance.now() - t0).toFixed(1)} ms` };
			} catch (err) {
				checks.redis = { ok: false, detail: (err as Error).message };
			}
			for (const role of roles) checks[`role:${role}`] = { ok: started.has(role), detail: started.has(role) ? 'started' : 'starting' };
			return { ready: !stopping && Object.values(checks).every((c) => c.ok), checks };
		};
		const ops = createOpsHandler({ registry: metrics.registry, readiness });

		if (config.demoShop.enabled) {
			const d = config.demoShop;
			try {
				shop = await startDemoShop({ port: d.port, host: d.host, redisUrl: resolved.url, scenario: d.scenario, speed: d.speed, postgresUrl: d.postgresUrl, amqpUrl: d.amqpUrl, log });
			} catch (err) {
				throw listenError(err, d.port, d.host, DEMO_SHOP_LISTENER) ?? err;
			}
			log.info({ url: shop.url }, 'demo shop running');
		}
		if (roles.includes('collect')) {
			const writer = store;
			// Targets are shared among every live collect process (rendezvous hashing over their registrations).
			const shard = new CollectShard({ redis, key: keys.collectMembers, member: nodeId, log, onChange: () => void collect?.rebalance().catch((err: Error) => log.error({ err: err.message }, 'could not apply the new collect assignment')) });
			collectShard = shard;
			await shard.start(config.collectors.map((c) => c.name));
			collect = startCollectRole({
				sharing: shard,
				collectors: config.collectors,
				sink: new StoreSink(writer, log),
				metadata: (m) => void writer.setMetadata(m).catch(() => {}),
				deps: { log, addressPolicy: createAddressPolicy(config.collect.allowPrivate), redisUrl: resolved.url },
				log,
				registry: metrics.registry,
				concurrency: config.collect.concurrency,
				bufferSeconds: config.collect.bufferSeconds
			});
			started.add('collect');
		}
		if (roles.includes('alerts')) {
			const subscriber = createRedisClient(resolved.url, { name: 'alerts-control', log });
			clients.push(subscriber);
			alerts = await startAlertsRole({
				log,
				redis,
				subscriber,
				store,
				keys,
				nodeId,
				config: config.alerts,
				configDir: options.configDir ?? options.cwd ?? process.cwd(),
				registry: metrics.registry,
				notifications,
				incidents: config.incidents
			});
			started.add('alerts');
		}

		const reload = async (reason: string) => {
			if (!collect) return void log.info({ reason }, 'reload asked: this process runs no collectors');
			if (!options.rereadConfig) return void log.warn({ reason }, 'reload asked, but this process cannot read its config again');
			const next = await options.rereadConfig();
			if (!next.ok) return void log.error({ reason, problems: next.report }, 'reload refused: the config has problems; the running collectors are kept');
			await collect.reload(next.config.collectors);
		};
		if (collect) {
			// Reload requests from any web process arrive on their own channel, which only collect
			// processes hear (so the publisher learns how many collect processes it reached).
			const control = createRedisClient(resolved.url, { name: 'reload', log });
			clients.push(control);
			control.on('ready', () => void control.subscribe(keys.reload).catch(() => {}));
			control.on('message', (_channel: string, text: string) => {
				try {
					const msg = JSON.parse(text) as { type?: string; by?: string };
					if (msg.type === 'reload') void reload(msg.by ?? 'a reload request').catch((err: Error) => log.error({ err: err.message }, 'reload failed'));
				} catch {
					log.warn('ignored a malformed control message');
				}
			});
		}
		// Processes that write (collectors, and the push API of the web role) seal closed buckets
		// in the background; several sealers are safe (every rewrite checks what it read).
		if (roles.includes('collect') || roles.includes('web')) store.startSealer();
		heartbeat = new NodeHeartbeat(redis, keys, { id: nodeId, roles, version });
		heartbeat.start();

		let url: string | undefined;
		const http = options.http;
		if (http.mode === 'listen') {
			server = createWebServer({ ops, handler: roles.includes('web') ? http.handler : undefined, roles });
			await listen(server, config.server.port, config.server.host);
			const shown = ['0.0.0.0', '::', '127.0.0.1', '::1'].includes(config.server.host) ? 'localhost' : config.server.host;
			url = `http://${shown}:${config.server.port}`;
		} else {
			server = http.server;
		}
		if (roles.includes('web')) {
			const tailRedis = createRedisClient(resolved.url, { name: 'live-tail', log });
			// Revocations are announced on the control channel: open screens of a revoked credential close at once.
			const liveControl = createRedisClient(resolved.url, { name: 'live-control', log });
			clients.push(tailRedis, liveControl);
			const access = new LiveAccess({ sessions: auth.sessions, kiosks: auth.kiosks, origin: config.server.origin });
			hub = new LiveHub({
				redis,
				tailRedis,
				control: liveControl,
				keys,
				store,
				tiles: config.wall.tiles,
				boards: config.wall.boards,
				screenDownAfterMs: config.wall.screenDownAfter,
				sloTimeZone: config.reports.timeZone,
				screenReportMs: Math.min(15_000, config.wall.screenDownAfter / 2),
				log,
				registry: metrics.registry,
				access,
				connectionsPerIp: config.server.liveConnectionsPerIp,
				addressRule: options.addressRule
			});
			await hub.attach(server);
			started.add('web');
		}
		for (const role of roles) metrics.roleRunning.set({ role }, started.has(role) ? 1 : 0);
		let setupUrl: string | undefined;
		if (roles.includes('web')) {
			try {
				if ((await auth.users.count()) === 0) setupUrl = `${config.server.origin ?? url ?? ''}/setup?token=${await auth.setup.create()}`;
			} catch (err) {
				log.warn({ err: (err as Error).message }, 'could not check for users (Redis); no setup link this time: restart Vigil once Redis answers');
			}
		}
		let kioskUrl: string | undefined;
		if (wantsDemoKiosk(config, roles)) {
			try {
				// The secret of the last start's link is gone: revoke it and make a new one.
				const board = demoKioskBoard(config);
				const { token } = await auth.kiosks.replaceNamed({ name: DEMO_KIOSK, board }, 'system:demo');
				kioskUrl = kioskLink(config.server.origin ?? url ?? '', board, token);
			} catch (err) {
				log.warn({ err: (err as Error).message }, 'could not make the demo kiosk link (Redis); make one with `vigil kiosk create --board default --name demo`');
			}
		}
		return { nodeId, roles, redis: resolved, url, setupUrl, kioskUrl, ops, reload, stop };
	} catch (err) {
		await stop('start failed');
		throw err;
	}
}
