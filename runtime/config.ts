/**
 * Vigil's configuration: one YAML file validated by one zod schema, with the essentials
 * overridable from the environment (REDIS_URL, REDIS_CLUSTER_NODES, PORT, HOST, VIGIL_ROLES, ORIGIN, VIGIL_DEMO_SHOP_PORT). Every problem is
 * reported at once, each with its path and line.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseCidr } from '../collectors/net/address-policy';
import { collectorConfig } from '../collectors/registry';
import { SCENARIOS } from '../demo-shop/index';
import { channelConfig, buildRouteTree, routeSchema } from '../src/lib/server/alerting/notify';
import { ROLES } from '../src/lib/server/nodes';
import { parseSelector } from '../src/lib/server/tsdb';
import { loadYamlFile, validateYaml, type Override, type Validated } from '../src/lib/server/yaml-config';
import { boardSchema, CLOCK_TIME, configDuration, type WallSettings } from '../src/lib/shared/boards';
import { zDuration } from '../src/lib/shared/duration';
import { stageProblems } from '../src/lib/shared/slo-stage';
import { canonicalZone } from '../src/lib/server/alerting/muting';
import { DEFAULT_GROUP_INTERVAL_MS } from '../src/lib/server/rules';
import { DEFAULT_QUALITY_SETTINGS, TARGET_IDS, TARGET_TEXT, type TargetId } from '../src/lib/server/views/quality-report';
import { parseSeed, splitSeeds } from '../src/lib/server/redis';

function selectorParses(text: string): boolean {
	try {
		parseSelector(text);
		return true;
	} catch {
		return false;
	}
}

const validSelector = z.string().refine(selectorParses, 'expected a selector like up{kind="http"} or shop_orders_per_minute');
const boardConfig = boardSchema(configDuration, z.string().min(1).max(500).pipe(validSelector));

const port = z
	.number({ error: (iss) => `expected a port number from 1 to 65535, got ${JSON.stringify(iss.input)}` })
	.int({ error: (iss) => `expected a port number from 1 to 65535, got ${JSON.stringify(iss.input)}` })
	.min(1, { error: (iss) => `expected a port number from 1 to 65535, got ${JSON.stringify(iss.input)}` })
	.max(65535, { error: (iss) => `expected a port number from 1 to 65535, got ${JSON.stringify(iss.input)}` });

/** An address policy's allow list: IPs or CIDR ranges (collect.allowPrivate, notifications.allowPrivate). */
const allowList = z
	.array(
		z.string().refine((e) => {
			try {
				parseCidr(e);
				return true;
			} catch {
				return false;
			}
		}, 'expected an IP address or CIDR range, e.g. 127.0.0.1 or 10.0.0.0/8')
	)
	.default([]);

const redisUrl = z
	.string()
	.refine((u) => /^rediss?:\/\/[^\s]+$/.test(u), 'expected a URL like redis://host:6379 or rediss://user:pass@host:6380/0');

export const rolesSchema = z
	.array(z.enum(ROLES))
	.min(1, 'name at least one role: web, collect, alerts')
	.refine((r) => new Set(r).size === r.length, 'each role once');

/**
 * How the demo's collectors find the demo shop: `${demoShop.url}` in any string of a collector
 * block stands for the address the shop listens on (http://demoShop.host:demoShop.port). So moving
 * the shop is one setting (demoShop.port, or VIGIL_DEMO_SHOP_PORT) instead of an edit of every
 * collector URL. This one reference, rather than general environment substitution in the file:
 * collector URLs, SQL queries and patterns may hold `$` of their own, and with `${VAR:-3100}` the
 * default would still be repeated in every URL.
 */
export const DEMO_SHOP_URL = '${demoShop.url}';
const REFERENCE = /\$\{[^}]*\}/g;

/** The shop's address as collectors reach it (an any-address listener is reached on loopback). */
export function demoShopUrl(host: string, port: number): string {
	const reach = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
	return `http://${reach.includes(':') ? `[${reach}]` : reach}:${port}`;
}

