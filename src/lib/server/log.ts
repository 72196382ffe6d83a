/** Logging: pino, JSON lines in production, human-readable when a terminal is attached. */
import pino from 'pino';
import pretty from 'pino-pretty';

export type Logger = pino.Logger;
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface LoggerOptions {
	/** @defaultValue 'info' */
	level?: LogLevel;
	/**
	 * Pretty-print; defaults to whether stdout is a terminal.
	 * @defaultValue Boolean(process.stdout.isTTY) (plain when not a terminal)
	 */
	pretty?: boolean;
	/**
	 * Where lines go; defaults to stdout.
	 * @defaultValue 1
	 */
	destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
	const level = options.level ?? 'info';
	const usePretty = options.pretty ?? Boolean(process.stdout.isTTY);
	const base = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
	if (usePretty) {
		// A synchronous stream, not a transport: no worker thread, and nothing is lost on exit.
		const stream = pretty({
			colorize: true,
			translateTime: 'SYS:HH:MM:ss.l',
			ignore: 'pid,hostname',
			destination: options.destination ?? 1,
			sync: true
		});
		return pino(base, stream);
	}
	return options.destination ? pino(base, options.destination) : pino(base);
}
