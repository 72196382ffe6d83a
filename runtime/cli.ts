/**
 * The `vigil` command line. Exit codes: 0 success, 1 failure at run time, 2 bad usage or an
 * invalid config file.
 */
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ListenError, listenError, loadSvelteKitHandler, NotBuiltError, PROTOCOL_HEADER, type RequestHandler } from '../server';
import { createLogger, type Logger } from '../src/lib/server/log';
import { closeClient, createRedisClient, waitReady, type Redis, RedisModeError, RedisNotFoundError, resolveRedis } from '../src/lib/server/redis';
import { addressRuleOf, type AddressRule } from '../src/lib/server/web/client-address';
import { parseDuration } from '../src/lib/shared/duration';
import { formatProblem } from '../src/lib/shared/problems';
import { resolveConfigPath, type VigilConfig } from './config';
import { readConfig, withRedis, type CliIO } from './cli-support';
import { ACCESS_USAGE, auditCommand, tokenCommand, usersCommand } from './access-cli';
import { KIOSK_USAGE, kioskCommand } from './kiosk-cli';
import { RULES_USAGE, rulesCommand } from './rules-cli';

export type { CliIO };
import { packageRoot, packageVersion } from './package-root';
import { SCENARIOS, startDemoShop, type Scenario } from '../demo-shop/index';
import { DEMO_SHOP_LISTENER, demoKioskBoard, startVigil } from './start';
import { dataDirOf, deliverSetupLink } from './setup-link';
import { newSecretKey } from '../src/lib/server/alerting/notify';

export const USAGE = `Usage: vigil <command> [options]

Commands:
  start                 Run Vigil: the roles in the config (default web, collect, alerts)
      --config FILE       config file (default: $VIGIL_CONFIG, ./vigil.config.yaml, or the demo config)
      --roles LIST        roles to run, e.g. web,collect (default: $VIGIL_ROLES or the config's)
  config check [FILE]   Validate a config file and print every problem; exit 2 if any
  demo-shop [--port PORT] [--host HOST] [--scenario NAME] [--speed N]
                        Run only the simulated shop that the demo watches (its queues use the
                        configured Redis; it listens on demoShop.host and demoShop.port unless
                        told otherwise); scenarios: normal, latency-spike, payment-outage,
                        queue-backlog, checkout-down, flash-sale (switch live: POST /scenario)
${ACCESS_USAGE}
${KIOSK_USAGE}
${RULES_USAGE}
  secret-key            Print a new random key for VIGIL_SECRET_KEY (encrypts channel secrets at rest)
  version               Print the version
  help                  Print this help

Environment: REDIS_URL, REDIS_CLUSTER_NODES, REDIS_CLUSTER_PASSWORD, PORT, HOST, ORIGIN, VIGIL_ROLES, VIGIL_DEMO_SHOP_PORT, VIGIL_CONFIG override
the config file;
VIGIL_SECRET_KEY is the key channel secrets are encrypted with.`;

async function configCheck(fileArg: string | undefined, io: CliIO, root: string): Promise<number> {
	const file = resolveConfigPath(fileArg, io.env, io.cwd, root);
	const r = await readConfig(file, io);
	if (!r.ok) {
		io.err(r.report);
		return 2;
	}
	const c = r.config;
	io.out(
		`${file}: OK\n  roles: ${c.roles.join(', ')}\n  listen: ${c.server.host}:${c.server.port}\n  collectors: ${
			c.collectors.length ? c.collectors.map((x) => `${x.kind}:${x.name}`).join(', ') : 'none'
		}`
	);
	return 0;
}

