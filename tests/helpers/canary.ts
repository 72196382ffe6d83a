/**
 * A loopback canary for the address policy: an HTTP server on 127.0.0.1 that counts every request
 * it gets (and answers 200, with a one-line Prometheus exposition), plus the ways of writing its
 * address that the policy must see through. Tests point guarded requests at the disguises and
 * check the canary was never hit; with the address allowed, that it was.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Canary {
	port: number;
	/** Requests received so far. */
	hits: number;
	/** `http://<host>:<port><path>`. */
	url(host: string, path?: string): string;
	close(): Promise<void>;
}

export async function startCanary(host = '127.0.0.1'): Promise<Canary> {
	const c = { hits: 0 } as Canary;
	const server: Server = createServer((req, res) => {
		c.hits++;
		req.resume();
		res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('# TYPE canary_hit gauge\ncanary_hit 1\n');
	});
	await new Promise<void>((r) => server.listen(0, host, r));
	c.port = (server.address() as AddressInfo).port;
	c.url = (h, path = '/') => `http://${h}:${c.port}${path}`;
	c.close = async () => {
		server.closeAllConnections();
		await new Promise((r) => server.close(r));
	};
	return c;
}

/**
 * 127.0.0.1 in disguise: URL hosts that are the canary's address, or a loopback name. `reachable`:
 * a connection to it would reach a server on 127.0.0.1 (the others are refused before any
 * connection: IPv4-compatible, NAT64 and 6to4 addresses route nowhere here).
 */
export const DISGUISED_LOOPBACK: ReadonlyArray<{ host: string; reachable: boolean }> = [
	{ host: '[::ffff:127.0.0.1]', reachable: true },
	{ host: '[::ffff:7f00:1]', reachable: true },
	{ host: '[0:0:0:0:0:ffff:127.0.0.1]', reachable: true },
	{ host: '[::127.0.0.1]', reachable: false },
	{ host: '[64:ff9b::127.0.0.1]', reachable: false },
	{ host: '[2002:7f00:1::1]', reachable: false },
	{ host: '2130706433', reachable: true },
	{ host: '0177.0.0.1', reachable: true },
	{ host: '0x7f.0.0.1', reachable: true },
	{ host: '0x7f000001', reachable: true },
	{ host: '127.1', reachable: true },
	{ host: '127.0.0.1.', reachable: true },
	{ host: 'localhost.', reachable: true },
	{ host: 'LocalHost', reachable: true },
	{ host: 'canary.localhost', reachable: true }
];
