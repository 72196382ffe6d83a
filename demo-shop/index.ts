/**
 * The demo shop: a small simulated e-commerce backend that Vigil watches in its demo and in tests.
 * Four services on one HTTP server, its own Prometheus metrics, real BullMQ queues on Redis, a
 * load generator that follows the time of day, and scenarios that break things on demand.
 * This file wires the parts; see scenarios.ts for what each scenario does.
 */
import { z } from 'zod';
import type { Logger } from '../src/lib/server/log';
import { createCustomerService, type CustomerService } from './customer-service';
import { startHelpdesk, type HelpdeskFeed } from './helpdesk-feed';
import { createShopHandler, type ShopHandler } from './handlers';
import { createShopMetrics, type ShopMetrics } from './metrics';
import type { ComplaintReason } from './model';
import { createShopQueues, type ShopQueuesOptions } from './queues';
import { effectsOf, isScenario, SCENARIOS, type Scenario } from './scenarios';
import { startShopServer } from './server';
import { startMirrors } from './mirrors';
import { createSleeper } from './sleeper';
import { startTraffic } from './traffic';

export { SCENARIOS, type Scenario };

export interface DemoShopOptions {
	/** 0 = any free port. */
	port: number;
	/** @defaultValue '127.0.0.1' */
	host?: string;
	/** Redis for the BullMQ queues. */
	redisUrl: string;
	/**
	 * BullMQ key prefix (keys look like `demo-shop:orders:wait`).
	 * @defaultValue 'demo-shop'
	 */
	queuePrefix?: string;
	/** @defaultValue 'normal' */
	scenario?: Scenario;
	/**
	 * Multiplies the simulated traffic (tests use e.g. 20 to see effects in seconds).
	 * @defaultValue 1
	 */
	speed?: number;
	log?: Logger;
	/**
	 * Injectable randomness for tests.
	 * @defaultValue Math.random
	 */
	random?: () => number;
	/** When reachable, orders are also copied to a PostgreSQL table (for the sql source). */
	postgresUrl?: string;
	/** When reachable, each order also sends a RabbitMQ notification (for the rabbitmq source). */
	amqpUrl?: string;
	/**
	 * Vigil's Redis key prefix: when given, the shop's helpdesk writes its tickets into Vigil's ticket
	 * store on `redisUrl` (where the demo's `tickets` collector derives its series from).
	 */
	ticketStorePrefix?: string;
}

export interface DemoShop {
	/** e.g. http://127.0.0.1:43123 */
	url: string;
	scenario(): Scenario;
	setScenario(s: Scenario): void;
	/** Stops traffic, workers, queues and server, and closes its Redis connections; within about 3 s. */
	stop(): Promise<void>;
}

const optionsSchema = z.object({
	port: z.number().int().min(0).max(65_535),
	host: z.string().min(1).default('127.0.0.1'),
	redisUrl: z.string().min(1),
	queuePrefix: z.string().min(1).regex(/^[^:]/, 'must not start with ":"').default('demo-shop'),
	scenario: z.enum(SCENARIOS).default('normal'),
	speed: z.number().positive().max(1000).default(1)
});

function validOptions(options: DemoShopOptions): z.infer<typeof optionsSchema> {
	const parsed = optionsSchema.safeParse(options);
	if (parsed.success) return parsed.data;
	const issue = parsed.error.issues[0];
	throw new Error(`invalid demo shop option ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
}

/**
 * What the queues report: their depths to the metrics; a complaint's ticket queued and answered to
 * customer service and the helpdesk.
 */
function queueListeners(
	metrics: ShopMetrics,
	customerService: CustomerService,
	helpdesk: HelpdeskFeed | undefined
): Pick<ShopQueuesOptions, 'onDepth' | 'onTicketQueued' | 'onTicketAnswered'> {
	return {
		onDepth: (queue, depth) => metrics.queueDepth(queue, depth),
		onTicketQueued: (ticket, createdAt) => {
			customerService.opened(ticket.complaintId, createdAt);
			helpdesk?.complaint(ticket.complaintId, ticket.reason, createdAt);
		},
		onTicketAnswered: (ticket, createdAt) => {
			helpdesk?.answered(ticket.complaintId);
			metrics.firstResponse(customerService.answered({ complaintId: ticket.complaintId, reason: ticket.reason, openedAt: createdAt }));
		}
	};
}

export async function startDemoShop(options: DemoShopOptions): Promise<DemoShop> {
	const parsed = validOptions(options);
	const { port, host, redisUrl, queuePrefix, speed } = parsed;
	const random = options.random ?? Math.random;
	const log = options.log?.child({ component: 'demo-shop' });
	let current: Scenario = parsed.scenario;
	const effects = () => effectsOf(current);
	const setScenario = (next: Scenario) => {
		if (next === current) return;
		log?.info({ from: current, to: next }, 'demo shop scenario changed');
		current = next;
	};

	// The port first: a port in use fails the start before any Redis connection is opened (whose
	// closing would only add noise after the error that matters).
	let handle: ShopHandler | undefined;
	const server = await startShopServer(
		async (request) => (handle ? handle(request) : { status: 503, contentType: 'application/json; charset=utf-8', body: '{"error":"starting"}' }),
		{ port, host, log }
	);

	const sleeper = createSleeper();
	const helpdesk = options.ticketStorePrefix === undefined ? undefined : startHelpdesk({ redisUrl, prefix: options.ticketStorePrefix, postgresUrl: options.postgresUrl, random, speed, effects, log });
	const customerService = createCustomerService({ random, speed });
	const metrics = createShopMetrics({ customerService: () => customerService.snapshot() });
	const queues = createShopQueues({
		redisUrl,
		prefix: queuePrefix,
		speed,
		random,
		effects,
		sleeper,
		log,
		...queueListeners(metrics, customerService, helpdesk)
	});
	const mirrors = startMirrors({ postgresUrl: options.postgresUrl, amqpUrl: options.amqpUrl, workerRate: () => effects().workerRate, log });
	let complaints = 0;
	handle = createShopHandler({
		scenario: () => current,
		setScenario,
		metrics,
		random,
		sleep: (ms) => sleeper.sleep(ms),
		onOrder: (order) => {
			queues.addOrder(order);
			mirrors.order(order);
		},
		onComplaint: (reason: ComplaintReason, orderId?: string) => {
			queues.addTicket({ complaintId: `c-${Date.now().toString(36)}-${(++complaints).toString(36)}`, reason, orderId });
		}
	});

	const traffic = startTraffic({ handle, effects, speed, random });
	log?.info({ url: server.url, scenario: current, speed, queuePrefix }, 'demo shop started');

	const shopServer = server;
	let stopping: Promise<void> | undefined;
	const stop = async () => {
		traffic.stop();
		sleeper.cancelAll();
		await Promise.allSettled([shopServer.close(), queues.close(), mirrors.close(), helpdesk?.stop()]);
		metrics.registry.clear();
		log?.info('demo shop stopped');
	};

	return {
		url: server.url,
		scenario: () => current,
		setScenario(s) {
			if (!isScenario(s)) throw new Error(`unknown scenario "${String(s)}"; expected one of ${SCENARIOS.join(', ')}`);
			setScenario(s);
		},
		stop() {
			stopping ??= stop();
			return stopping;
		}
	};
}
