/**
 * The simulated load on the demo shop: storefront views, searches and checkouts (which pay through
 * the payments service) at rates that follow the hour of the day, with slow noise, times `speed`
 * and the scenario's traffic factors. Every simulated request goes through the shop's own handler,
 * so it is timed and counted like a real one. One timer at a time; requests in flight are capped.
 */
import type { ShopHandler, ShopRequest } from './handlers';
import { CHANNELS, type Channel, type PaymentMethod } from './model';
import { gaussian, pick, poisson, type Random } from './random';
import type { ScenarioEffects } from './scenarios';

export interface TrafficOptions {
	handle: ShopHandler;
	effects(): ScenarioEffects;
	speed: number;
	random: Random;
	now?: () => number;
}

export interface Traffic {
	stop(): void;
}

/** Requests per second at speed 1 when the daily curve is at 1 (about lunch time). */
const BASE_RATE = { browse: 4, search: 2, checkout: 0.5 };
const TICK_MS = 250;
const MAX_IN_FLIGHT = 2000;
const CHANNEL_WEIGHTS = [0.55, 0.35, 0.1];
const SEARCH_TERMS = ['shoes', 'jacket', 'socks', 'backpack', 'bottle', 'headlamp', 'stove', 'sleeping bag', 'poles', 'tent'];

function bump(hour: number, center: number, width: number): number {
	const d = Math.abs(hour - center);
	const circular = Math.min(d, 24 - d);
	return Math.exp(-(circular * circular) / (2 * width * width));
}

/** The daily traffic curve at a local time: about 0.15 at night, 1.1 at lunch, 1.2 in the evening. */
export function dayFactor(date: Date): number {
	const hour = date.getHours() + date.getMinutes() / 60;
	return 0.15 + 0.85 * bump(hour, 12.5, 1.5) + 0.3 * bump(hour, 16, 2.5) + 1.0 * bump(hour, 20.5, 2);
}

export function startTraffic(options: TrafficOptions): Traffic {
	const { handle, random, speed } = options;
	const now = options.now ?? Date.now;
	let stopped = false;
	let timer: ReturnType<typeof setTimeout> | undefined;
	let inFlight = 0;
	let noise = 1;
	let last = now();

	const send = (request: ShopRequest) => {
		if (inFlight >= MAX_IN_FLIGHT) return;
		inFlight++;
		handle(request)
			.catch(() => undefined)
			.finally(() => inFlight--);
	};
	const checkoutBody = () => {
		const channel: Channel = pick(CHANNELS, CHANNEL_WEIGHTS, random);
		const payment: PaymentMethod = random() < 0.12 ? 'gift-card' : 'card';
		return JSON.stringify({ channel, payment, items: 1 + poisson(0.8, random) });
	};

	const tick = () => {
		if (stopped) return;
		const t = now();
		const seconds = Math.min(Math.max(t - last, 0), 5 * TICK_MS) / 1000;
		last = t;
		// Slow, mean-reverting noise: busier and quieter stretches of a few minutes.
		noise = Math.min(1.5, Math.max(0.6, noise + 0.02 * gaussian(random) - 0.01 * (noise - 1)));
		const e = options.effects();
		const load = Math.max(dayFactor(new Date(t)), e.minDayFactor) * noise * speed * seconds;
		for (let n = poisson(BASE_RATE.browse * e.traffic.browse * load, random); n > 0; n--) {
			send({ method: 'GET', path: '/storefront' });
		}
		for (let n = poisson(BASE_RATE.search * e.traffic.search * load, random); n > 0; n--) {
			const q = SEARCH_TERMS[Math.floor(random() * SEARCH_TERMS.length)] ?? '';
			send({ method: 'GET', path: '/search', query: new URLSearchParams({ q }) });
		}
		for (let n = poisson(BASE_RATE.checkout * e.traffic.checkout * load, random); n > 0; n--) {
			send({ method: 'POST', path: '/checkout', body: checkoutBody() });
		}
		timer = setTimeout(tick, TICK_MS);
	};
	timer = setTimeout(tick, TICK_MS);

	return {
		stop() {
			stopped = true;
			clearTimeout(timer);
		}
	};
}
