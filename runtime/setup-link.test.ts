import { lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/lib/server/log';
import { dataDirOf, deliverSetupLink, SETUP_LINK_FILE } from './setup-link';

const URL = 'http://localhost:3000/setup?token=SeCrEtToKeN_1234567890abcdefghij';
const dirs: string[] = [];

function logSink(): { log: ReturnType<typeof createLogger>; text: () => string } {
	let text = '';
	const destination = new Writable({
		write(chunk, _enc, done) {
			text += String(chunk);
			done();
		}
	});
	return { log: createLogger({ level: 'trace', pretty: false, destination }), text: () => text };
}

function tempDir(): string {
	const d = mkdtempSync(join(tmpdir(), 'vigil-setup-link-'));
	dirs.push(d);
	return d;
}

afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the setup link', () => {
	it('goes to the terminal when there is one, and never into the log', async () => {
		const sink = logSink();
		const shown: string[] = [];
		await deliverSetupLink(URL, { terminal: (t) => shown.push(t), dataDir: tempDir(), log: sink.log });
		expect(shown.join('')).toContain(URL);
		expect(sink.text()).toContain('no user exists yet');
		expect(sink.text()).not.toContain('SeCrEtToKeN');
	});

	it('without a terminal, goes to setup-link.txt in the data directory, readable by its user only; the log names the file', async () => {
		const sink = logSink();
		const data = join(tempDir(), 'data');
		await deliverSetupLink(URL, { dataDir: data, log: sink.log });
		const file = join(data, SETUP_LINK_FILE);
		expect(readFileSync(file, 'utf8')).toBe(`${URL}\n`);
		expect(lstatSync(file).mode & 0o777).toBe(0o600);
		expect(sink.text()).toContain(file);
		expect(sink.text()).not.toContain('SeCrEtToKeN');
		// The next start replaces it.
		await deliverSetupLink(URL.replace('SeCrEt', 'NeW'), { dataDir: data, log: sink.log });
		expect(readFileSync(file, 'utf8')).toContain('NeWToKeN');
	});

	it('replaces a file planted at the path instead of writing through it', async () => {
		const sink = logSink();
		const data = tempDir();
		const elsewhere = join(tempDir(), 'elsewhere.txt');
		writeFileSync(elsewhere, 'untouched');
		symlinkSync(elsewhere, join(data, SETUP_LINK_FILE));
		await deliverSetupLink(URL, { dataDir: data, log: sink.log });
		expect(readFileSync(elsewhere, 'utf8')).toBe('untouched');
		expect(lstatSync(join(data, SETUP_LINK_FILE)).isSymbolicLink()).toBe(false);
	});

	it('lives beside the embedded Redis data', () => {
		expect(dataDirOf('/srv/vigil', './data/redis')).toBe('/srv/vigil/data');
		expect(dataDirOf('/srv/vigil', '/var/lib/vigil/redis')).toBe('/var/lib/vigil');
	});
});
