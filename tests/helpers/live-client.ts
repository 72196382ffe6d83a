/**
 * A real socket.io client of the live protocol, recording what it receives. It authenticates as a
 * screen that is not a browser does: a kiosk token in the handshake's `auth` (or a cookie).
 */
import { io, type Socket } from 'socket.io-client';
import type { AlertsMessage, ClientToServerEvents, LiveRefusal, PointsMessage, ServerToClientEvents, SnapshotMessage, LiveStatus } from '../../src/lib/shared/live';
import { LIVE_PATH } from '../../src/lib/shared/live';

export interface LiveAuth {
	/** A kiosk token, sent as `auth.kiosk`. */
	kiosk?: string;
	/** A Cookie header (a session or kiosk cookie, as a browser sends it). */
	cookie?: string;
	board?: string;
	/** An Origin header, as a browser on that site sends it. */
	origin?: string;
	/** More handshake headers (e.g. the x-forwarded-for of a reverse proxy). */
	headers?: Record<string, string>;
}

/** The socket.io options of a screen with these credentials. */
export function liveOptions(auth: LiveAuth, extra: Record<string, unknown> = {}) {
	const headers: Record<string, string> = { ...auth.headers };
	if (auth.cookie) headers.cookie = auth.cookie;
	if (auth.origin) headers.origin = auth.origin;
	return {
		path: LIVE_PATH,
		transports: ['websocket'],
		auth: { ...(auth.kiosk ? { kiosk: auth.kiosk } : {}), ...(auth.board ? { board: auth.board } : {}) },
		extraHeaders: headers,
		...extra
	};
}

/** Tries to connect once: the server's refusal, or null when it admitted the connection (then closed). */
export function refusalOf(url: string, auth: LiveAuth): Promise<LiveRefusal | null> {
	const socket = io(url, liveOptions(auth, { reconnection: false }));
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('neither admitted nor refused within 10 s')), 10_000);
		socket.once('connect', () => {
			clearTimeout(timer);
			socket.disconnect();
			resolve(null);
		});
		socket.once('connect_error', (err) => {
			clearTimeout(timer);
			socket.disconnect();
			resolve(((err as Error & { data?: LiveRefusal }).data) ?? { reason: 'unauthenticated', message: err.message, retry: false });
		});
	});
}

export interface LiveClient {
	socket: Socket<ServerToClientEvents, ClientToServerEvents>;
	snapshots: SnapshotMessage[];
	points: PointsMessage[];
	statuses: LiveStatus[];
	alerts: AlertsMessage[];
	/** Every message's seq, in arrival order, with its type. */
	seqs: Array<{ type: string; seq: number }>;
	close(): void;
}

export function connectLive(url: string, auth: LiveAuth): Promise<LiveClient> {
	const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, liveOptions(auth, { reconnectionDelay: 100, reconnectionDelayMax: 500 }));
	const c: LiveClient = { socket, snapshots: [], points: [], statuses: [], alerts: [], seqs: [], close: () => socket.disconnect() };
	socket.on('alerts', (m) => {
		c.alerts.push(m);
		c.seqs.push({ type: 'alerts', seq: m.seq });
	});
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
	// SLO period tallies (boards with SLO tiles) take numbers of the sequence too.
	socket.on('slo', (m) => c.seqs.push({ type: 'slo', seq: m.seq }));
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`could not connect to ${url}`)), 10_000);
		socket.once('connect_error', (err) => {
			if (!(err as Error & { data?: unknown }).data) return;
			clearTimeout(timer);
			reject(new Error(`the live feed refused the connection: ${err.message}`));
		});
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
