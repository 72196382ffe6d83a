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

export function createShopHandler(options: ShopHandlerOptions): ShopHandler {
	const { metrics, random, sleep } = options;
	const effects = () => effectsOf(options.scenario());
	let sequence = 0;
	const newId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(++sequence).toString(36)}`;
	const latency = (service: Service) =>
		sleep(Math.min(MAX_LATENCY_MS, jittered(BASE_LATENCY_MS[service] * effects().latency[service], random)));
	const healthy = () => json(200, { status: 'ok' });

	const checkoutDown = () => {
		if (random() < 0.05) options.onComplaint('checkout-failed');
		return json(500, { status: 'error', error: 'checkout is unavailable' });
	};

	const checkout = async (request: ShopRequest): Promise<ShopResponse> => {
		if (effects().checkoutDown) return checkoutDown();
		const parsed = parseBody(checkoutBody, request.body);
		if (!parsed.ok) return parsed.response;
		const { channel, payment, items } = parsed.value;
		await latency('checkout');
		// Checkout may have gone down while this request was being handled.
		if (effects().checkoutDown) return checkoutDown();
		const orderId = newId('o');
		const total = Math.round(items * AVERAGE_PRICE * (0.5 + random()));
		if (payment === 'card') {
			const paid = await handle({ method: 'POST', path: '/payments', body: JSON.stringify({ orderId, amount: total }) });
			if (paid.status !== 200) {
				if (random() < 0.15) options.onComplaint('payment-failed', orderId);
				return json(502, { status: 'failed', orderId, error: 'the payment failed' });
			}
		}
		if (effects().checkoutDown) return checkoutDown();
		metrics.order(channel);
		const merchant = pickMerchant(random);
		metrics.merchantOrder(merchant, orderOutcome(merchant, random));
		options.onOrder({ orderId, channel, items, total });
		const e = effects();
		if (random() < e.complaintRate) options.onComplaint(e.latency.checkout > 1 ? 'slow-site' : 'order', orderId);
		return json(200, { status: 'confirmed', orderId, channel, items, total, payment });
	};

	const payments = async (request: ShopRequest): Promise<ShopResponse> => {
		const parsed = parseBody(paymentBody, request.body);
		if (!parsed.ok) return parsed.response;
		await latency('payments');
		if (effects().paymentsDown) {
			metrics.paymentFailure();
			return json(503, { status: 'failed', error: 'the payment provider is unavailable' });
		}
		if (random() < PAYMENT_GLITCH_RATE) {
			metrics.paymentFailure();
			return json(502, { status: 'failed', error: 'the payment provider answered with an error' });
		}
		return json(200, { status: 'approved', paymentId: newId('pay'), orderId: parsed.value.orderId ?? null });
	};

	const routes: Map<string, Route> = new Map<string, Route>([
		[
			'/',
			{
				service: 'shop',
				methods: ['GET'],
				run: async () => json(200, { name: 'demo-shop', endpoints: [...routes.keys()] })
			}
		],
		[
			'/storefront',
			{
				service: 'storefront',
				methods: ['GET'],
				run: async () => {
					await latency('storefront');
					return { status: 200, contentType: 'text/html; charset=utf-8', body: STOREFRONT_HTML };
				}
			}
		],
		['/storefront/health', { service: 'storefront', methods: ['GET'], run: async () => healthy() }],
		[
			'/search',
			{
				service: 'search',
				methods: ['GET'],
				run: async (request) => {
					const q = (request.query?.get('q') ?? '').trim().slice(0, 100);
					await latency('search');
					const needle = q.toLowerCase();
					const results = CATALOG.filter((p) => p.name.toLowerCase().includes(needle)).slice(0, 10);
					return json(200, { query: q, total: results.length, results });
				}
			}
		],
		['/search/health', { service: 'search', methods: ['GET'], run: async () => healthy() }],
		['/checkout', { service: 'checkout', methods: ['POST'], run: checkout }],
		[
			'/checkout/health',
			{
				service: 'checkout',
				methods: ['GET'],
				run: async () => (effects().checkoutDown ? json(500, { status: 'error', error: 'checkout is unavailable' }) : healthy())
			}
		],
		['/payments', { service: 'payments', methods: ['POST'], run: payments }],
		[
			'/payments/health',
			{
				service: 'payments',
				methods: ['GET'],
				run: async () => (effects().paymentsDown ? json(503, { status: 'down', error: 'the payment provider is unavailable' }) : healthy())
			}
		],
		[
			'/metrics',
			{
				service: 'shop',
				methods: ['GET'],
				run: async () => ({ status: 200, contentType: metrics.registry.contentType, body: await metrics.registry.metrics() })
			}
		],
		[
			'/scenario',
			{
				service: 'shop',
				methods: ['GET', 'POST'],
				run: async (request) => {
					if (request.method === 'POST') {
						const parsed = parseBody(scenarioBody, request.body);
						if (!parsed.ok) {
							return json(400, {
								error: `"scenario" must be one of: ${SCENARIOS.join(', ')}`,
								field: 'scenario',
								valid: SCENARIOS
							});
						}
						options.setScenario(parsed.value.scenario);
					}
					return json(200, { scenario: options.scenario(), scenarios: SCENARIOS });
				}
			}
		]
	]);

	async function handle(request: ShopRequest): Promise<ShopResponse> {
		const started = performance.now();
		const path = request.path.length > 1 ? request.path.replace(/\/+$/, '') : request.path;
		const method = request.method.toUpperCase();
		const route = routes.get(path);
		let response: ShopResponse;
		if (!route) {
			response = json(404, { error: 'not found', path: request.path });
		} else if (!route.methods.includes(method) && !(method === 'HEAD' && route.methods.includes('GET'))) {
			response = json(405, { error: `method ${method} not allowed`, allowed: route.methods }, { allow: route.methods.join(', ') });
		} else if (request.bodyTooLarge) {
			response = json(413, { error: 'the body is too large' });
		} else {
			try {
				response = await route.run({ ...request, method, path });
			} catch {
				response = json(500, { error: 'internal error' });
			}
		}
		metrics.request(
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

	return handle;
}
