/**
 * `npm run dev`: a Vite plugin that runs Vigil's roles inside the dev server, attaches the same
 * socket.io live hub to Vite's HTTP server, and serves the operational endpoints, so the dev app
 * behaves like the production server. It imports nothing of Vigil itself: the runtime is loaded
 * through Vite, so it shares one module graph with the routes.
 */
import type { Server } from 'node:http';
import type { Plugin, ViteDevServer } from 'vite';
import type { startDev } from './dev-entry.ts';

export function vigilDev(): Plugin {
	let stop: (() => Promise<void>) | undefined;
	return {
		name: 'vigil-dev',
		apply: 'serve',
		configureServer(server: ViteDevServer) {
			if (!server.httpServer) return; // middleware mode: nothing to attach to
			let ops: ((req: never, res: never) => boolean) | undefined;
			server.middlewares.use((req, res, next) => {
				if (!ops?.(req as never, res as never)) next();
			});
			server.httpServer.once('listening', () => {
				void (async () => {
					const mod = (await server.ssrLoadModule('/runtime/dev-entry.ts')) as { startDev: typeof startDev };
					const vigil = await mod.startDev(server.httpServer as Server);
					ops = vigil.ops as typeof ops;
					stop = () => vigil.stop('dev server closed');
				})().catch((err: Error) => server.config.logger.error(`Vigil did not start: ${err.message}`));
			});
			server.httpServer.once('close', () => void stop?.());
		}
	};
}
