/**
 * The demo shop's scenarios and what each one changes: service latency, health, failures, the
 * simulated traffic and the speed of the queue workers. Pure data; the other modules read the
 * effects of the current scenario on every request, tick or job step, so a switch shows at once.
 */

export const SCENARIOS = ['normal', 'latency-spike', 'payment-outage', 'queue-backlog', 'checkout-down', 'flash-sale'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const SERVICES = ['storefront', 'search', 'checkout', 'payments'] as const;
export type Service = (typeof SERVICES)[number];

export interface ScenarioEffects {
	/** Multiplier on each service's normal latency. */
	latency: Record<Service, number>;
	/** Payments answer 503 (and `/payments/health` too); checkouts paid by card fail. */
	paymentsDown: boolean;
	/** Checkout answers 500 at once (and `/checkout/health` too). */
	checkoutDown: boolean;
	/** Multipliers on the simulated request rates. */
	traffic: { browse: number; search: number; checkout: number };
	/** The daily traffic curve never drops below this factor (a flash sale ignores the night). */
	minDayFactor: number;
	/** How fast the order and ticket workers get through their work, relative to normal. */
	workerRate: number;
	/** Multiplier on the time one order job takes. */
	orderWork: number;
	/** Chance that a confirmed order leads to a complaint (a ticket job). */
	complaintRate: number;
}

const NORMAL: ScenarioEffects = {
	latency: { storefront: 1, search: 1, checkout: 1, payments: 1 },
	paymentsDown: false,
	checkoutDown: false,
	traffic: { browse: 1, search: 1, checkout: 1 },
	minDayFactor: 0,
	workerRate: 1,
	orderWork: 1,
	complaintRate: 0.03
};

const EFFECTS: Record<Scenario, ScenarioEffects> = {
	normal: NORMAL,
	'latency-spike': { ...NORMAL, latency: { ...NORMAL.latency, search: 10, checkout: 10 }, complaintRate: 0.06 },
	'payment-outage': { ...NORMAL, latency: { ...NORMAL.latency, payments: 2 }, paymentsDown: true },
	'queue-backlog': { ...NORMAL, workerRate: 0.005 },
	'checkout-down': { ...NORMAL, checkoutDown: true },
	'flash-sale': {
		...NORMAL,
		latency: { storefront: 2, search: 2, checkout: 2.5, payments: 1.5 },
		traffic: { browse: 3, search: 3, checkout: 5 },
		minDayFactor: 0.8,
		orderWork: 2,
		complaintRate: 0.04
	}
};

export function effectsOf(scenario: Scenario): ScenarioEffects {
	return EFFECTS[scenario];
}

export function isScenario(value: unknown): value is Scenario {
	return typeof value === 'string' && (SCENARIOS as readonly string[]).includes(value);
}
