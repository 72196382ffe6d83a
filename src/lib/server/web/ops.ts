/**
 * The operational endpoints every Vigil process serves, whatever its roles:
 * `/healthz` (the process is alive), `/readyz` (Redis answers and the roles have started) and
 * `/metrics` (Prometheus text format, from this process's registry).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export interface Readiness {
	ready: boolean;
	checks: Record<string, { ok: boolean; detail?: string }>;
}

export interface OpsOptions {
	registry: Registry;
	readiness: () => Promise<Readiness>;
	/** @defaultValue Date.now() */
	startedAt?: number;
}

export type OpsHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

function json(res: ServerResponse, status: number, body: unknown): void {
	const text = JSON.stringify(body);
	res.writeHead(status, {
		'content-type': 'application/json; charset=utf-8',
		'cache-control': 'no-store',
		'content-length': Buffer.byteLength(text)
	});
	res.end(text);
}

/** Returns true when it handled the request. */
export function createOpsHandler(options: OpsOptions): OpsHandler {
	const startedAt = options.startedAt ?? Date.now();
	return (req, res) => {
		const path = (req.url ?? '/').split('?')[0];
		if (path !== '/healthz' && path !== '/readyz' && path !== '/metrics') return false;
		if (req.method !== 'GET' && req.method !== 'HEAD') {
			res.writeHead(405, { allow: 'GET, HEAD' }).end();
			return true;
		}
		if (path === '/healthz') {
			json(res, 200, { status: 'ok', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) });
		} else if (path === '/readyz') {
			options
				.readiness()
				.then((r) => json(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', checks: r.checks }))
				.catch((err: Error) => json(res, 503, { status: 'not ready', error: err.message }));
		} else {
			options.registry
				.metrics()
				.then((text) => {
					res.writeHead(200, { 'content-type': options.registry.contentType, 'cache-control': 'no-store' });
					res.end(text);
				})
				.catch((err: Error) => json(res, 500, { error: err.message }));
		}
		return true;
	};
}
