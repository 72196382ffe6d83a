/** A private redis-server for a benchmark: no persistence, nothing else on it. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, pingUrl } from '../../src/lib/server/redis/embedded';

export async function startBenchRedis(): Promise<{ url: string; pid: number; stop: () => void }> {
	const port = await freePort();
	const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
	const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
	const url = `redis://127.0.0.1:${port}`;
	const stop = () => {
		child.kill('SIGKILL');
		rmSync(dir, { recursive: true, force: true });
	};
	for (let i = 0; i < 100; i++) {
		if (await pingUrl(url, 200)) return { url, pid: child.pid!, stop };
		await new Promise((r) => setTimeout(r, 50));
	}
	stop();
	throw new Error('redis-server did not start: is it on PATH? (Debian: apt-get install redis-server)');
}
