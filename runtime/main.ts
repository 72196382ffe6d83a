/**
 * Process entry of the `vigil` command: wires SIGTERM/SIGINT to a graceful stop (a second signal
 * exits at once) and turns the CLI's result into the exit code.
 */
import { runCli } from './cli';

const stopSignal = new Promise<string>((resolve) => {
	let signalled = false;
	const on = (signal: NodeJS.Signals) => {
		if (signalled) {
			process.stderr.write(`received ${signal} again: exiting now\n`);
			process.exit(1);
		}
		signalled = true;
		resolve(signal);
	};
	process.on('SIGTERM', on);
	process.on('SIGINT', on);
});

const code = await runCli(process.argv.slice(2), {
	out: (t) => process.stdout.write(`${t}\n`),
	err: (t) => process.stderr.write(`${t}\n`),
	env: process.env,
	cwd: process.cwd(),
	stopSignal,
	exit: (code) => process.exit(code)
});
process.exit(code);
