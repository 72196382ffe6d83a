/**
 * Where the first-start setup link goes. It is the one way in until the first admin exists, so it
 * never enters the log (which is shipped and kept): on a terminal it is printed to stderr; without
 * one it is written to `setup-link.txt` in the data directory (the parent of
 * `redis.embedded.dataDir`, `./data` by default), readable by Vigil's user only, and the log says
 * where.
 */
import { mkdir, open, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from '../src/lib/server/log';

export const SETUP_LINK_FILE = 'setup-link.txt';

export interface SetupLinkTarget {
	/** Writes to the terminal (stderr), when there is one. */
	terminal?: (text: string) => void;
	/** The data directory the file goes to, when there is no terminal. */
	dataDir: string;
	log: Logger;
}

/** The data directory: the parent of the embedded Redis's directory. */
export function dataDirOf(cwd: string, embeddedDataDir: string): string {
	return dirname(resolve(cwd, embeddedDataDir));
}

/** Shows the link on the terminal or writes it to a private file; the log never holds it. */
export async function deliverSetupLink(url: string, target: SetupLinkTarget): Promise<void> {
	const what = 'no user exists yet: open the one-time setup link to make the first admin (it works once, for 24 h)';
	if (target.terminal) {
		target.terminal(`\n  First start: make the first admin at\n  ${url}\n`);
		target.log.warn(`${what}; it is printed on the terminal (stderr), not in the log`);
		return;
	}
	const file = join(target.dataDir, SETUP_LINK_FILE);
	try {
		await mkdir(target.dataDir, { recursive: true, mode: 0o700 });
		// A fresh file, made here (not one left or planted at the path), readable by this user only.
		await unlink(file).catch((err: NodeJS.ErrnoException) => {
			if (err.code !== 'ENOENT') throw err;
		});
		const handle = await open(file, 'wx', 0o600);
		try {
			await handle.writeFile(`${url}\n`);
		} finally {
			await handle.close();
		}
		target.log.warn({ file }, `${what}; no terminal, so it is in ${file} (readable by this user only), not in the log`);
	} catch (err) {
		target.log.error({ file, err: (err as Error).message }, `${what}, but it could not be written to ${file}: make the first admin with \`vigil users add NAME --role admin\` instead`);
	}
}