function expandReferences(raw: unknown, ctx: z.RefinementCtx): unknown {
	if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
	const top = raw as Record<string, unknown>;
	if (!Array.isArray(top.collectors)) return raw;
	const shop = (top.demoShop ?? {}) as Record<string, unknown>;
	const port = typeof shop.port === 'number' && Number.isInteger(shop.port) && shop.port >= 1 && shop.port <= 65535 ? shop.port : 3100; // else demoShop.port has its own problem
	const url = demoShopUrl(typeof shop.host === 'string' && shop.host ? shop.host : '127.0.0.1', port);
	const expand = (value: unknown, path: Array<string | number>): unknown => {
		if (typeof value === 'string') {
			return value.replace(REFERENCE, (ref) => {
				if (ref === DEMO_SHOP_URL) return url;
				ctx.addIssue({ code: 'custom', path, message: `unknown reference ${ref}: the one reference is ${DEMO_SHOP_URL} (the demo shop's address)` });
				return ref;
			});
		}
		if (Array.isArray(value)) return value.map((v, i) => expand(v, [...path, i]));
		if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v, [...path, k])]));
		return value;
	};
	return { ...top, collectors: top.collectors.map((c, i) => expand(c, ['collectors', i])) };
}

const configObject = z.strictObject({
	server: z
		.strictObject({
			/** Interface to listen on. 127.0.0.1 serves this machine only; 0.0.0.0 serves the network. */
			host: z.string().min(1).default('127.0.0.1'),
			port: port.default(3000),
			/** The public URL of this server, e.g. https://vigil.example.com (needed behind a proxy). */
			origin: z.url({ error: 'expected a URL like https://vigil.example.com' }).optional(),
			/** Most live-feed (wall) connections one client address may hold at once. */
			liveConnectionsPerIp: z.number().int().min(1).max(100_000).default(50)
		})
		.prefault({}),
	roles: rolesSchema.default([...ROLES]),
	redis: z
		.strictObject({
			url: redisUrl.optional(),
			/** A Redis Cluster instead of one Redis: its seed nodes (any few of its nodes), `host:port` each. */
			cluster: z
				.strictObject({
					nodes: z
						.array(z.string().refine((n) => parseSeed(n) !== undefined, 'expected host:port, e.g. 10.0.0.5:6379'))
						.min(1, 'name at least one node of the cluster, host:port'),
					/** The ACL user every node is signed in to as (unset: `default`). */
					username: z.string().min(1).optional(),
					/** The password of that user, or the nodes' `requirepass` (better from REDIS_CLUSTER_PASSWORD than in the file). */
					password: z.string().min(1).optional(),
					/** Connect to the nodes over TLS. */
					tls: z.boolean().default(false)
				})
				.optional(),
			/** Prefix of every key Vigil writes, so several deployments can share one Redis. */
			prefix: z
				.string()
				.regex(/^[A-Za-z0-9_:.-]{0,64}$/, 'expected up to 64 letters, digits or _:.- characters')
				.default('vigil:'),
			embedded: z
				.strictObject({
					dataDir: z.string().min(1).default('./data/redis'),
					binary: z.string().min(1).default('redis-server')
				})
				.prefault({})
		})
		.prefault({}),
	log: z
		.strictObject({
			level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info')
		})
		.prefault({}),
	tsdb: z
		.strictObject({
			/** How long each resolution is kept. */
			retention: z
				.strictObject({
					raw: zDuration({ min: 3_600_000 }).default(15 * 86_400_000),
					minute: zDuration({ min: 86_400_000 }).default(90 * 86_400_000),
					hour: zDuration({ min: 86_400_000 }).default(730 * 86_400_000)
				})
				.prefault({}),
			/** Most series one metric may have; new ones beyond it are refused and counted. */
			maxSeriesPerMetric: z.number().int().min(1).max(10_000_000).default(10_000),
			/** Most series in all; new ones beyond it are refused and counted (`series_limit`); stored ones are kept. */
			maxSeries: z.number().int().min(1).max(100_000_000).default(1_000_000),
			/** Most labels of one series, the metric name included (`label_limit`). */
			maxLabelsPerSeries: z.number().int().min(2).max(1000).default(64),
			/** Longest label name or value, in characters (`label_limit`). */
			maxLabelLength: z.number().int().min(16).max(1_000_000).default(2048)
		})
		.prefault({}),
	collect: z
		.strictObject({
			/** Most collector runs at once. */
			concurrency: z.number().int().min(1).max(10_000).default(64),
			/**
			 * Addresses (IPs or CIDR ranges) that http and prometheus targets may reach although they
			 * are loopback, private or link-local. Empty: only public addresses (the SSRF guard).
			 */
			allowPrivate: allowList,
			/** While Redis is unreachable, hold this many seconds of samples of all targets. */
			bufferSeconds: z.number().int().min(10).max(86_400).default(300),
			/**
			 * How often collect processes renew their registration and read who else runs: a dead
			 * process's targets move to the others within 6 of these (registration 3, taking 3).
			 */
			shareHeartbeat: zDuration({ min: 100, max: 60_000 }).default(2000)
		})
		.prefault({}),
	demoShop: z
		.strictObject({
			/** Run the simulated shop in this process (the demo). */
			enabled: z.boolean().default(false),
			host: z.string().min(1).default('127.0.0.1'),
			port: port.default(3100),
			scenario: z.enum(SCENARIOS).default('normal'),
			/** Multiplies the simulated traffic. */
			speed: z.number().positive().max(1000).default(1),
			/** Orders are also copied here when PostgreSQL is reachable (for the sql source). */
			postgresUrl: z.string().regex(/^postgres(ql)?:\/\//, 'expected a URL like postgres://user@host:5432/db').optional(),
			/** Orders also send a notification here when RabbitMQ is reachable (for the rabbitmq source). */
			amqpUrl: z.string().regex(/^amqps?:\/\//, 'expected a URL like amqp://guest:guest@127.0.0.1:5672').optional()
		})
		.prefault({}),
	wall: z
		.strictObject({
			/**
			 * The board `default` as a plain list of tiles: a title, a selector of the series it
			 * shows, and their unit; one tile per series (unless `boards` defines `default`).
			 */
			tiles: z
				.array(
					z.strictObject({
						title: z.string().min(1).max(80),
						selector: validSelector,
						unit: z.string().max(16).optional()
					})
				)
				.default([]),
			/** Screens reload themselves daily at this local time (a quiet hour), when Vigil answers; `off` for never. */
			reloadAt: z.union([z.literal('off'), z.string().regex(CLOCK_TIME, 'expected a time like "04:00", or off')]).default('04:00'),
			/** A wall screen without a heartbeat for this long is down (`wall_screen_up` 0, rule wall_screen_down). */
			screenDownAfter: zDuration({ min: 1000, max: 86_400_000 }).default(2 * 60_000),
			/** Boards of tiles of their own (status, stat, chart, queue, alerts, slo): `/wall/<name>`. */
			boards: z
				.array(boardConfig)
				.max(50)
				.default([])
				.superRefine((boards, ctx) => {
					const seen = new Map<string, number>();
					boards.forEach((b, i) => {
						const first = seen.get(b.name);
						if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate board "${b.name}" (also wall.boards[${first}])` });
						else seen.set(b.name, i);
					});
				})
		})
		.prefault({}),
	push: z
		.strictObject({
			/** Largest body /api/v1/push accepts. */
			maxBodyBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
			/** Most samples in one push. */
			maxItems: z.number().int().min(1).max(1_000_000).default(10_000),
			/**
			 * Samples per second one API token (or user) may push, on average; bursts up to
			 * `maxItems` or two seconds' worth, whichever is larger. Beyond it: 429 with Retry-After.
			 */
			samplesPerSecondPerToken: z.number().int().min(1).max(100_000_000).default(50_000)
		})
		.prefault({}),
	tickets: z
		.strictObject({
			/**
			 * Tickets not updated for this long are dropped from the ticket store (and from every figure).
			 * The default keeps a whole quarter's tickets, with a month to report on it.
			 */
			retention: zDuration({ min: 31 * 86_400_000, max: 3650 * 86_400_000 }).default(120 * 86_400_000),
			/**
			 * Most values of each of team, category and merchant that get series of their own in the
			 * derived ticket series; the least used beyond it are labelled `other` (and counted).
			 */
			maxLabelValues: z.number().int().min(1).max(1000).default(20)
		})
		.prefault({}),
	alerts: z
		.strictObject({
			/**
			 * Rule files imported into Redis on first start (when Redis holds no rule set yet), relative
			 * to this config file. After that, rules live in Redis: `vigil rules import|export`.
			 */
			ruleFiles: z.array(z.string().min(1)).default([]),
			/** Interval of groups that do not set one. */
			defaultInterval: zDuration({ min: 1000, max: 86_400_000 }).default(DEFAULT_GROUP_INTERVAL_MS),
			/** How long one rule's evaluation may take before it counts as an error. */
			evaluationTimeout: zDuration({ min: 100, max: 600_000 }).default(10_000),
			/** How long the leader's lease lasts unrenewed; a standby takes over within twice this. */
			leaseTtl: zDuration({ min: 1000, max: 600_000 }).default(15_000),
			/** Share the rule groups among the alerts processes, a lease per group (one leader still sends the notifications). */
			shareGroups: z.boolean().default(false),
			/** Labels added to every alert, and `$externalLabels` in templates. */
			externalLabels: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a label name'), z.string()).default({})
		})
		.prefault({}),
	notifications: z
		.strictObject({
			/**
			 * Channels provisioned from this file (read-only through the API; more can be added there by
			 * admins). The built-in `log` channel always exists.
			 */
			channels: z
				.array(channelConfig)
				.max(256)
				.default([])
				.superRefine((list, ctx) => {
					const seen = new Map<string, number>();
					list.forEach((c, i) => {
						const first = seen.get(c.name);
						if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate channel "${c.name}" (also channels[${first}])` });
						else seen.set(c.name, i);
					});
				}),
			/** The route tree, as in alertmanager.yml (group_by, group_wait, group_interval, repeat_interval, matchers, continue, routes). */
			route: routeSchema.prefault({ receiver: 'log', group_by: ['alertname', 'service'] }),
			delivery: z
				.strictObject({
					/** First retry delay; it doubles per attempt, with jitter. */
					initialBackoff: zDuration({ min: 10, max: 3_600_000 }).default(1000),
					/** Longest retry delay. */
					maxBackoff: zDuration({ min: 10, max: 3_600_000 }).default(60_000),
					/** How long one notification is tried before it is given up (logged as failed). */
					budget: zDuration({ min: 1000, max: 7 * 86_400_000 }).default(3_600_000),
					/** Longest single attempt. */
					attemptTimeout: zDuration({ min: 100, max: 300_000 }).default(10_000),
					/** Attempts in flight at once. */
					concurrency: z.number().int().min(1).max(256).default(8)
				})
				.prefault({}),
			/** Vigil's address in notification links; default server.origin, else http://localhost:<port>. */
			externalUrl: z.url({ protocol: /^https?$/ }).optional(),
			/**
			 * Addresses (IPs or CIDR ranges) that webhook and Slack channels may reach although they are
			 * loopback, private or link-local. Empty: only public addresses (as collect.allowPrivate for
			 * collectors).
			 */
			allowPrivate: allowList
		})
		.superRefine((n, ctx) => {
			try {
				buildRouteTree(n.route);
			} catch (err) {
				ctx.addIssue({ code: 'custom', path: ['route'], message: (err as Error).message.replace(/^notifications\.route[.:]\s*/, '') });
			}
		})
		.prefault({}),
	incidents: z
		.strictObject({
			/**
			 * Labels whose values name an incident's group: a firing alert joins the open incident of
			 * its group. With `perRule` (the default) the rule is part of the group too.
			 */
			groupBy: z.array(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a label name')).max(16).default(['service']),
			perRule: z.boolean().default(true),
			/** An incident whose alerts have all resolved resolves itself after they stay resolved this long. */
			quietPeriod: zDuration({ min: 0, max: 7 * 86_400_000 }).default(5 * 60_000),
			/** A firing alert within this long of its group's incident resolving reopens it instead of opening a new one. */
			reopenWindow: zDuration({ min: 0, max: 30 * 86_400_000 }).default(30 * 60_000)
		})
		.prefault({}),
	reports: z
		.strictObject({
			/** The default time zone of report periods (months and quarters start at local midnight). */
			timeZone: z.string().refine((z) => canonicalZone(z) !== null, 'expected an IANA time zone such as Europe/Berlin or UTC').default('UTC'),
			/** How uptime counts maintenance (excluded from the period, or up) and time without data (down, or excluded). */
			policy: z
				.strictObject({ maintenance: z.enum(['exclude', 'up']).default('exclude'), noData: z.enum(['down', 'exclude']).default('down') })
				.prefault({}),
			/** The uptime objective of every service: its error budget is the rest of the counted time. */
			uptimeObjective: z.number().gt(0).lt(1).default(0.999),
			/** Service-quality targets: a PromQL expression (one series), a threshold, and the share of hours that must meet it. */
			slos: z
				.array(
					z.strictObject({
						name: z.string().min(1).max(120),
						expr: z.string().min(1).max(2000),
						op: z.enum(['<', '<=', '>', '>=']),
						threshold: z.number(),
						objective: z.number().gt(0).lte(1).default(0.99),
						unit: z.enum(['ratio', 'seconds', 'number']).default('number'),
						/**
						 * The next stage: a stricter threshold in force from a day on (YYYY-MM-DD, local
						 * midnight in `timeZone`); hours from that day are judged by it.
						 */
						next: z.strictObject({ threshold: z.number(), from: z.string() }).optional()
					}).superRefine((t, ctx) => {
						if (!t.next) return;
						for (const p of stageProblems(t.op, t.threshold, { level: t.next.threshold, from: t.next.from }, 'threshold')) ctx.addIssue({ code: 'custom', path: ['next', p.path], message: p.message });
					})
				)
				.max(50)
				.default([])
		})
		.prefault({}),
	scorecards: z
		.strictObject({
			/**
			 * The standards merchants and customer-service teams are held to on /scorecards (shares
			 * 0..1); a figure that misses its standard is flagged. Satisfaction and complaint handling
			 * follow the service-quality plan; completion, complaint rate and the team standards are
			 * Vigil's defaults (README, Scorecards).
			 */
			standards: z
				.strictObject({
					/** Least share of a merchant's orders that complete. */
					completion: z.number().gt(0).lte(1).default(0.95),
					/** Least share of rated tickets rated 4 or 5. */
					satisfaction: z.number().gt(0).lte(1).default(0.9),
					/** Most complaints per order (complaints created in the quarter / its orders). */
					complaintRate: z.number().gte(0).lte(10).default(0.05),
					/** Least share of complaints answered within 24 hours. */
					complaintsAnswered24h: z.number().gt(0).lte(1).default(0.95),
					/** Least share of complaints closed within 48 hours. */
					complaintsClosed48h: z.number().gt(0).lte(1).default(0.95),
					/** Teams: least share of tickets answered within 5 minutes. */
					answered5m: z.number().gt(0).lte(1).default(0.9),
					/** Teams: least share of tickets resolved or closed. */
					resolution: z.number().gt(0).lte(1).default(0.9),
					/** Fewest orders, ratings or tickets a figure must rest on to be judged against its standard. */
					minSample: z.number().int().min(1).max(1_000_000).default(20)
				})
				.prefault({}),
			/** The counter of orders by merchant, labelled `merchant` and `outcome` (completed, failed, cancelled). */
			ordersMetric: z
				.string()
				.regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'expected a metric name')
				.default('shop_merchant_orders_total')
		})
		.prefault({}),
	quality: z
		.strictObject({
			/** The quarterly service-quality report's title, as published. */
			title: z.string().trim().min(1).max(200).default(DEFAULT_QUALITY_SETTINGS.title),
			/**
			 * The declared policy printed on the report and published with it: paragraphs of plain text
			 * (how figures are computed, what counts as a failure, maintenance, the rating scale).
			 */
			policy: z.array(z.string().trim().min(1).max(2000)).min(1).max(30).default(DEFAULT_QUALITY_SETTINGS.policy),
			/** PromQL giving the system failure ratio (0..1) as one series; the quarter's figure is the mean of its hourly values. */
			failureRate: z.string().min(1).max(2000).default(DEFAULT_QUALITY_SETTINGS.failureRate),
			/** The plan's levels, shares 0..1: the failure rate stays under its level; each other share reaches its level. */
			targets: z
				.strictObject({
					failureRate: z.number().gt(0).lt(1).default(DEFAULT_QUALITY_SETTINGS.targets.failureRate),
					answered5m: z.number().gt(0).lte(1).default(DEFAULT_QUALITY_SETTINGS.targets.answered5m),
					complaintsAnswered24h: z.number().gt(0).lte(1).default(DEFAULT_QUALITY_SETTINGS.targets.complaintsAnswered24h),
					complaintsClosed48h: z.number().gt(0).lte(1).default(DEFAULT_QUALITY_SETTINGS.targets.complaintsClosed48h),
					satisfaction: z.number().gt(0).lte(1).default(DEFAULT_QUALITY_SETTINGS.targets.satisfaction)
				})
				.prefault({}),
			/**
			 * The plan's next stages: `<target>: { level, from: 'YYYY-MM-DD' }`, a stricter level from a day on
			 * (in reports.timeZone). Quarters from that day are judged by it; earlier ones show it beside their level.
			 */
			stages: z
				.strictObject(
					Object.fromEntries(
						TARGET_IDS.map((id) => [id, z.strictObject({ level: z.number().gt(0).lte(1), from: z.string() }).optional()])
					) as Record<TargetId, z.ZodOptional<z.ZodObject<{ level: z.ZodNumber; from: z.ZodString }>>>
				)
				.default({}),
			/** Services published with the report: `service` label value -> the name customers see. Others stay internal. */
			services: z.record(z.string().min(1).max(200), z.string().trim().min(1).max(100)).default({})
		})
		.prefault({})
		.superRefine((q, ctx) => {
			for (const id of TARGET_IDS) {
				const stage = q.stages[id];
				if (!stage) continue;
				for (const p of stageProblems(TARGET_TEXT[id].op, q.targets[id], stage, 'level')) ctx.addIssue({ code: 'custom', path: ['stages', id, p.path], message: p.message });
			}
		}),
	status: z
		.strictObject({
			/** Serve the public status page (/status, /status.json) without a login; off, both answer 404. */
			enabled: z.boolean().default(false),
			/** The page's heading. */
			title: z.string().trim().min(1, 'expected a title of 1 to 120 characters').max(120, 'expected a title of 1 to 120 characters').default('Service status'),
			/**
			 * The only services the page shows, in this order: `name` is what customers read; `selector`
			 * picks the service's availability series (0/1, such as `up`) and is never sent to a browser.
			 */
			services: z
				.array(
					z.strictObject({
						name: z.string().trim().min(1, 'expected a public name of 1 to 80 characters').max(80, 'expected a public name of 1 to 80 characters'),
						selector: z.string().min(1).max(500).pipe(validSelector)
					})
				)
				.max(50, 'at most 50 services')
				.default([])
				.superRefine((list, ctx) => {
					const seen = new Map<string, number>();
					list.forEach((s, i) => {
						const first = seen.get(s.name);
						if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate public name "${s.name}" (also status.services[${first}])` });
						else seen.set(s.name, i);
					});
				}),
			/** A computed page is served this long (and browsers and proxies may keep it as long: Cache-Control max-age). */
			cacheSeconds: z.number().int('expected whole seconds from 1 to 3600').min(1, 'expected whole seconds from 1 to 3600').max(3600, 'expected whole seconds from 1 to 3600').default(30),
			/** Requests per minute one client address may make (429 with Retry-After beyond). */
			requestsPerMinute: z.number().int('expected a whole number from 1 to 100000').min(1, 'expected a whole number from 1 to 100000').max(100_000, 'expected a whole number from 1 to 100000').default(60)
		})
		.prefault({})
		.superRefine((s, ctx) => {
			if (s.enabled && s.services.length === 0) ctx.addIssue({ code: 'custom', path: ['services'], message: 'is empty: name at least one public service ({ name, selector }) to enable the status page' });
		}),
	query: z
		.strictObject({
			/** Most samples a query may hold in memory at once (Prometheus' --query.max-samples). */
			maxSamples: z.number().int().min(1000).max(1_000_000_000).default(50_000_000),
			/** Longest a query may take, waiting included; a request's `timeout` can only shorten it (--query.timeout). */
			timeout: zDuration({ min: 100, max: 3_600_000 }).default(120_000),
			/** Queries evaluated at once (--query.max-concurrency). */
			maxConcurrent: z.number().int().min(1).max(1000).default(4),
			/** Queries that may wait for a turn; more are refused (503). */
			maxQueued: z.number().int().min(0).max(10_000).default(16),
			/** Worker threads that evaluate queries; 0 evaluates them on the main event loop. Default: 2, or 1 on a 1-core machine. */
			workers: z.number().int().min(0).max(64).optional()
		})
		.prefault({}),
	shutdown: z
		.strictObject({
			/** How long a stop may take before the process exits anyway. */
			timeout: zDuration({ min: 1000, max: 60_000 }).default(10_000)
		})
		.prefault({}),
	collectors: z
		.array(collectorConfig)
		.default([])
		.superRefine((list, ctx) => {
			const seen = new Map<string, number>();
			list.forEach((c, i) => {
				const first = seen.get(c.name);
				if (first !== undefined) {
					ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate name "${c.name}" (also collectors[${first}])` });
				} else seen.set(c.name, i);
			});
		})
});

