/**
 * Vigil's HTTP client for every outgoing request (probes, scrapes, webhooks, Slack), on
 * node:http(s): it times each phase of a request (DNS, connect, TLS, first byte), reads the TLS
 * certificate's expiry, follows redirects itself, and applies the address policy
 * (address-policy.ts) to every address it connects to, on every hop. Only http: and https:.
 *
 * The policy is applied where the connection is made, not to the URL's text: an IP host is judged
 * in its normal form before connecting; a name is resolved here (every address it resolves to is
 * judged, and the connection is pinned to them, so a second DNS answer cannot differ); and once
 * connected, the socket's remote address is judged again before a byte is sent.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createGunzip } from 'node:zlib';
import { isLocalhostName, normalizeAddress, type AddressPolicy } from './address-policy';

export class BlockedAddressError extends Error {
	override name = 'BlockedAddressError';
}

/**
 * True for a BlockedAddressError. By name, not `instanceof`: the web server's routes and the
 * runtime come from two bundles, each with its own copy of the class.
 */
export function isBlockedAddressError(err: unknown): err is BlockedAddressError {
	return err instanceof Error && err.name === 'BlockedAddressError';
}

export class HttpClientError extends Error {
	override name = 'HttpClientError';
}

export interface HttpRequest {
	url: string;
	method?: string;
	headers?: Record<string, string>;
	body?: string;
	signal?: AbortSignal;
	policy: AddressPolicy;
	/** Redirects followed at most. Default 5; 0 returns the redirect itself. */
	maxRedirects?: number;
	/** Bytes of body read at most; more is an error. Default 10 MiB. */
	maxBodyBytes?: number;
	/** Accept gzip and inflate it (scrapes). Default false. */
	gzip?: boolean;
	/** Verify TLS certificates. Default true. */
	verifyTls?: boolean;
}

export interface Timings {
	/** Each phase in ms; absent when it did not happen (no DNS for an IP, no TLS for http). */
	dnsMs?: number;
	connectMs?: number;
	tlsMs?: number;
	firstByteMs: number;
	totalMs: number;
}

export interface HttpResponse {
	status: number;
	headers: IncomingMessage['headers'];
	body: string;
	/** The URL that answered, after redirects. */
	url: string;
	redirects: number;
	/** Of the last hop. */
	timings: Timings;
	/** When the last hop was TLS: the certificate's end of validity. */
	certificateValidTo?: Date;
}

/** RFC 6761: these names are loopback; they are never asked of DNS. */
const LOCALHOST: LookupAddress[] = [
	{ address: '127.0.0.1', family: 4 },
	{ address: '::1', family: 6 }
];

/**
 * net's `lookup` hook: resolves the name, judges every address it resolves to, and answers only
 * those (the connection is made to what was judged).
 */
function guardedLookup(policy: AddressPolicy) {
	return (hostname: string, options: { all?: boolean; family?: number } | number, callback: (...args: unknown[]) => void) => {
		const opts = typeof options === 'number' ? { family: options } : options;
		const family = opts.family === 4 || opts.family === 6 ? opts.family : 0;
		const done = (err: NodeJS.ErrnoException | null, found: LookupAddress[]) => {
			if (err) return callback(err);
			const addresses = found.filter((a) => family === 0 || a.family === family);
			if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: 'ENOTFOUND' }));
			for (const a of addresses) {
				const v = policy.check(a.address);
				if (!v.ok) return callback(new BlockedAddressError(`${hostname} resolves to ${v.reason}`));
			}
			if (opts.all) callback(null, addresses);
			else callback(null, addresses[0]!.address, addresses[0]!.family);
		};
		// Asynchronous, as DNS is: the socket's `lookup` event (the DNS phase) is listened for by then.
		if (isLocalhostName(hostname)) return void setImmediate(() => done(null, LOCALHOST));
		dnsLookup(hostname, { all: true, family }, (err, addresses: LookupAddress[]) => done(err, addresses));
	};
}

