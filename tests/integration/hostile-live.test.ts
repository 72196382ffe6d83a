/**
 * Hostile socket.io clients of the wall's live hub, against a running `vigil`: malformed payloads,
 * unknown events, undecodable packets, oversized frames and floods. The server must drop them
 * (counting invalid messages), cut clients that send too much, stay up, and keep serving screens.
 * The attackers hold a valid kiosk link: without one they are not even admitted (kiosk.test.ts).
 * Raw engine.io connections that never make a socket.io handshake count against the per-address
 * cap too: beyond it they are told why and closed.
 */
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_VALUES } from '../helpers/hostile';
import { createKiosk } from '../helpers/kiosk';
import { connectLive, liveOptions, refusalOf, until, type LiveClient } from '../helpers/live-client';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { demoConfig, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

let redis: TestRedis;
let vigil: VigilProcess;
let screen: LiveClient;
let kiosk: string;

beforeAll(async () => {
	redis = await startTestRedis();
	vigil = await startVigilProcess({ config: demoConfig(), redisUrl: redis.url });
	kiosk = createKiosk(vigil, redis.url).token;
	screen = await connectLive(vigil.url, { kiosk });
});

afterAll(async () => {
	screen?.close();
	await vigil?.stop();
	await redis?.stop();
});

function attacker(): Promise<Socket> {
	const socket = io(vigil.url, liveOptions({ kiosk }, { reconnection: false }));
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('attacker could not connect')), 10_000);
		socket.once('connect', () => {
			clearTimeout(timer);
			resolve(socket);
		});
	});
}

async function metricSum(name: string): Promise<number> {
	const text = await (await fetch(`${vigil.url}/metrics`)).text();
	let sum = 0;
	for (const m of text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'gm'))) sum += Number(m[1]);
	return sum;
}

const invalidCount = () => metricSum('vigil_live_invalid_messages_total');

/** Sends events within the per-connection rate limit (20/s, burst 40): 30 at a time, 1.6 s apart. */
async function paced(socket: Socket, events: Array<[string, unknown]>): Promise<void> {
	for (let i = 0; i < events.length; i += 30) {
		if (i > 0) await new Promise((r) => setTimeout(r, 1600));
		for (const [event, body] of events.slice(i, i + 30)) socket.emit(event as never, body as never);
	}
}

/** The good screen still gets fresh points within a few seconds. */
async function screenStillServed(): Promise<void> {
	const before = screen.points.length;
	await until(() => screen.points.length > before, 10_000, 'points on the good screen');
	expect((await fetch(`${vigil.url}/healthz`)).status).toBe(200);
}

describe('live hub with hostile clients', () => {
	it('drops every malformed payload and unknown event, counting the invalid ones', async () => {
		const bad = await attacker();
		const before = await invalidCount();
		const events: Array<[string, unknown]> = [];
		for (const v of HOSTILE_VALUES) {
			events.push(['heartbeat', v], ['snapshot:request', v], ['heartbeat', { screen: v, at: v }]);
			events.push(['snapshot:request', { reason: v }], ['snapshot:request', [v]], ['heartbeat', { screen: 'ok', at: v }]);
		}
		for (const event of ['__proto__', 'constructor', 'hasOwnProperty', 'error', 'points', 'snapshot', '<script>', 'x'.repeat(1000)]) events.push([event, { a: 1 }]);
		expect(events.length).toBeGreaterThan(400);
		await paced(bad, events);
		// Every malformed snapshot request is counted (some hostile values make valid heartbeats).
		await until(async () => (await invalidCount()) - before >= HOSTILE_VALUES.length * 3, 10_000, 'invalid messages counted');
		expect(bad.connected).toBe(true);
		await screenStillServed();
		bad.close();
	}, 60_000);

	it('cuts a client that sends a frame over 64 KB, and no one else', async () => {
		const bad = await attacker();
		const closed = new Promise<string>((resolve) => bad.once('disconnect', (reason) => resolve(reason)));
		bad.emit('heartbeat' as never, { screen: 'x'.repeat(100 * 1024), at: 1 } as never);
		expect(await closed).toBe('transport close');
		await screenStillServed();
	});

	it('cuts a client that sends undecodable packets', async () => {
		const bad = await attacker();
		const closed = new Promise<string>((resolve) => bad.once('disconnect', (reason) => resolve(reason)));
		const engine = bad.io.engine as unknown as { send(data: string): void };
		engine.send('2["heartbeat",{"screen":');
		engine.send('9 not a packet');
		const reason = await Promise.race([closed, new Promise<string>((r) => setTimeout(() => r('still connected'), 5000))]);
		expect(reason).not.toBe('still connected');
		await screenStillServed();
	});

	it('survives floods of heartbeats with new screen ids and of snapshot requests: dropped, counted, the flooder cut', async () => {
		const bad = await attacker();
		const snapshots: number[] = [];
		bad.on('snapshot' as never, () => void snapshots.push(Date.now()));
		const closed = new Promise<string>((resolve) => bad.once('disconnect', (reason) => resolve(reason)));
		const dropped = await metricSum('vigil_live_dropped_messages_total');
		for (let i = 0; i < 20_000; i++) bad.emit('heartbeat', { screen: `flood-${i}`, at: i });
		for (let i = 0; i < 300; i++) bad.emit('snapshot:request', { reason: 'manual' });
		expect(await closed).toBe('io server disconnect');
		// The burst got through; the rest was dropped and counted.
		expect(snapshots.length).toBeLessThanOrEqual(41);
		expect((await metricSum('vigil_live_dropped_messages_total')) - dropped).toBeGreaterThan(100);
		await screenStillServed();
		// A new screen still connects and gets its snapshot.
		const late = await connectLive(vigil.url, { kiosk });
		expect(late.snapshots.length).toBeGreaterThan(0);
		late.close();
		bad.close();
	}, 30_000);
});

