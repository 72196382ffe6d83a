/**
 * The production web server: one Node HTTP server that answers the operational endpoints, mounts
 * SvelteKit's `build/handler.js` (adapter-node), and carries socket.io (attached by the live hub
 * of the web role). In dev, Vite's server plays this part (see runtime/dev-plugin.ts).
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { admitToolForm } from './src/lib/server/prom-api';
import type { OpsHandler } from './src/lib/server/web/ops';

/** SvelteKit's adapter-node `handler`: a polka-style middleware. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * The header through which this server tells SvelteKit its protocol when no ORIGIN is set
 * (adapter-node's PROTOCOL_HEADER; without it, adapter-node assumes https). This server speaks
 * plain HTTP, so it is always `http`; a client's own value is overwritten.
 */
export const PROTOCOL_HEADER = 'x-vigil-protocol';

export class NotBuiltError extends Error {
	override name = 'NotBuiltError';
}

/** Loads the built SvelteKit app. adapter-node reads ORIGIN from the environment as it loads. */
export async function loadSvelteKitHandler(root: string): Promise<RequestHandler> {
	const file = join(root, 'build', 'handler.js');
	if (!existsSync(file)) {
		throw new NotBuiltError(`the web pages are not built (${file} is missing): run \`npm run build\`, or start with \`npm start\``);
	}
	const mod = (await import(pathToFileURL(file).href)) as { handler: RequestHandler };
	return mod.handler;
}

export interface WebServerOptions {
	ops: OpsHandler;
	/** The SvelteKit app; without it (no web role) only the operational endpoints answer. */
	handler?: RequestHandler;
	/** Said in the 404 of a process without the web role. */
	roles: readonly string[];
}

export function createWebServer(options: WebServerOptions): Server {
	const { ops, handler, roles } = options;
	const notFound = (res: ServerResponse, text: string) =>
		res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
	const server = createServer((req, res) => {
		req.headers[PROTOCOL_HEADER] = 'http';
		res.setHeader('x-content-type-options', 'nosniff');
		res.setHeader('referrer-policy', 'same-origin');
		if (ops(req, res)) return;
		admitToolForm(req);
		// A file streamed to the response (the app's static assets) that fails to read — replaced
		// on disk by a new build while screens still ask for the old one — ends that response, not
		// the process: without a listener its 'error' would be thrown.
		res.on('pipe', (source) => source.on('error', () => res.destroy()));
		if (handler) handler(req, res, () => notFound(res, 'Not found'));
		else notFound(res, `Not found: this Vigil process runs ${roles.join(', ')}, not web`);
	});
	// Longer than common load balancers' idle timeout, so they close first.
	server.keepAliveTimeout = 65_000;
	return server;
}

/**
 * Where the operator sets a listener's address, so that its errors name the setting to change
 * (Vigil and the demo shop each have their own: blaming PORT for the shop's port sends people to
 * the wrong knob).
 */
export interface ListenerSettings {
	/** What listens, e.g. "Vigil" or "the demo shop". */
	what: string;
	/** e.g. "server.port (or PORT)". */
	port: string;
	/** e.g. "server.host (or HOST)". */
	host: string;
}

export const VIGIL_LISTENER: ListenerSettings = { what: 'Vigil', port: 'server.port (or PORT)', host: 'server.host (or HOST)' };

/** A listener could not start; its message names the address and the setting that chose it. */
export class ListenError extends Error {
	override name = 'ListenError';
	constructor(
		message: string,
		readonly code: string | undefined
	) {
		super(message);
	}
}

/** The operator's version of an error from listen(), or undefined when it is not one. */
export function listenError(err: unknown, port: number, host: string, settings: ListenerSettings): ListenError | undefined {
	const e = err as NodeJS.ErrnoException;
	const at = `${host.includes(':') ? `[${host}]` : host}:${port}`;
	switch (e?.code) {
		case 'EADDRINUSE':
			return new ListenError(`${settings.what} cannot listen on ${at}: port ${port} is in use. Stop what uses it, or set ${settings.port} to another port`, e.code);
		case 'EACCES':
			return new ListenError(`${settings.what} cannot listen on ${at}: no permission for port ${port} (ports below 1024 need privileges). Set ${settings.port} to a port from 1024 up`, e.code);
		case 'EADDRNOTAVAIL':
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return new ListenError(`${settings.what} cannot listen on ${at}: ${host} is not an address of this machine. Set ${settings.host} to one (127.0.0.1, or 0.0.0.0 for every interface)`, e.code);
		default:
			return e?.syscall === 'listen' ? new ListenError(`${settings.what} cannot listen on ${at}: ${e.message}`, e.code) : undefined;
	}
}

export function listen(server: Server, port: number, host: string, settings: ListenerSettings = VIGIL_LISTENER): Promise<void> {
	return new Promise((resolve, reject) => {
		const fail = (err: Error) => reject(listenError(err, port, host, settings) ?? err);
		server.once('error', fail);
		server.listen(port, host, () => {
			server.off('error', fail);
			resolve();
		});
	});
}
