/**
 * `vigil users`, `vigil token` and `vigil audit`: users, API tokens and the audit log, from the
 * command line. Whoever runs these can reach Redis, so they act as an administrator; the audit log
 * names them `cli:<OS user>`.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { createAuthStores, type AuthStores } from '../src/lib/server/auth/index';
import { passwordProblem, isRole, ROLES, type Role, SCOPES, type Scope, UserError } from '../src/lib/server/auth';
import { createKeys } from '../src/lib/server/keys';
import { parseDuration } from '../src/lib/shared/duration';
import { withRedis, type CliIO } from './cli-support';

export const ACCESS_USAGE = `  users add NAME --role viewer|engineer|manager|admin
                        Make a user; the password is asked twice on a terminal, or read from stdin
  users list | users set-role NAME ROLE | users passwd NAME | users delete NAME
                        List users / change a role / change a password / delete a user (the last
                        three end the user's sessions at once)
  token create --name NAME [--user NAME] [--role ROLE] [--scope push,tickets,reload,read,rules] [--expires 90d]
                        (these commands, as kiosk and rules, take --config FILE)
                        Make an API token for a user (required once users exist), with the user's
                        role or a narrower one, optionally narrowed to scopes (printed once)
  token list            List API tokens (owner, role, scopes, state; never the secrets)
  token revoke ID       Revoke an API token at once
  audit [--limit 50] [--json]
                        The audit log, newest first`;

/** Who the CLI acts as, in the audit log and rule versions: `cli:<OS user>`. */
export function actor(): string {
	try {
		return `cli:${userInfo().username}`;
	} catch {
		return 'cli';
	}
}

/**
 * `--config FILE` (or `--config=FILE`), which every command of these takes as `vigil start` does,
 * taken out of the arguments: the file, and the arguments left for the command's own options.
 */
export function takeConfig(args: readonly string[]): { config: string | undefined; rest: string[] } | { error: string } {
	const rest: string[] = [];
	let config: string | undefined;
	for (let i = 0; i < args.length; i++) {
		const a = args[i]!;
		if (a === '--config') {
			const next = args[i + 1];
			if (next === undefined || next.startsWith('--')) return { error: '--config takes a file, e.g. --config /etc/vigil/vigil.config.yaml' };
			config = next;
			i++;
		} else if (a.startsWith('--config=')) config = a.slice('--config='.length);
		else rest.push(a);
	}
	return { config, rest };
}

let configFlag: string | undefined;

function withAuth<T>(io: CliIO, root: string, fn: (auth: AuthStores) => Promise<T>): Promise<T | number> {
	return withRedis(io, root, (redis, config) => fn(createAuthStores(redis, createKeys(config.redis.prefix))), configFlag);
}

/** Runs a command with `--config` taken out of its arguments (see takeConfig). */
function withConfig(args: string[], io: CliIO, run: (rest: string[]) => Promise<number>): Promise<number> {
	const t = takeConfig(args);
	if ('error' in t) return (io.err(t.error), Promise.resolve(2));
	configFlag = t.config;
	return run(t.rest);
}

function promptHidden(prompt: string, io: CliIO): Promise<string> {
	const stdin = io.stdin!;
	return new Promise((resolve, reject) => {
		process.stderr.write(prompt);
		let buf = '';
		const done = () => {
			stdin.setRawMode?.(false);
			stdin.pause();
			stdin.off('data', onData);
			process.stderr.write('\n');
		};
		const onData = (chunk: Buffer | string) => {
			for (const c of chunk.toString()) {
				if (c === '\r' || c === '\n' || c === '\u0004') return done(), resolve(buf);
				if (c === '\u0003') return done(), reject(new UserError('cancelled'));
				if (c === '\u007f' || c === '\b') buf = buf.slice(0, -1);
				else buf += c;
			}
		};
		stdin.setRawMode?.(true);
		stdin.resume();
		stdin.on('data', onData);
	});
}

async function readStdin(io: CliIO): Promise<string> {
	let text = '';
	for await (const chunk of io.stdin!) {
		text += chunk.toString();
		if (text.length > 4096) break;
	}
	return text.split(/\r?\n/)[0] ?? '';
}

