/**
 * `vigil kiosk`: kiosk tokens of wall screens from the command line. Whoever runs it can reach
 * Redis, so it acts as an administrator; the audit log names it `cli:<OS user>`.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { createAuthStores } from '../src/lib/server/auth/index';
import { createKeys } from '../src/lib/server/keys';
import { boardExists, boardNames, setBoards } from '../src/lib/shared/boards';
import { parseDuration } from '../src/lib/shared/duration';
import { kioskLink } from '../src/lib/server/web/wall-access';
import { takeConfig } from './access-cli';
import { withRedis, type CliIO } from './cli-support';
import { boardNamesOf, type VigilConfig } from './config';

export const KIOSK_USAGE = `  kiosk create --board default --name NAME [--expires 90d] [--config FILE]
                        Make a kiosk link for a wall screen: it shows one board and nothing else
                        (printed once)
  kiosk list            List kiosk links: name, board, created, expiry, last seen, last IP, state
  kiosk revoke ID       Revoke a kiosk link; its open screens are disconnected at once`;

const USAGE = 'usage: vigil kiosk create --board default --name NAME [--expires 90d] | vigil kiosk list | vigil kiosk revoke ID';

function actor(): string {
	try {
		return `cli:${userInfo().username}`;
	} catch {
		return 'cli';
	}
}

/** Where screens reach this Vigil: the configured origin, else the configured port on localhost. */
export function publicOrigin(config: VigilConfig): string {
	if (config.server.origin) return config.server.origin.replace(/\/+$/, '');
	const local = ['0.0.0.0', '::', '127.0.0.1', '::1'].includes(config.server.host);
	return `http://${local ? 'localhost' : config.server.host}:${config.server.port}`;
}

function iso(ms: number | undefined, none: string): string {
	return ms === undefined ? none : new Date(ms).toISOString();
}

export async function kioskCommand(all: string[], io: CliIO, root: string): Promise<number> {
	const taken = takeConfig(all);
	if ('error' in taken) return io.err(taken.error), 2;
	const configFlag = taken.config;
	const [sub, ...rest] = taken.rest;
	if (sub === 'create') {
		const { values } = parseArgs({ args: rest, options: { board: { type: 'string' }, name: { type: 'string' }, expires: { type: 'string' } }, strict: true });
		if (!values.name) return io.err('kiosk create: --name is required, e.g. --name lobby'), 2;
		const board = values.board ?? '';
		const unknownBoard = () => `kiosk create: --board takes one of ${boardNames().join(', ')}${board ? `, got ${JSON.stringify(board)}` : ''}`;
		if (!board) return io.err(unknownBoard()), 2;
		let ttlMs: number | undefined;
		if (values.expires !== undefined) {
			const ms = parseDuration(values.expires);
			if (ms === null || ms <= 0) return io.err(`kiosk create: --expires expected a duration like "90d", got ${JSON.stringify(values.expires)}`), 2;
			ttlMs = ms;
		}
		const r = await withRedis(io, root, async (redis, config) => {
			// The boards that exist are the config's.
			setBoards(boardNamesOf(config));
			if (!boardExists(board)) return 2;
			try {
				const made = await createAuthStores(redis, createKeys(config.redis.prefix)).kiosks.create({ name: values.name!, board, ttlMs }, actor());
				return { ...made, origin: publicOrigin(config) };
			} catch (err) {
				return `kiosk create: ${(err as Error).message}`;
			}
		}, configFlag);
		if (r === 2 && !boardExists(board)) return io.err(unknownBoard()), 2;
		if (typeof r === 'number') return r;
		if (typeof r === 'string') return io.err(r), 1;
		const i = r.info;
		io.out(`${kioskLink(r.origin, i.board, r.token)}\n\nThis is the only time the link is shown: open it on the screen. id ${i.id}, board ${i.board}${i.expiresAt ? `, expires ${iso(i.expiresAt, '')}` : ', no expiry'}.`);
		return 0;
	}
	if (sub === 'list' && rest.length === 0) {
		const r = await withRedis(io, root, (redis, config) => createAuthStores(redis, createKeys(config.redis.prefix)).kiosks.list(), configFlag);
		if (typeof r === 'number') return r;
		if (r.length === 0) io.out('no kiosk links');
		for (const k of r) {
			io.out(
				`${k.id}  ${k.name}  board ${k.board}  created ${iso(k.createdAt, '')}  expires ${iso(k.expiresAt, 'never')}  last seen ${iso(k.lastSeenAt, 'never')}  ip ${k.lastIp ?? '-'}  ${k.state}`
			);
		}
		return 0;
	}
	if (sub === 'revoke' && rest.length === 1) {
		const r = await withRedis(io, root, (redis, config) => createAuthStores(redis, createKeys(config.redis.prefix)).kiosks.revoke(rest[0]!, actor()), configFlag);
		if (typeof r === 'number') return r;
		if (!r) return io.err(`no kiosk link with id ${JSON.stringify(rest[0])}; \`vigil kiosk list\` shows them`), 1;
		io.out(`revoked ${rest[0]}; its open screens are disconnected at once`);
		return 0;
	}
	io.err(USAGE);
	return 2;
}
