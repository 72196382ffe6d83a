/** Kiosk links for tests, made the way an operator makes them: `vigil kiosk create`. */
import { runCli, type CliResult } from './cli';
import type { VigilProcess } from './vigil-process';

export interface Kiosk {
	id: string;
	token: string;
	/** The kiosk URL on the running process. */
	url: string;
}

/** Runs `vigil` against the process's Redis and config. */
export function vigilCli(vigil: VigilProcess, redisUrl: string, args: string[]): CliResult {
	return runCli({ redisUrl, configFile: vigil.configFile, timeoutMs: 20_000 }, args);
}

let made = 0;

/** Without a name: `test-screen-<n>`, as no two live links may share a name. */
export function createKiosk(vigil: VigilProcess, redisUrl: string, name = `test-screen-${++made}`, extra: string[] = []): Kiosk {
	const r = vigilCli(vigil, redisUrl, ['kiosk', 'create', '--board', 'default', '--name', name, ...extra]);
	if (r.code !== 0) throw new Error(`vigil kiosk create failed (${r.code}): ${r.err}`);
	const token = /[?&](?:token|kiosk)=(vgk_[A-Za-z0-9_-]+)/.exec(r.out)?.[1];
	const id = /\bid ([A-Za-z0-9]{8})\b/.exec(r.out)?.[1];
	if (!token || !id) throw new Error(`no kiosk link in: ${r.out}`);
	const board = extra[extra.indexOf('--board') + 1] ?? 'default';
	// As printed: /wall/<board>?token=… (/wall?token=… for the board default).
	return { id, token, url: `${vigil.url}/wall${extra.includes('--board') && board !== 'default' ? `/${board}` : ''}?token=${token}` };
}
