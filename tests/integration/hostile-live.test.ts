/**
 * Hostile socket.io clients of the wall's live hub, against a running `vigil`: malformed payloads,
 * unknown events, undecodable packets, oversized frames and floods. The server must drop them
 * (counting invalid messages), cut clients that send too much, stay up, and keep serving screens.
 */
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_PATH } from '../../src/lib/shared/live';
import { HOSTILE_VALUES } from '../helpers/hostile';
import { connectLive, until, type LiveClient } from '../helpers/live-client';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { demoConfig, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

let redis: TestRedis;
let vigil: VigilProcess;
let screen: LiveClient;

beforeAll(async () => {
	redis = await startTestRedis();
	vigil = await startVigilProcess({ config: demoConfig(), redisUrl: redis.url });
	screen = await connectLive(vigil.url);
});

afterAll(async () => {
	screen?.close();
	await vigil?.stop();
	await redis?.stop();
});

function attacker(): Promise<Socket> {
	const socket = io(vigil.url, { path: LIVE_PATH, transports: ['websocket'], reconnection: false });
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('attacker could not connect')), 10_000);
		socket.once('connect', () => {
			clearTimeout(timer);
			resolve(socket);
		});
	});
}

async function invalidCount(): Promise<number> {
	const text = await (await fetch(`${vigil.url}/metrics`)).text();
	let sum = 0;
	for (const m of text.matchAll(/^vigil_live_invalid_messages_total\{[^}]*\} (\d+)/gm)) sum += Number(m[1]);
	return sum;
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
		let sent = 0;
		for (const v of HOSTILE_VALUES) {
			bad.emit('heartbeat' as never, v as never);
			bad.emit('snapshot:request' as never, v as never);
			bad.emit('heartbeat' as never, { screen: v, at: v } as never);
			bad.emit('snapshot:request' as never, { reason: v } as never);
			bad.emit('snapshot:request' as never, [v] as never);
			bad.emit('heartbeat' as never, { screen: 'ok', at: v } as never);
			sent += 6;
		}
		for (const event of ['__proto__', 'constructor', 'hasOwnProperty', 'error', 'points', 'snapshot', '<script>', 'x'.repeat(1000)]) {
			bad.emit(event as never, { a: 1 } as never);
			sent++;
		}
		expect(sent).toBeGreaterThan(400);
		// Every malformed snapshot request is counted (some hostile values make valid heartbeats).
		await until(async () => (await invalidCount()) - before >= HOSTILE_VALUES.length * 3, 10_000, 'invalid messages counted');
		expect(bad.connected).toBe(true);
		await screenStillServed();
		bad.close();
	});

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

	it('survives floods of heartbeats with new screen ids and of snapshot requests', async () => {
		const bad = await attacker();
		const snapshots: number[] = [];
		bad.on('snapshot' as never, () => void snapshots.push(Date.now()));
		for (let i = 0; i < 20_000; i++) bad.emit('heartbeat', { screen: `flood-${i}`, at: i });
		for (let i = 0; i < 300; i++) bad.emit('snapshot:request', { reason: 'manual' });
		await until(() => snapshots.length >= 300, 15_000, 'the snapshots asked for');
		await screenStillServed();
		// A new screen still connects and gets its snapshot.
		const late = await connectLive(vigil.url);
		expect(late.snapshots.length).toBeGreaterThan(0);
		late.close();
		bad.close();
	}, 30_000);
});
