/** A real socket.io client of the live protocol, recording what it receives. */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, PointsMessage, ServerToClientEvents, SnapshotMessage, LiveStatus } from '../../src/lib/shared/live';
import { LIVE_PATH } from '../../src/lib/shared/live';

export interface LiveClient {
	socket: Socket<ServerToClientEvents, ClientToServerEvents>;
	snapshots: SnapshotMessage[];
	points: PointsMessage[];
	statuses: LiveStatus[];
	/** Every message's seq, in arrival order, with its type. */
	seqs: Array<{ type: string; seq: number }>;
	close(): void;
}

export function connectLive(url: string): Promise<LiveClient> {
	const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
		path: LIVE_PATH,
		transports: ['websocket'],
		reconnectionDelay: 100,
		reconnectionDelayMax: 500
	});
	const c: LiveClient = { socket, snapshots: [], points: [], statuses: [], seqs: [], close: () => socket.disconnect() };
	socket.on('snapshot', (m) => {
		c.snapshots.push(m);
		c.seqs.push({ type: 'snapshot', seq: m.seq });
	});
	socket.on('points', (m) => {
		c.points.push(m);
		c.seqs.push({ type: 'points', seq: m.seq });
	});
	socket.on('status', (m) => {
		c.statuses.push(m);
		c.seqs.push({ type: 'status', seq: m.seq });
	});
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`could not connect to ${url}`)), 10_000);
		socket.once('snapshot', () => {
			clearTimeout(timer);
			resolve(c);
		});
	});
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
		await new Promise((r) => setTimeout(r, 25));
	}
}