async function start(args: string[], io: CliIO, root: string, version: string): Promise<number> {
	const { values } = parseArgs({ args, options: { config: { type: 'string' }, roles: { type: 'string' } }, strict: true });
	const file = resolveConfigPath(values.config, io.env, io.cwd, root);
	const r = await readConfig(file, io, values.roles);
	if (!r.ok) {
		io.err(`Vigil did not start: the config has problems.\n${r.report}`);
		return 2;
	}
	const { config } = r;
	const log = createLogger({ level: (io.env.LOG_LEVEL as never) ?? config.log.level });
	log.info({ config: file }, 'config loaded');

	const web = config.roles.includes('web') ? await prepareWeb(config, io, root, log) : {};
	if (typeof web === 'number') return web;

	let vigil;
	try {
		vigil = await startVigil({
			config,
			log,
			version,
			http: { mode: 'listen', handler: web.handler },
			addressRule: web.addressRule,
			cwd: io.cwd,
			configDir: dirname(file),
			rereadConfig: () => readConfig(file, io, values.roles)
		});
	} catch (err) {
		return startFailed(err, log);
	}
	const running = vigil;
	io.onReloadSignal?.(() => void running.reload('SIGHUP').catch((err: Error) => log.error({ err: err.message }, 'reload failed')));
	await announce(vigil, config, io, log);
	const signal = await io.stopSignal;
	// Whatever happens, the process is gone within the shutdown timeout.
	setTimeout(() => {
		log.error({ timeoutMs: config.shutdown.timeout }, 'Vigil did not stop within the shutdown timeout: exiting');
		io.exit(1);
	}, config.shutdown.timeout).unref();
	await vigil.stop(signal);
	return 0;
}

/** The web role's environment for adapter-node and its request handler; an exit code when it cannot start. */
async function prepareWeb(config: VigilConfig, io: CliIO, root: string, log: Logger): Promise<{ handler?: RequestHandler; addressRule?: AddressRule } | number> {
	// adapter-node reads ORIGIN when the handler loads.
	if (config.server.origin && !io.env.ORIGIN) process.env.ORIGIN = config.server.origin;
	// Without an origin, pages are served as they are reached: over this server's plain HTTP,
	// unless the operator named a proxy's protocol header.
	if (!process.env.ORIGIN && !io.env.PROTOCOL_HEADER) process.env.PROTOCOL_HEADER = PROTOCOL_HEADER;
	// adapter-node refuses bodies over BODY_SIZE_LIMIT (512 KB by default) before any route
	// runs; the routes keep their own limits (push: push.maxBodyBytes, 1 MiB by default) and
	// answer them with a clear 413, so the adapter's limit is raised to the largest of them.
	if (!io.env.BODY_SIZE_LIMIT) process.env.BODY_SIZE_LIMIT = String(Math.max(512 * 1024, config.push.maxBodyBytes));
	// The live feed finds the client's address as adapter-node does for pages.
	const rule = addressRuleOf(process.env);
	if (!rule.ok) {
		io.err(`Vigil did not start: ${rule.error}`);
		return 2;
	}
	try {
		return { handler: await loadSvelteKitHandler(root), addressRule: rule.rule };
	} catch (err) {
		if (!(err instanceof NotBuiltError)) throw err;
		log.error(err.message);
		return 1;
	}
}

/** Logs why Vigil could not start; the exit code. */
function startFailed(err: unknown, log: Logger): number {
	if (err instanceof RedisNotFoundError || err instanceof RedisModeError) {
		log.error(err.message);
		return 1;
	}
	// Each listener's error names its own setting (Vigil's server.port, the shop's demoShop.port).
	if (err instanceof ListenError) {
		log.error(err.message);
		return 1;
	}
	log.error({ err: (err as Error).message }, 'Vigil could not start');
	return 1;
}

/** Tells the operator where Vigil is: its address, the demo's kiosk link, and the first-admin setup link. */
async function announce(vigil: Awaited<ReturnType<typeof startVigil>>, config: VigilConfig, io: CliIO, log: Logger): Promise<void> {
	if (vigil.url) {
		const where = config.roles.includes('web') ? `${vigil.url}/wall` : `${vigil.url}/readyz`;
		log.info({ url: where }, `Vigil is running: open ${where}`);
	}
	if (vigil.kioskUrl) {
		// Printed plainly: the link is shown once (a new one at every start of the demo).
		log.info({ board: demoKioskBoard(config) }, 'made a kiosk link for the demo board');
		io.out(`\n  Wall for screens: ${vigil.kioskUrl}\n`);
	}
	if (vigil.setupUrl) {
		// The one way in until the first admin exists: on the terminal, or in a private file; never in the log.
		await deliverSetupLink(vigil.setupUrl, { terminal: io.terminal, dataDir: dataDirOf(io.cwd, config.redis.embedded.dataDir), log });
	}
}

