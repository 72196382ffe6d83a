/**
 * Redis restarts mid-incident: the timeline keeps every event that was acknowledged as written.
 *
 * A redis-server with the append-only file synced on every write is killed (SIGKILL) while people
 * act on an incident and the feed applies alert events, then started again. Every action whose
 * write resolved is in the timeline, in order; actions tried while Redis was down failed with an
 * error naming the action and the incident, and none is half-written (a note is in the timeline
 * and in the searchable text, or in neither); every alert event is applied exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentStore } from '../../src/lib/server/alerting/incidents';
import { createKeys } from '../../src/lib/server/keys';
import { createRedisClient, type Redis } from '../../src/lib/server/redis/client';
import type { AlertEvent } from '../../src/lib/server/rules/types';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

let redis: TestRedis;
let client: Redis;
const keys = createKeys('durable:');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
	redis = await startTestRedis({ appendonly: true, appendfsync: 'always' });
	// As Vigil connects: fails fast while Redis is down, reconnects by itself.
	client = createRedisClient(redis.url, { name: 'test', maxBackoffMs: 100 });
	client.on('error', () => {});
});
afterAll(async () => {
	client?.disconnect();
	await redis?.stop();
});

function ev(i: number): AlertEvent {
	return { ruleId: 'shop/Slow', fingerprint: `f${i}`, labels: { alertname: 'Slow', service: 'checkout', instance: `i${i}` }, from: 'pending', to: 'firing', at: 1000 + i, value: 1 };
}

async function waitReady(c: Redis): Promise<void> {
	for (let i = 0; i < 200 && c.status !== 'ready'; i++) await sleep(25);
	expect(c.status).toBe('ready');
}

describe('Redis restarts mid-incident', () => {
	it('the timeline keeps every event that was acknowledged as written', async () => {
		await waitReady(client);
		const store = new IncidentStore(client, keys, { batchSize: 3 });
		await client.xadd(keys.alerts.events, '*', 'e', JSON.stringify(ev(0)));
		await store.applyEvents();
		await store.acknowledge('1', { actor: 'user:ana' });

		type Done = { kind: 'note' | 'assign'; value: string; ok: boolean; error?: string; down: boolean };
		const done: Done[] = [];
		let isDown = false;
		let stop = false;
		let written = 0;
		const actions = (async () => {
			for (let i = 0; !stop; i++) {
				const kind = i % 3 === 2 ? 'assign' : 'note';
				const value = `${kind === 'note' ? 'note' : 'owner'}-${i}`;
				const down = isDown;
				try {
					if (kind === 'note') await store.addNote('1', value, { actor: 'user:bo' });
					else await store.assign('1', value, { actor: 'user:bo' });
					done.push({ kind, value, ok: true, down });
				} catch (err) {
					done.push({ kind, value, ok: false, error: (err as Error).message, down });
					await sleep(5);
				}
			}
		})();
		const feed = (async () => {
			for (let i = 1; !stop; i++) {
				try {
					await client.xadd(keys.alerts.events, '*', 'e', JSON.stringify(ev(i)));
					written = i;
				} catch {
					// Redis is down: this event was not written
				}
				await store.applyEvents().catch(() => {});
				await sleep(2);
			}
		})();

		await sleep(300);
		await redis.kill();
		// From here until the restart begins, nothing can be written.
		isDown = true;
		await sleep(400);
		isDown = false;
		await redis.restart();
		await waitReady(client);
		await sleep(300);
		stop = true;
		await Promise.all([actions, feed]);
		while ((await store.applyEvents()) > 0);

		const ok = done.filter((d) => d.ok);
		const failed = done.filter((d) => !d.ok);
		expect(ok.length).toBeGreaterThan(20);
		expect(failed.length).toBeGreaterThan(0);
		// Actions tried while Redis was down failed, saying what and on which incident.
		for (const d of failed) expect(d.error).toMatch(d.kind === 'note' ? /^could not add a note to INC-1: / : /^could not assign INC-1: /);
		expect(done.filter((d) => d.down && d.ok)).toEqual([]);

		const timeline = await store.timeline('1');
		const human = timeline.filter((e) => e.type === 'note' || e.type === 'assigned').map((e) => (e.type === 'note' ? e.text : e.type === 'assigned' ? e.owner : ''));
		// Every acknowledged write is there, in the order it was made; what else is there is a write
		// whose answer was lost with the connection, once at most, in its place.
		const acknowledged = ok.map((d) => d.value);
		expect(human.filter((v) => acknowledged.includes(v!))).toEqual(acknowledged);
		const order = done.map((d) => d.value);
		const positions = human.map((v) => order.indexOf(v!));
		expect(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]!))).toBe(true);
		// Nothing half-written: a note is in the timeline exactly when it is in the searchable text.
		const notes = ((await client.hget(keys.alerts.incidents.record('1'), 'notes')) ?? '').split('\n');
		expect(notes).toEqual(timeline.filter((e) => e.type === 'note').map((e) => (e.type === 'note' ? e.text : '')));
		expect((await store.get('1'))!.status).toBe('acknowledged');

		// Every event written is applied exactly once.
		const joined = timeline.filter((e) => e.type === 'alert.joined').map((e) => (e.type === 'alert.joined' ? e.fingerprint : ''));
		const inStream = (await client.xrange(keys.alerts.events, '-', '+')).map(([, f]) => (JSON.parse(f[1]!) as AlertEvent).fingerprint).filter((fp) => fp !== 'f0');
		expect(written).toBeGreaterThan(10);
		expect(joined).toEqual(inStream);
		expect((await store.get('1'))!.alerts).toHaveLength(inStream.length + 1);
	}, 30_000);
});
