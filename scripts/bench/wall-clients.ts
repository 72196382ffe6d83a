/**
 * The screens of `bench:wall`, in a process of their own: N socket.io clients of the live feed.
 * Each records, for every point it receives, now − the point's time (the sample was written at
 * that time, on this machine's clock). Commands on stdin, one per line: `connect N` (answers
 * `ready`), `report` (answers one JSON line: count, p50, p99 in ms, and forgets them), `quit`.
 */
import { createInterface } from 'node:readline';
import { io, type Socket } from 'socket.io-client';
import { LIVE_PATH } from '../../src/lib/shared/live';

const url = process.argv[2]!;
const sockets: Socket[] = [];
let latencies: number[] = [];

function connectOne(): Promise<void> {
	return new Promise((resolve, reject) => {
		const socket = io(url, { path: LIVE_PATH, transports: ['websocket'], auth: { board: 'bench' }, reconnection: false, forceNew: true });
		socket.on('points', (m: { points: Array<{ ts: number }> }) => {
			const now = Date.now();
			for (const p of m.points) latencies.push(now - p.ts);
		});
		socket.once('snapshot', () => resolve());
		socket.once('connect_error', (err) => reject(err));
		sockets.push(socket);
	});
}

function quantile(sorted: number[], q: number): number {
	return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
}

for await (const line of createInterface({ input: process.stdin })) {
	const [cmd, arg] = line.trim().split(' ');
	if (cmd === 'connect') {
		const n = Number(arg);
		for (let i = 0; i < n; i += 50) await Promise.all(Array.from({ length: Math.min(50, n - i) }, connectOne));
		process.stdout.write('ready\n');
	} else if (cmd === 'report') {
		const sorted = latencies.sort((a, b) => a - b);
		process.stdout.write(`${JSON.stringify({ count: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) })}\n`);
		latencies = [];
	} else if (cmd === 'quit') {
		for (const s of sockets) s.disconnect();
		process.exit(0);
	}
}