function once(req: HttpRequest, url: URL): Promise<{ res: IncomingMessage; body: string; timings: Timings; certificateValidTo?: Date }> {
	return new Promise((resolve, reject) => {
		const t0 = performance.now();
		const timings: Partial<Timings> = {};
		// The URL parser has already written IPv4 in its dotted form (2130706433, 0x7f.1 -> 127.0.0.1).
		const host = url.hostname.replace(/^\[|\]$/g, '');
		if (normalizeAddress(host)) {
			const v = req.policy.check(host);
			if (!v.ok) return reject(new BlockedAddressError(`${url.host}: ${v.reason}`));
		}
		const https = url.protocol === 'https:';
		const make = https ? httpsRequest : httpRequest;
		const headers: Record<string, string> = { 'user-agent': 'Vigil', ...(req.gzip ? { 'accept-encoding': 'gzip' } : {}), ...req.headers };
		const r = make(url, {
			method: req.method ?? 'GET',
			headers,
			agent: false,
			lookup: guardedLookup(req.policy) as never,
			rejectUnauthorized: req.verifyTls ?? true,
			signal: req.signal
		});
		let certificateValidTo: Date | undefined;
		r.on('socket', (socket: Socket) => {
			const judgePeer = () => {
				const remote = socket.remoteAddress;
				const v = remote === undefined ? { ok: false as const, reason: 'the connection has no remote address' } : req.policy.check(remote);
				if (!v.ok) socket.destroy(new BlockedAddressError(`${url.host} connected to ${v.reason}`));
			};
			// Before anything queued is written (prepended: runs ahead of the request's own write).
			if (socket.connecting) socket.prependOnceListener('connect', judgePeer);
			else judgePeer();
			socket.once('lookup', () => (timings.dnsMs = performance.now() - t0));
			socket.once('connect', () => (timings.connectMs = performance.now() - t0 - (timings.dnsMs ?? 0)));
			socket.once('secureConnect', () => {
				timings.tlsMs = performance.now() - t0 - (timings.dnsMs ?? 0) - (timings.connectMs ?? 0);
				const cert = (socket as TLSSocket).getPeerCertificate();
				if (cert?.valid_to) certificateValidTo = new Date(cert.valid_to);
			});
		});
		r.on('error', reject);
		r.on('response', (res) => {
			timings.firstByteMs = performance.now() - t0;
			const limit = req.maxBodyBytes ?? 10 * 1024 * 1024;
			let stream: NodeJS.ReadableStream = res;
			if (req.gzip && /\bgzip\b/i.test(String(res.headers['content-encoding'] ?? ''))) stream = res.pipe(createGunzip());
			const chunks: Buffer[] = [];
			let size = 0;
			stream.on('data', (c: Buffer) => {
				size += c.length;
				if (size > limit) {
					r.destroy(new HttpClientError(`response body larger than ${limit} bytes`));
					return;
				}
				chunks.push(c);
			});
			stream.on('error', reject);
			res.on('error', reject);
			stream.on('end', () => {
				timings.totalMs = performance.now() - t0;
				resolve({ res, body: Buffer.concat(chunks).toString('utf8'), timings: timings as Timings, certificateValidTo });
			});
		});
		if (req.body !== undefined) r.write(req.body);
		r.end();
	});
}

export async function httpRequestWithGuard(req: HttpRequest): Promise<HttpResponse> {
	let url: URL;
	try {
		url = new URL(req.url);
	} catch {
		throw new HttpClientError(`not a URL: ${JSON.stringify(req.url)}`);
	}
	const maxRedirects = req.maxRedirects ?? 5;
	let method = req.method ?? 'GET';
	let body = req.body;
	for (let hop = 0; ; hop++) {
		if (url.protocol !== 'http:' && url.protocol !== 'https:') {
			throw new HttpClientError(`only http: and https: URLs may be fetched, not ${url.protocol}`);
		}
		const { res, body: text, timings, certificateValidTo } = await once({ ...req, method, body }, url);
		const status = res.statusCode ?? 0;
		const location = res.headers.location;
		if (status >= 300 && status < 400 && location && hop < maxRedirects) {
			url = new URL(location, url);
			if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
				method = 'GET';
				body = undefined;
			}
			continue;
		}
		return { status, headers: res.headers, body: text, url: url.toString(), redirects: hop, timings, certificateValidTo };
	}
}
