/**
 * `npm run bench:wall`: sample → screen latency of the live feed, through the real parts: samples
 * written by RedisStore (which appends them to the live stream), one web node's LiveHub (its
 * tail, its board, socket.io), and 1, 100 and 1,000 screens connected from another process
 * (scripts/bench/wall-clients.ts). Each level writes 4 samples a second for 10 s to a series a
 * stat tile shows; every screen measures now − sample time. Reported: p50 and p99 per level, and
 * the web node's CPU (share of one core) and memory at 1,000 screens. Access is admitted without
 * credentials (the bench measures the fan-out, not the login). Progress goes to stderr; the
 * result is one JSON line on stdout.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { createKeys } from '../../src/lib/server/keys';
import { createLogger } from '../../src/lib/server/log';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { LiveHub } from '../../src/lib/server/web/live';
import type { LiveAccess } from '../../src/lib/server/web/live-access';
import { boardDef } from '../../src/lib/shared/boards';
import { startBenchRedis } from './redis';

const progress = (msg: string) => process.stderr.write(`${msg}\n`);
const LEVELS = [1, 100, 1000];
const RATE = 4;
const SECONDS = 10;

async function main() {
	const redis = await startBenchRedis();
	const prefix = 'bench:';
	const keys = createKeys(prefix);
	const client = new Redis(redis.url);
	const tail = new Redis(redis.url);
	const store = new RedisStore(client, { prefix });
	const access = {
		admit: async (h: { auth: unknown }) => ({ ok: true as const, grant: { kind: 'kiosk' as const, token: 'bench', kioskId: 'bench', board: ((h.auth as { board?: string }) ?? {}).board ?? 'bench' } }),
		recheck: async () => null
	} as unknown as LiveAccess;
	const board = boardDef.parse({ name: 'bench', tiles: [{ kind: 'stat', title: 'Bench', selector: 'bench_value', trend: 300_000 }] });
	const hub = new LiveHub({ redis: client, tailRedis: tail, keys, store, boards: [board], log: createLogger({ level: 'warn' }), access, connectionsPerIp: 10_000, rate: { perSecond: 1000, burst: 1000 } });
	const server = createServer();
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	await hub.attach(server);
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	// The series exists before the screens connect, so every point is a delta.
	await store.write([{ name: 'bench_value', labels: {}, ts: [Date.now()], values: [0] }]);
	await new Promise((r) => setTimeout(r, 500));

	const child = spawn(process.execPath, ['scripts/run-ts.mjs', 'scripts/bench/wall-clients.ts', url], { stdio: ['pipe', 'pipe', 'inherit'] });
	const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
	const ask = async (cmd: string) => {
		child.stdin!.write(`${cmd}\n`);
		return (await lines.next()).value as string;
	};

	const results: Record<string, { p50: number; p99: number; count: number }> = {};
	let connected = 0;
	let server1000: { cpuCore: number; rssMb: number; heapMb: number } | undefined;
	for (const level of LEVELS) {
		await ask(`connect ${level - connected}`);
		connected = level;
		await new Promise((r) => setTimeout(r, 1000));
		await ask('report');
		progress(`wall: ${level} screens connected, writing ${RATE}/s for ${SECONDS} s`);
		const cpu0 = process.cpuUsage();
		const t0 = performance.now();
		for (let i = 0; i < RATE * SECONDS; i++) {
			await store.write([{ name: 'bench_value', labels: {}, ts: [Date.now()], values: [i] }]);
			await new Promise((r) => setTimeout(r, 1000 / RATE));
		}
		await new Promise((r) => setTimeout(r, 1000));
		const cpu = process.cpuUsage(cpu0);
		const wall = performance.now() - t0;
		const r = JSON.parse(await ask('report')) as { count: number; p50: number; p99: number };
		results[String(level)] = r;
		progress(`wall: ${level} screens: p50 ${r.p50} ms, p99 ${r.p99} ms over ${r.count} receipts`);
		if (level === 1000) {
			const mem = process.memoryUsage();
			server1000 = { cpuCore: Number(((cpu.user + cpu.system) / 1000 / wall).toFixed(3)), rssMb: Math.round(mem.rss / 1e6), heapMb: Math.round(mem.heapUsed / 1e6) };
			progress(`wall: web node at 1000 screens: ${(server1000.cpuCore * 100).toFixed(1)} % of a core, RSS ${server1000.rssMb} MB, heap ${server1000.heapMb} MB`);
		}
	}
	child.stdin!.write('quit\n');
	await hub.close();
	server.close();
	client.disconnect();
	tail.disconnect();
	redis.stop();
	process.stdout.write(`${JSON.stringify({ bench: 'wall', rate: RATE, seconds: SECONDS, latencyMs: results, server1000 })}\n`);
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