/** A new password: asked twice on a terminal, else the first line of stdin. */
async function newPassword(io: CliIO): Promise<string> {
	if (!io.stdin) throw new UserError('no input to read the password from');
	if (io.stdin.isTTY) {
		const a = await promptHidden('Password: ', io);
		const problem = passwordProblem(a);
		if (problem) throw new UserError(problem);
		const b = await promptHidden('Password again: ', io);
		if (a !== b) throw new UserError('the two passwords differ');
		return a;
	}
	const p = await readStdin(io);
	const problem = passwordProblem(p);
	if (problem) throw new UserError(`${problem} (read from stdin)`);
	return p;
}

const USERS_USAGE = 'usage: vigil users add NAME --role ROLE | users list | users set-role NAME ROLE | users passwd NAME | users delete NAME';

export function usersCommand(args: string[], io: CliIO, root: string): Promise<number> {
	return withConfig(args, io, (rest) => users(rest, io, root));
}

async function users(args: string[], io: CliIO, root: string): Promise<number> {
	const [sub, ...rest] = args;
	const by = { actor: actor() };
	try {
		if (sub === 'add') {
			const { values, positionals } = parseArgs({ args: rest, options: { role: { type: 'string' } }, allowPositionals: true, strict: true });
			if (positionals.length !== 1) return io.err(USERS_USAGE), 2;
			if (!isRole(values.role)) return io.err(`users add: --role takes one of ${ROLES.join(', ')}${values.role ? `, got ${JSON.stringify(values.role)}` : ''}`), 2;
			const password = await newPassword(io);
			const r = await withAuth(io, root, (a) => a.users.add({ name: positionals[0]!, role: values.role as Role, password }, by));
			if (typeof r === 'number') return r;
			io.out(`made ${r.name} (${r.role})`);
			return 0;
		}
		if (sub === 'list' && rest.length === 0) {
			const r = await withAuth(io, root, (a) => a.users.list());
			if (typeof r === 'number') return r;
			if (r.length === 0) io.out('no users (a start of Vigil prints a setup link for the first admin)');
			for (const u of r) io.out(`${u.name}  ${u.role}  created ${new Date(u.createdAt).toISOString()}`);
			return 0;
		}
		if (sub === 'set-role' && rest.length === 2) {
			if (!isRole(rest[1])) return io.err(`users set-role: the role is one of ${ROLES.join(', ')}, got ${JSON.stringify(rest[1])}`), 2;
			const r = await withAuth(io, root, (a) => a.users.setRole(rest[0]!, rest[1] as Role, by));
			if (typeof r === 'number') return r;
			io.out(`${r.name} is now ${r.role}; their sessions were ended`);
			return 0;
		}
		if (sub === 'passwd' && rest.length === 1) {
			const exists = await withAuth(io, root, (a) => a.users.get(rest[0]!));
			if (typeof exists === 'number') return exists;
			if (!exists) throw new UserError(`no user named ${JSON.stringify(rest[0])}`);
			const password = await newPassword(io);
			const r = await withAuth(io, root, (a) => a.users.setPassword(rest[0]!, password, by));
			if (typeof r === 'number') return r;
			io.out(`changed the password of ${exists.name}; their sessions were ended`);
			return 0;
		}
		if (sub === 'delete' && rest.length === 1) {
			const r = await withAuth(io, root, (a) => a.users.delete(rest[0]!, by));
			if (typeof r === 'number') return r;
			io.out(`deleted ${rest[0]!.toLowerCase()}; their sessions were ended and their tokens stop working`);
			return 0;
		}
	} catch (err) {
		if (err instanceof UserError) return io.err(`users ${sub}: ${err.message}`), 1;
		throw err;
	}
	io.err(USERS_USAGE);
	return 2;
}

const TOKEN_USAGE = 'usage: vigil token create --name NAME [--user NAME] [--role ROLE] [--scope push,tickets,reload,read,rules] [--expires 90d] | vigil token list | vigil token revoke ID';

export function tokenCommand(args: string[], io: CliIO, root: string): Promise<number> {
	return withConfig(args, io, (rest) => token(rest, io, root));
}

