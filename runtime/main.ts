/**
 * Process entry of the `vigil` command: wires SIGTERM/SIGINT to a graceful stop (a second signal
 * exits at once) and turns the CLI's result into the exit code, once what it wrote has left.
 */
import { runCli } from './cli';

/**
 * Resolves when everything written to the stream so far has been handed to the system. Writes to a
 * pipe are asynchronous: exiting with writes pending loses them (a parent reading the output of
 * `vigil rules test` through execFile got part of it).
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
	if (stream.writableLength === 0) return Promise.resolve();
	return new Promise((resolve) => stream.write('', () => resolve()));
}

async function exitAfterFlush(code: number): Promise<never> {
	await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
	process.exit(code);
}

/** Ctrl-C under `npm start` delivers SIGINT twice (the terminal's, and npm's forward of it). */
const DUPLICATE_SIGNAL_MS = 2000;

const stopSignal = new Promise<string>((resolve) => {
	let first = 0;
	const on = (signal: NodeJS.Signals) => {
		if (first && Date.now() - first > DUPLICATE_SIGNAL_MS) {
			process.stderr.write(`received ${signal} again: exiting now\n`);
			process.exit(1);
		}
		if (first) return;
		first = Date.now();
		resolve(signal);
	};
	process.on('SIGTERM', on);
	process.on('SIGINT', on);
});

const code = await runCli(process.argv.slice(2), {
	out: (t) => process.stdout.write(`${t}\n`),
	err: (t) => process.stderr.write(`${t}\n`),
	terminal: process.stderr.isTTY ? (t) => process.stderr.write(`${t}\n`) : undefined,
	env: process.env,
	cwd: process.cwd(),
	stdin: process.stdin,
	stopSignal,
	exit: (code) => void exitAfterFlush(code),
	onReloadSignal: (handler) => process.on('SIGHUP', handler)
});
await exitAfterFlush(code);