export const vigilConfig = z.preprocess(
	expandReferences,
	configObject.superRefine((c, ctx) => {
		if (c.redis.url && c.redis.cluster) {
			ctx.addIssue({
				code: 'custom',
				path: ['redis', 'cluster', 'nodes'],
				message: 'is set together with redis.url (or REDIS_URL): set redis.cluster.nodes (REDIS_CLUSTER_NODES) for a Redis Cluster, or redis.url for one Redis, not both'
			});
		}
		if (c.demoShop.enabled && c.demoShop.port === c.server.port) {
			ctx.addIssue({
				code: 'custom',
				path: ['demoShop', 'port'],
				message: `is ${c.server.port}, Vigil's own port (server.port, or PORT) too: give the demo shop another one (demoShop.port, or VIGIL_DEMO_SHOP_PORT)`
			});
		}
	})
);

export type VigilConfig = z.output<typeof vigilConfig>;

/** The names of the config's boards (the board `default` always exists besides). */
export function boardNamesOf(config: Pick<VigilConfig, 'wall'>): string[] {
	return config.wall.boards.map((b) => b.name);
}

/** What every wall screen is told: see WallSettings. */
export function wallSettingsOf(config: Pick<VigilConfig, 'wall'>): WallSettings {
	return { reloadAt: config.wall.reloadAt === 'off' ? null : config.wall.reloadAt };
}

