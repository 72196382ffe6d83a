/**
 * The demo shop's request handling, independent of node:http: the four services (storefront,
 * search, checkout, payments) with their health endpoints, /metrics and /scenario. Real requests
 * (server.ts) and simulated ones (traffic.ts) both go through `handle`, which times every request
 * into `http_request_duration_seconds`; checkout calls payments through it too.
 */
import { z } from 'zod';
import { orderOutcome, pickMerchant } from './merchants';
import type { ShopMetrics } from './metrics';
import { CHANNELS, PAYMENT_METHODS, type ComplaintReason, type OrderJob } from './model';
import { jittered, type Random } from './random';
import { effectsOf, SCENARIOS, type Scenario, type Service } from './scenarios';

export interface ShopRequest {
	method: string;
	/** The path without the query string. */
	path: string;
	query?: URLSearchParams;
	/** The raw request body, if any. */
	body?: string;
	/** The server stopped reading a body over its size limit. */
	bodyTooLarge?: boolean;
}

export interface ShopResponse {
	status: number;
	contentType: string;
	body: string;
	headers?: Record<string, string>;
}

export type ShopHandler = (request: ShopRequest) => Promise<ShopResponse>;

export interface ShopHandlerOptions {
	scenario(): Scenario;
	setScenario(scenario: Scenario): void;
	metrics: ShopMetrics;
	random: Random;
	/** Waits out a simulated latency; stop() cuts these short. */
	sleep(ms: number): Promise<void>;
	/** A confirmed order, to be queued for fulfilment. */
	onOrder(order: OrderJob): void;
	/** A customer complains, to be queued for customer service. */
	onComplaint(reason: ComplaintReason, orderId?: string): void;
}

/** Median latency of each service when all is well, in ms. */
const BASE_LATENCY_MS: Record<Service, number> = { storefront: 40, search: 120, checkout: 300, payments: 150 };
const MAX_LATENCY_MS = 15_000;
/** Payments fail now and then even on a good day, well under the 0.1 % failure target. */
const PAYMENT_GLITCH_RATE = 0.0002;
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

const CATALOG = [
	{ id: 'p-100', name: 'Trail running shoes', price: 119 },
	{ id: 'p-101', name: 'Rain jacket', price: 89 },
	{ id: 'p-102', name: 'Merino wool socks', price: 15 },
	{ id: 'p-103', name: 'Hiking backpack 30 l', price: 74 },
	{ id: 'p-104', name: 'Insulated water bottle', price: 25 },
	{ id: 'p-105', name: 'Headlamp', price: 35 },
	{ id: 'p-106', name: 'Running shorts', price: 39 },
	{ id: 'p-107', name: 'Wool beanie', price: 22 },
	{ id: 'p-108', name: 'Camping stove', price: 59 },
	{ id: 'p-109', name: 'Sleeping bag', price: 149 },
	{ id: 'p-110', name: 'Trekking poles', price: 65 },
	{ id: 'p-111', name: 'Sunglasses', price: 45 }
];
const AVERAGE_PRICE = Math.round(CATALOG.reduce((sum, p) => sum + p.price, 0) / CATALOG.length);

