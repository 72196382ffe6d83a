/**
 * The demo shop's Prometheus metrics, on a registry of its own (never prom-client's global one),
 * with the default Node metrics beside them. Moving-window gauges (orders per minute, failure
 * ratio) and the customer-service gauges are computed when scraped.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { MERCHANTS, ORDER_OUTCOMES, type Merchant, type OrderOutcome } from './merchants';
import { CHANNELS, QUEUES, type Channel, type QueueName } from './model';
import { SERVICES } from './scenarios';
import { MovingWindow } from './window';

export interface RequestLabels {
	/** One of the four services, or `shop` for /metrics, /scenario and unknown paths. */
	service: string;
	route: string;
	method: string;
	code: number;
}

export interface CustomerServiceSnapshot {
	open: number;
	oldestUnansweredSeconds: number;
	oldestOpenSeconds: number;
	satisfaction: number;
}

export interface ShopMetrics {
	registry: Registry;
	request(labels: RequestLabels, seconds: number): void;
	order(channel: Channel): void;
	/** A confirmed order of a merchant, by how it ended. */
	merchantOrder(merchant: Merchant, outcome: OrderOutcome): void;
	paymentFailure(): void;
	queueDepth(queue: QueueName, depth: number): void;
	firstResponse(seconds: number): void;
}

export interface ShopMetricsOptions {
	customerService(): CustomerServiceSnapshot;
	now?: () => number;
}

const FAILURE_WINDOW_SECONDS = 300;
const shopServices: ReadonlySet<string> = new Set(SERVICES);

type Registers = Registry[];

export function createShopMetrics(options: ShopMetricsOptions): ShopMetrics {
	const now = options.now ?? Date.now;
	const registry = new Registry();
	collectDefaultMetrics({ register: registry });
	const registers = [registry];
	return {
		registry,
		...orderMetrics(registers, now),
		...requestMetrics(registers, now),
		...queueMetrics(registers),
		...customerServiceMetrics(registers, options.customerService)
	};
}

/** Every request's duration, and the shop services' failure ratio over a moving window. */
function requestMetrics(registers: Registers, now: () => number): Pick<ShopMetrics, 'request'> {
	const requests = new MovingWindow(FAILURE_WINDOW_SECONDS);
	const failures = new MovingWindow(FAILURE_WINDOW_SECONDS);
	const duration = new Histogram({
		name: 'http_request_duration_seconds',
		help: 'Time to answer an HTTP request, real or simulated, by service, route, method and status code.',
		labelNames: ['service', 'route', 'method', 'code'],
		buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
		registers
	});
	new Gauge({
		name: 'system_failure_ratio',
		help: 'Failed requests (5xx) / all requests to the shop services over the last 5 minutes (target below 0.001).',
		registers,
		collect() {
			const t = now();
			const all = requests.sum(t);
			this.set(all === 0 ? 0 : failures.sum(t) / all);
		}
	});
	return {
		request(labels, seconds) {
			duration.observe({ service: labels.service, route: labels.route, method: labels.method, code: String(labels.code) }, seconds);
			if (!shopServices.has(labels.service)) return;
			const t = now();
			requests.add(1, t);
			if (labels.code >= 500) failures.add(1, t);
		}
	};
}

/** Confirmed orders by channel and by merchant, orders per minute, and failed payments. */
function orderMetrics(registers: Registers, now: () => number): Pick<ShopMetrics, 'order' | 'merchantOrder' | 'paymentFailure'> {
	const orders = new MovingWindow(60);
	const ordersTotal = new Counter({
		name: 'shop_orders_total',
		help: 'Orders confirmed by checkout, by sales channel.',
		labelNames: ['channel'],
		registers
	});
	for (const channel of CHANNELS) ordersTotal.inc({ channel }, 0);
	// A counter of its own: shop_orders_total counts confirmed orders by channel, which rules and
	// boards already read; adding merchant and outcome labels to it would change what they sum.
	const merchantOrders = new Counter({
		name: 'shop_merchant_orders_total',
		help: 'Confirmed orders by merchant and by how they ended: completed, failed (not delivered) or cancelled.',
		labelNames: ['merchant', 'outcome'],
		registers
	});
	for (const merchant of MERCHANTS) for (const outcome of ORDER_OUTCOMES) merchantOrders.inc({ merchant, outcome }, 0);
	new Gauge({
		name: 'shop_orders_per_minute',
		help: 'Orders confirmed over the last 60 seconds (a moving window).',
		registers,
		collect() {
			this.set(orders.sum(now()));
		}
	});
	const paymentFailures = new Counter({
		name: 'shop_payment_failures_total',
		help: 'Payments that failed (the payments service answered with an error).',
		registers
	});
	return {
		order(channel) {
			ordersTotal.inc({ channel });
			orders.add(1, now());
		},
		merchantOrder(merchant, outcome) {
			merchantOrders.inc({ merchant, outcome });
		},
		paymentFailure() {
			paymentFailures.inc();
		}
	};
}

function queueMetrics(registers: Registers): Pick<ShopMetrics, 'queueDepth'> {
	const depth = new Gauge({
		name: 'shop_queue_depth',
		help: 'Jobs not finished yet in a BullMQ queue: waiting (incl. paused) + prioritized + delayed + active.',
		labelNames: ['queue'],
		registers
	});
	for (const queue of QUEUES) depth.set({ queue }, 0);
	return {
		queueDepth(queue, value) {
			depth.set({ queue }, value);
		}
	};
}

/** Customer service: first-response times, and the open complaints, their ages and satisfaction read when scraped. */
function customerServiceMetrics(registers: Registers, customerService: () => CustomerServiceSnapshot): Pick<ShopMetrics, 'firstResponse'> {
	const firstResponse = new Histogram({
		name: 'cs_first_response_seconds',
		help: 'Time from a complaint to the first answer of customer service (target: within 300 s).',
		buckets: [30, 60, 120, 300, 600, 1800, 3600],
		registers
	});
	new Gauge({
		name: 'complaints_open',
		help: 'Complaints not resolved yet.',
		registers,
		collect() {
			this.set(customerService().open);
		}
	});
	new Gauge({
		name: 'complaint_age_seconds',
		help: 'Age of the oldest complaint: stage "unanswered" has no answer yet (target 24 h), "open" is not resolved (target 48 h).',
		labelNames: ['stage'],
		registers,
		collect() {
			const cs = customerService();
			this.set({ stage: 'unanswered' }, cs.oldestUnansweredSeconds);
			this.set({ stage: 'open' }, cs.oldestOpenSeconds);
		}
	});
	new Gauge({
		name: 'satisfaction_ratio',
		help: 'Share of satisfied customers among the recent ratings of customer service, 0..1 (target at least 0.9).',
		registers,
		collect() {
			this.set(customerService().satisfaction);
		}
	});
	return {
		firstResponse(seconds) {
			firstResponse.observe(seconds);
		}
	};
}