async function demoShop(args: string[], io: CliIO, root: string): Promise<number> {
	const { values } = parseArgs({
		args,
		options: { port: { type: 'string' }, host: { type: 'string' }, scenario: { type: 'string' }, speed: { type: 'string' } },
		strict: true
	});
	const scenario = values.scenario ?? 'normal';
	if (!(SCENARIOS as readonly string[]).includes(scenario)) return io.err(`demo-shop: --scenario must be one of ${SCENARIOS.join(', ')}, got ${JSON.stringify(scenario)}`), 2;
	const portFlag = values.port === undefined ? undefined : Number(values.port);
	if (portFlag !== undefined && (!Number.isInteger(portFlag) || portFlag < 0 || portFlag > 65535)) return io.err(`demo-shop: --port expected a port number, got ${JSON.stringify(values.port)}`), 2;
	const speed = Number(values.speed ?? 1);
	if (!(speed > 0 && speed <= 1000)) return io.err(`demo-shop: --speed expected a number above 0 and at most 1000, got ${JSON.stringify(values.speed)}`), 2;
	const log = createLogger({ level: (io.env.LOG_LEVEL as never) ?? 'info' });
	const code = await withRedis(io, root, async (_redis, config, redisUrl) => {
		// Without flags, the shop listens where the config's collectors (${demoShop.url}) look for it.
		const port = portFlag ?? config.demoShop.port;
		const host = values.host ?? config.demoShop.host;
		let shop;
		try {
			shop = await startDemoShop({
				port,
				host,
				redisUrl,
				scenario: scenario as Scenario,
				speed,
				postgresUrl: config.demoShop.postgresUrl,
				amqpUrl: config.demoShop.amqpUrl,
				log
			});
		} catch (err) {
			const settings = {
				what: 'The demo shop',
				port: values.port === undefined ? DEMO_SHOP_LISTENER.port : '--port',
				host: values.host === undefined ? DEMO_SHOP_LISTENER.host : '--host'
			};
			const e = listenError(err, port, host, settings);
			if (!e) throw err;
			log.error(e.message);
			return 1;
		}
		log.info({ url: shop.url, scenario }, `demo shop running: ${shop.url}/ (scenarios: POST ${shop.url}/scenario)`);
		const signal = await io.stopSignal;
		log.info({ signal }, 'stopping the demo shop');
		await shop.stop();
		return 0;
	});
	return code;
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
	const root = packageRoot();
	const version = packageVersion(root);
	const [command, ...rest] = argv;
	try {
		switch (command) {
			case 'start':
				return await start(rest, io, root, version);
			case 'config':
				if (rest[0] === 'check' && rest.length <= 2) return await configCheck(rest[1], io, root);
				io.err(`unknown config command: ${rest.join(' ') || '(none)'}; try \`vigil config check [file]\``);
				return 2;
			case 'token':
				return await tokenCommand(rest, io, root);
			case 'users':
				return await usersCommand(rest, io, root);
			case 'audit':
				return await auditCommand(rest, io, root);
			case 'kiosk':
				return await kioskCommand(rest, io, root);
			case 'demo-shop':
				return await demoShop(rest, io, root);
			case 'rules':
				return await rulesCommand(rest, io, root);
			case 'secret-key':
				io.out(newSecretKey());
				return 0;
			case 'version':
			case '--version':
				io.out(version);
				return 0;
			case undefined:
			case 'help':
			case '--help':
			case '-h':
				io.out(USAGE);
				return 0;
			default:
				io.err(`unknown command: ${command}\n\n${USAGE}`);
				return 2;
		}
	} catch (err) {
		if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
			io.err(`${(err as Error).message}\n\n${USAGE}`);
			return 2;
		}
		throw err;
	}
}
