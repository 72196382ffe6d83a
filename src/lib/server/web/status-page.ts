/**
 * Serving the public status page (/status, /status.json): no session needed, so it is guarded
 * otherwise. It answers 404 unless the config's `status.enabled`; each client address (adapter-node's
 * rule, as client-address.ts describes) may make `status.requestsPerMinute` requests a minute (a
 * token bucket each, bursts of as many), beyond which it gets 429 with Retry-After; and the page is
 * computed once per `status.cacheSeconds` however many ask (ComputedOnce), and sent with
 * `Cache-Control: public, max-age=<cacheSeconds>`.
 */
import { ComputedOnce, loadStatusPage, type PublicStatusPage, type StatusSettings } from '../views/status';
import { TokenBucket } from './token-bucket';
import type { VigilContext } from './context';

/** Most client addresses remembered; the least recently seen is forgotten first (which only gives it a full bucket). */
const MAX_ADDRESSES = 10_000;

export class AddressRateLimiter {
	private readonly buckets = new Map<string, TokenBucket>();

	constructor(readonly perMinute: number) {}

	/** Takes one request of `address`: 0 when allowed, else the ms until one would be. */
	take(address: string, now = Date.now()): number {
		let b = this.buckets.get(address);
		if (b) this.buckets.delete(address);
		else {
			if (this.buckets.size >= MAX_ADDRESSES) this.buckets.delete(this.buckets.keys().next().value!);
			b = new TokenBucket(this.perMinute / 60, this.perMinute, now);
		}
		this.buckets.set(address, b);
		return b.take(now) ? 0 : Math.max(1, b.waitMs());
	}
}

export interface StatusServing {
	settings: StatusSettings;
	page: ComputedOnce<PublicStatusPage>;
	limiter: AddressRateLimiter;
	cacheControl: string;
}

/** One per settings object of the process (the context's `status`). */
const servings = new WeakMap<StatusSettings, StatusServing>();

/** The page's cache and limiter of the running process; null when the status page is off. */
export function statusServing(ctx: VigilContext): StatusServing | null {
	const settings = ctx.status;
	if (!settings?.enabled) return null;
	let s = servings.get(settings);
	if (!s) {
		s = {
			settings,
			page: new ComputedOnce(settings.cacheSeconds * 1000, (now) => loadStatusPage(ctx, settings, now)),
			limiter: new AddressRateLimiter(settings.requestsPerMinute),
			cacheControl: `public, max-age=${settings.cacheSeconds}`
		};
		servings.set(settings, s);
	}
	return s;
}

/** The status page's paths: the page, its JSON and the published quarterly reports (/status/reports/2026-Q4). */
export function isStatusPath(pathname: string): boolean {
	return pathname === '/status' || pathname === '/status/' || pathname === '/status.json' || pathname.startsWith('/status/reports/');
}

/**
 * What a request of a status page path is answered before its route runs: 404 when the page is
 * off, 429 (Retry-After in whole seconds) when its address is over the rate; null to go on.
 */
export function statusGate(ctx: VigilContext, address: string, now = Date.now()): Response | null {
	const serving = statusServing(ctx);
	if (!serving) return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });
	const waitMs = serving.limiter.take(address, now);
	if (waitMs <= 0) return null;
	const retry = Math.ceil(waitMs / 1000);
	return new Response(`Too many requests: at most ${serving.settings.requestsPerMinute} a minute from one address. Try again in ${retry} s.`, {
		status: 429,
		headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': String(retry), 'cache-control': 'no-store' }
	});
}