describe('raw engine.io connections', () => {
	const CAP = 5;
	let capped: VigilProcess;
	let cappedKiosk: string;

	beforeAll(async () => {
		capped = await startVigilProcess({ config: demoConfig(`server:\n  liveConnectionsPerIp: ${CAP}\n`), redisUrl: redis.url });
		cappedKiosk = createKiosk(capped, redis.url, 'capped').token;
	});

	afterAll(async () => {
		await capped?.stop();
	});

	interface Raw {
		ws: WebSocket;
		messages: string[];
		closed: boolean;
	}

	/** An engine.io (EIO=4) WebSocket to the live path that never says anything: resolves at its first message. */
	function raw(): Promise<Raw> {
		const ws = new WebSocket(`ws://127.0.0.1:${capped.port}/socket.io/?EIO=4&transport=websocket`);
		const r: Raw = { ws, messages: [], closed: false };
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error('no engine.io open packet within 10 s')), 10_000);
			ws.on('message', (data) => {
				r.messages.push(String(data));
				clearTimeout(timer);
				resolve(r);
			});
			ws.on('close', () => {
				r.closed = true;
				clearTimeout(timer);
				resolve(r);
			});
			ws.on('error', reject);
		});
	}

	it(`hold slots of the per-address cap (${CAP}): ${CAP + 10} from one address, those beyond the cap are told why and closed`, async () => {
		const held: Raw[] = [];
		try {
			for (let i = 0; i < CAP + 10; i++) held.push(await raw());
			expect(held.every((r) => r.messages[0]?.startsWith('0{'))).toBe(true); // engine.io's open packet: the transport was made
			await until(() => held.filter((r) => r.closed).length >= 10, 10_000, 'the connections beyond the cap closed');
			expect(held.filter((r) => r.closed)).toHaveLength(10);
			expect(held.slice(0, CAP).every((r) => !r.closed && r.ws.readyState === WebSocket.OPEN)).toBe(true);
			for (const r of held.slice(CAP)) {
				expect(r.messages[1]).toMatch(/^44\{/);
				expect(JSON.parse(r.messages[1]!.slice(2)).data).toMatchObject({ reason: 'limit', retry: true });
			}
			// A screen from the same address is refused while they are held, naming the limit.
			expect((await refusalOf(capped.url, { kiosk: cappedKiosk }))?.reason).toBe('limit');
		} finally {
			for (const r of held) r.ws.close();
		}
		// Closing them gives the slots back.
		await until(async () => (await refusalOf(capped.url, { kiosk: cappedKiosk })) === null, 10_000, 'a screen admitted again');
	});

	it('a refused socket.io handshake closes its transport: it holds no slot afterwards', async () => {
		for (let i = 0; i < CAP + 2; i++) {
			const r = await raw();
			r.ws.send('40{"kiosk":"vgk_AAAAAAAA_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}');
			await until(() => r.closed, 10_000, 'the refused transport closed');
			expect(r.messages.some((m) => m.startsWith('44{') && m.includes('"reason":"kiosk"'))).toBe(true);
		}
		expect(await refusalOf(capped.url, { kiosk: cappedKiosk })).toBeNull();
	});
});
