import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log';

function sink(): { stream: Writable; text: () => string } {
	let out = '';
	const stream = new Writable({
		write(chunk, _enc, done) {
			out += chunk.toString();
			done();
		}
	});
	return { stream, text: () => out };
}

describe('createLogger', () => {
	it('writes JSON lines when no terminal is attached', () => {
		const s = sink();
		createLogger({ level: 'info', pretty: false, destination: s.stream }).info({ role: 'collect' }, 'collect role started');
		const line = JSON.parse(s.text().trim()) as Record<string, unknown>;
		expect(line).toMatchObject({ level: 30, role: 'collect', msg: 'collect role started', pid: process.pid });
		expect(typeof line.time).toBe('string');
	});

	it('writes human-readable lines on a terminal', () => {
		const s = sink();
		createLogger({ level: 'info', pretty: true, destination: s.stream }).info({ role: 'collect' }, 'collect role started');
		const text = s.text();
		expect(() => JSON.parse(text)).toThrow();
		expect(text).toContain('collect role started');
		expect(text).toMatch(/INFO/);
	});

	it('chooses by whether stdout is a terminal', () => {
		const was = process.stdout.isTTY;
		const s = sink();
		try {
			(process.stdout as { isTTY?: boolean }).isTTY = false;
			createLogger({ destination: s.stream }).info('plain');
			expect(JSON.parse(s.text().trim())).toMatchObject({ msg: 'plain' });
		} finally {
			(process.stdout as { isTTY?: boolean }).isTTY = was;
		}
	});

	it('drops lines below its level', () => {
		const s = sink();
		const log = createLogger({ level: 'warn', pretty: false, destination: s.stream });
		log.info('quiet');
		log.warn('loud');
		expect(s.text()).not.toContain('quiet');
		expect(s.text()).toContain('loud');
	});
});