const STOREFRONT_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Demo Shop</title></head>
<body>
<h1>Demo Shop</h1>
<p>Outdoor gear, simulated. This shop exists so that Vigil has something to watch.</p>
<ul>
${CATALOG.map((p) => `<li>${p.name}: ${p.price} EUR</li>`).join('\n')}
</ul>
</body>
</html>
`;

const checkoutBody = z.object({
	channel: z.enum(CHANNELS).default('web'),
	payment: z.enum(PAYMENT_METHODS).default('card'),
	items: z.number().int().min(1).max(50).default(1)
});
const paymentBody = z.object({
	orderId: z.string().max(100).optional(),
	amount: z.number().nonnegative().max(1_000_000).optional()
});
const scenarioBody = z.object({ scenario: z.enum(SCENARIOS) });

function json(status: number, value: unknown, headers?: Record<string, string>): ShopResponse {
	return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(value), headers };
}

type Parsed<T> = { ok: true; value: T } | { ok: false; response: ShopResponse };

/** Parses a JSON body (empty means `{}`) with a zod schema; a 400 naming the field otherwise. */
function parseBody<T>(schema: z.ZodType<T>, body: string | undefined): Parsed<T> {
	let raw: unknown = {};
	if (body !== undefined && body.trim() !== '') {
		try {
			raw = JSON.parse(body);
		} catch {
			return { ok: false, response: json(400, { error: 'the body is not valid JSON' }) };
		}
	}
	const r = schema.safeParse(raw);
	if (r.success) return { ok: true, value: r.data };
	const issue = r.error.issues[0];
	const field = issue && issue.path.length > 0 ? issue.path.join('.') : undefined;
	return { ok: false, response: json(400, { error: field ? `${field}: ${issue?.message}` : (issue?.message ?? 'invalid body'), field }) };
}

interface Route {
	service: Service | 'shop';
	methods: readonly string[];
	run(request: ShopRequest): Promise<ShopResponse>;
}

const paymentsDown = (): ShopResponse => json(503, { status: 'down', error: 'the payment provider is unavailable' });

/** The shop's services, each route a method; `handle` times every request. */
class Shop {
	private sequence = 0;
	private readonly routes = this.routeTable();

	constructor(private readonly options: ShopHandlerOptions) {}

	async handle(request: ShopRequest): Promise<ShopResponse> {
		const started = performance.now();
		const path = request.path.length > 1 ? request.path.replace(/\/+$/, '') : request.path;
		const method = request.method.toUpperCase();
		const route = this.routes.get(path);
		const response = await this.respond(route, { ...request, method, path });
		this.options.metrics.request(
			{
				service: route?.service ?? 'shop',
				route: route ? path : 'unmatched',
				method: KNOWN_METHODS.has(method) ? method : 'OTHER',
				code: response.status
			},
			(performance.now() - started) / 1000
		);
		return response;
	}

	/** The route's answer, or the refusal of a missing route, a method it does not take or a body too large. */
	private async respond(route: Route | undefined, request: ShopRequest): Promise<ShopResponse> {
		const { method } = request;
		if (!route) return json(404, { error: 'not found', path: request.path });
		if (!route.methods.includes(method) && !(method === 'HEAD' && route.methods.includes('GET'))) {
			return json(405, { error: `method ${method} not allowed`, allowed: route.methods }, { allow: route.methods.join(', ') });
		}
		if (request.bodyTooLarge) return json(413, { error: 'the body is too large' });
		try {
			return await route.run(request);
		} catch {
			return json(500, { error: 'internal error' });
		}
	}

	private routeTable(): Map<string, Route> {
		const route = (service: Route['service'], methods: readonly string[], run: Route['run']): Route => ({ service, methods, run });
		const healthy = async () => json(200, { status: 'ok' });
		return new Map<string, Route>([
			['/', route('shop', ['GET'], async () => json(200, { name: 'demo-shop', endpoints: [...this.routes.keys()] }))],
			['/storefront', route('storefront', ['GET'], () => this.storefront())],
			['/storefront/health', route('storefront', ['GET'], healthy)],
			['/search', route('search', ['GET'], (request) => this.search(request))],
			['/search/health', route('search', ['GET'], healthy)],
			['/checkout', route('checkout', ['POST'], (request) => this.checkout(request))],
			['/checkout/health', route('checkout', ['GET'], async () => (this.effects().checkoutDown ? this.checkoutUnavailable() : healthy()))],
			['/payments', route('payments', ['POST'], (request) => this.payments(request))],
			['/payments/health', route('payments', ['GET'], async () => (this.effects().paymentsDown ? paymentsDown() : healthy()))],
			['/metrics', route('shop', ['GET'], () => this.metricsText())],
			['/scenario', route('shop', ['GET', 'POST'], (request) => this.scenario(request))]
		]);
	}

	private effects() {
		return effectsOf(this.options.scenario());
	}

	private newId(prefix: string): string {
		return `${prefix}-${Date.now().toString(36)}-${(++this.sequence).toString(36)}`;
	}

	private latency(service: Service): Promise<void> {
		const { random, sleep } = this.options;
		return sleep(Math.min(MAX_LATENCY_MS, jittered(BASE_LATENCY_MS[service] * this.effects().latency[service], random)));
	}

	private async storefront(): Promise<ShopResponse> {
		await this.latency('storefront');
		return { status: 200, contentType: 'text/html; charset=utf-8', body: STOREFRONT_HTML };
	}

	private async search(request: ShopRequest): Promise<ShopResponse> {
		const q = (request.query?.get('q') ?? '').trim().slice(0, 100);
		await this.latency('search');
		const needle = q.toLowerCase();
		const results = CATALOG.filter((p) => p.name.toLowerCase().includes(needle)).slice(0, 10);
		return json(200, { query: q, total: results.length, results });
	}

	private checkoutUnavailable(): ShopResponse {
		return json(500, { status: 'error', error: 'checkout is unavailable' });
	}

	/** Checkout refuses a request while it is down, and now and then the customer complains. */
	private checkoutDown(): ShopResponse {
		if (this.options.random() < 0.05) this.options.onComplaint('checkout-failed');
		return this.checkoutUnavailable();
	}

	private async checkout(request: ShopRequest): Promise<ShopResponse> {
		const { random } = this.options;
		if (this.effects().checkoutDown) return this.checkoutDown();
		const parsed = parseBody(checkoutBody, request.body);
		if (!parsed.ok) return parsed.response;
		const { channel, payment, items } = parsed.value;
		await this.latency('checkout');
		// Checkout may have gone down while this request was being handled.
		if (this.effects().checkoutDown) return this.checkoutDown();
		const orderId = this.newId('o');
		const total = Math.round(items * AVERAGE_PRICE * (0.5 + random()));
		if (payment === 'card') {
			const paid = await this.handle({ method: 'POST', path: '/payments', body: JSON.stringify({ orderId, amount: total }) });
			if (paid.status !== 200) {
				if (random() < 0.15) this.options.onComplaint('payment-failed', orderId);
				return json(502, { status: 'failed', orderId, error: 'the payment failed' });
			}
		}
		if (this.effects().checkoutDown) return this.checkoutDown();
		this.confirm({ orderId, channel, items, total });
		return json(200, { status: 'confirmed', orderId, channel, items, total, payment });
	}

	/** A paid order: counted, given a merchant and its outcome, queued, and now and then complained about. */
	private confirm(order: OrderJob): void {
		const { metrics, random } = this.options;
		metrics.order(order.channel);
		const merchant = pickMerchant(random);
		metrics.merchantOrder(merchant, orderOutcome(merchant, random));
		this.options.onOrder(order);
		const e = this.effects();
		if (random() < e.complaintRate) this.options.onComplaint(e.latency.checkout > 1 ? 'slow-site' : 'order', order.orderId);
	}

	private async payments(request: ShopRequest): Promise<ShopResponse> {
		const { metrics, random } = this.options;
		const parsed = parseBody(paymentBody, request.body);
		if (!parsed.ok) return parsed.response;
		await this.latency('payments');
		if (this.effects().paymentsDown) {
			metrics.paymentFailure();
			return json(503, { status: 'failed', error: 'the payment provider is unavailable' });
		}
		if (random() < PAYMENT_GLITCH_RATE) {
			metrics.paymentFailure();
			return json(502, { status: 'failed', error: 'the payment provider answered with an error' });
		}
		return json(200, { status: 'approved', paymentId: this.newId('pay'), orderId: parsed.value.orderId ?? null });
	}

	private async metricsText(): Promise<ShopResponse> {
		const { registry } = this.options.metrics;
		return { status: 200, contentType: registry.contentType, body: await registry.metrics() };
	}

	private async scenario(request: ShopRequest): Promise<ShopResponse> {
		if (request.method === 'POST') {
			const parsed = parseBody(scenarioBody, request.body);
			if (!parsed.ok) {
				return json(400, { error: `"scenario" must be one of: ${SCENARIOS.join(', ')}`, field: 'scenario', valid: SCENARIOS });
			}
			this.options.setScenario(parsed.value.scenario);
		}
		return json(200, { scenario: this.options.scenario(), scenarios: SCENARIOS });
	}
}

export function createShopHandler(options: ShopHandlerOptions): ShopHandler {
	const shop = new Shop(options);
	return (request) => shop.handle(request);
}