export interface ConfigSources {
	env?: NodeJS.ProcessEnv;
	/** From the command line: `--roles`. */
	roles?: string;
}

function splitList(text: string): string[] {
	return text
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
}

/** Environment and command-line values, applied over the file before validation. */
export function overridesFrom({ env = {}, roles }: ConfigSources): Override[] {
	const out: Override[] = [];
	if (env.REDIS_URL) out.push({ path: ['redis', 'url'], value: env.REDIS_URL, source: 'REDIS_URL' });
	if (env.REDIS_CLUSTER_NODES) out.push({ path: ['redis', 'cluster', 'nodes'], value: splitSeeds(env.REDIS_CLUSTER_NODES), source: 'REDIS_CLUSTER_NODES' });
	if (env.REDIS_CLUSTER_PASSWORD) out.push({ path: ['redis', 'cluster', 'password'], value: env.REDIS_CLUSTER_PASSWORD, source: 'REDIS_CLUSTER_PASSWORD' });
	if (env.PORT) {
		const n = Number(env.PORT);
		out.push({ path: ['server', 'port'], value: /^\d+$/.test(env.PORT) ? n : env.PORT, source: 'PORT' });
	}
	if (env.HOST) out.push({ path: ['server', 'host'], value: env.HOST, source: 'HOST' });
	if (env.VIGIL_DEMO_SHOP_PORT) {
		const v = env.VIGIL_DEMO_SHOP_PORT;
		out.push({ path: ['demoShop', 'port'], value: /^\d+$/.test(v) ? Number(v) : v, source: 'VIGIL_DEMO_SHOP_PORT' });
	}
	if (env.ORIGIN) out.push({ path: ['server', 'origin'], value: env.ORIGIN, source: 'ORIGIN' });
	if (roles !== undefined) out.push({ path: ['roles'], value: splitList(roles), source: '--roles' });
	else if (env.VIGIL_ROLES) out.push({ path: ['roles'], value: splitList(env.VIGIL_ROLES), source: 'VIGIL_ROLES' });
	return out;
}

export function parseConfig(text: string, sources: ConfigSources = {}): Validated<VigilConfig> {
	return validateYaml(text, vigilConfig, overridesFrom(sources));
}

export function loadConfig(file: string, sources: ConfigSources = {}): Promise<Validated<VigilConfig>> {
	return loadYamlFile(file, vigilConfig, overridesFrom(sources));
}

/**
 * Which config file to read: `--config`, else VIGIL_CONFIG, else ./vigil.config.yaml in the working
 * directory, else the demo config shipped with Vigil.
 */
export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string, packageRoot: string): string {
	if (flag) return resolve(cwd, flag);
	if (env.VIGIL_CONFIG) return resolve(cwd, env.VIGIL_CONFIG);
	const local = join(cwd, 'vigil.config.yaml');
	return existsSync(local) ? local : join(packageRoot, 'vigil.config.yaml');
}