async function token(args: string[], io: CliIO, root: string): Promise<number> {
	const [sub, ...rest] = args;
	if (sub === 'create') {
		const { values } = parseArgs({
			args: rest,
			options: { name: { type: 'string' }, scope: { type: 'string' }, expires: { type: 'string' }, user: { type: 'string' }, role: { type: 'string' } },
			strict: true
		});
		if (!values.name) return io.err('token create: --name is required, e.g. --name ci-push'), 2;
		let scopes: Scope[] | undefined;
		if (values.scope !== undefined || !values.user) {
			const list = (values.scope ?? '').split(',').map((x) => x.trim()).filter(Boolean);
			const unknown = list.filter((x) => !SCOPES.includes(x as Scope));
			if (list.length === 0 || unknown.length) return io.err(`token create: --scope takes one or more of ${SCOPES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`), 2;
			scopes = list as Scope[];
		}
		if (values.role !== undefined && !isRole(values.role)) return io.err(`token create: --role takes one of ${ROLES.join(', ')}, got ${JSON.stringify(values.role)}`), 2;
		let ttlMs: number | undefined;
		if (values.expires !== undefined) {
			const ms = parseDuration(values.expires);
			if (ms === null || ms <= 0) return io.err(`token create: --expires expected a duration like "90d", got ${JSON.stringify(values.expires)}`), 2;
			ttlMs = ms;
		}
		const result = await withAuth(io, root, async (a) => {
			let user;
			if (values.user) {
				user = await a.users.get(values.user);
				if (!user) return `token create: no user named ${JSON.stringify(values.user)}; \`vigil users list\` shows them`;
			} else if ((await a.users.count()) > 0) {
				return 'token create: --user is required once users exist: name the user the token acts for (its role is at most theirs)';
			}
			try {
				return await a.tokens.create({ name: values.name!, user: user ?? undefined, role: values.role as Role | undefined, scopes, ttlMs }, actor());
			} catch (err) {
				return `token create: ${(err as Error).message}`;
			}
		});
		if (typeof result === 'number') return result;
		if (typeof result === 'string') return io.err(result), 1;
		const i = result.info;
		const what = [i.user ? `user ${i.user}, role ${i.role}` : 'no user', i.scopes ? `scopes ${i.scopes.join(', ')}` : 'every scope of its role'];
		io.out(`${result.token}\n\nThis is the only time the token is shown: keep it secret. id ${i.id}, ${what.join(', ')}${i.expiresAt ? `, expires ${new Date(i.expiresAt).toISOString()}` : ', no expiry'}.`);
		return 0;
	}
	if (sub === 'list' && rest.length === 0) {
		const result = await withAuth(io, root, (a) => a.tokens.list());
		if (typeof result === 'number') return result;
		if (result.length === 0) io.out('no API tokens');
		for (const t of result) {
			const state = t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt <= Date.now() ? 'expired' : 'active';
			const owner = t.user ? `  user ${t.user} (${t.role})` : '';
			io.out(`${t.id}  ${t.name}  ${t.scopes?.join(',') ?? '*'}  ${state}${owner}  created ${new Date(t.createdAt).toISOString()}${t.expiresAt ? `  expires ${new Date(t.expiresAt).toISOString()}` : ''}`);
		}
		return 0;
	}
	if (sub === 'revoke' && rest.length === 1) {
		const result = await withAuth(io, root, (a) => a.tokens.revoke(rest[0]!, actor()));
		if (typeof result === 'number') return result;
		if (!result) return io.err(`no API token with id ${JSON.stringify(rest[0])}; \`vigil token list\` shows them`), 1;
		io.out(`revoked ${rest[0]}`);
		return 0;
	}
	io.err(TOKEN_USAGE);
	return 2;
}

export function auditCommand(args: string[], io: CliIO, root: string): Promise<number> {
	return withConfig(args, io, (rest) => audit(rest, io, root));
}

async function audit(args: string[], io: CliIO, root: string): Promise<number> {
	const { values } = parseArgs({ args, options: { limit: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
	const limit = Number(values.limit ?? 50);
	if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) return io.err(`audit: --limit expected a whole number from 1 to 10000, got ${JSON.stringify(values.limit)}`), 2;
	const r = await withAuth(io, root, (a) => a.audit.list({ limit }));
	if (typeof r === 'number') return r;
	if (values.json) {
		for (const e of r) io.out(JSON.stringify(e));
		return 0;
	}
	if (r.length === 0) io.out('the audit log is empty');
	for (const e of r) {
		const change = [e.before !== undefined ? `before ${JSON.stringify(e.before)}` : '', e.after !== undefined ? `after ${JSON.stringify(e.after)}` : ''].filter(Boolean).join('  ');
		io.out(`${new Date(e.at).toISOString()}  ${e.actor}  ${e.action}  ${e.target}${change ? `  ${change}` : ''}`);
	}
	return 0;
}
