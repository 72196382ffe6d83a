/**
 * The demo shop's HTTP server (node:http): reads a request, hands it to the shop's handler and
 * writes the answer. Closing drops open connections, so a slow simulated answer never delays it.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../src/lib/server/log';
import type { ShopHandler, ShopRequest } from './handlers';

export interface ShopServer {
	url: string;
	close(): Promise<void>;
}

export interface ShopServerOptions {
	port: number;
	host: string;
	log?: Logger;
}

const MAX_BODY_BYTES = 64 * 1024;
const CLOSE_TIMEOUT_MS = 1000;

async function readRequest(req: IncomingMessage): Promise<ShopRequest> {
	const url = new URL(req.url ?? '/', 'http://demo-shop.invalid');
	const request: ShopRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams };
	if (request.method === 'GET' || request.method === 'HEAD') return request;
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		const buffer = chunk as Buffer;
		size += buffer.length;
		if (size > MAX_BODY_BYTES) return { ...request, bodyTooLarge: true };
		chunks.push(buffer);
	}
	return { ...request, body: Buffer.concat(chunks).toString('utf8') };
}

export function startShopServer(handle: ShopHandler, options: ShopServerOptions): Promise<ShopServer> {
	const server = createServer((req, res) => {
		req.on('error', () => undefined);
		res.on('error', () => undefined);
		readRequest(req)
			.then(handle)
			.then(
				(answer) => {
					if (res.destroyed) return;
					res.writeHead(answer.status, {
						'content-type': answer.contentType,
						'cache-control': 'no-store',
						...answer.headers
					});
					res.end(answer.body);
				},
				(err: unknown) => {
					options.log?.warn({ err: err instanceof Error ? err.message : String(err) }, 'demo shop request failed');
					if (res.destroyed || res.headersSent) return void res.destroy();
					res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' });
					res.end(JSON.stringify({ error: 'bad request' }));
				}
			);
	});
	server.on('clientError', (_err, socket) => socket.destroy());

	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, options.host, () => {
			server.off('error', reject);
			const address = server.address() as AddressInfo;
			const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
			resolve({
				url: `http://${host}:${address.port}`,
				close: () =>
					new Promise<void>((done) => {
						const timer = setTimeout(done, CLOSE_TIMEOUT_MS);
						server.close(() => {
							clearTimeout(timer);
							done();
						});
						server.closeAllConnections();
					})
			});
		});
	});
}
