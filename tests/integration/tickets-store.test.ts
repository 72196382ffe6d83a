/**
 * The ticket store (src/lib/server/tickets/store.ts) on one Redis and on a Redis Cluster: the
 * latest state per ticket id wins, an older one is ignored, an equal one replaces it, tickets past
 * the retention are refused and pruned, and a full read returns each ticket once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClient, createRedisClient, waitReady, type Redis } from '../../src/lib/server/redis/client';
import { clusterUrl } from '../../src/lib/server/redis/cluster';
import { createKeys } from '../../src/lib/server/keys';
import { TicketStore } from '../../src/lib/server/tickets/store';
import type { Ticket } from '../../src/lib/server/tickets/model';
import { clusterAvailable, startTestRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { generateTickets } from '../helpers/ticket-figures';

const DAY = 86_400_000;
const available = await clusterAvailable();
if (!available) console.warn('tickets-store: the Redis Cluster case is skipped: redis-server and redis-cli are needed on PATH');

let single: TestRedis;
let cluster: TestRedisCluster | undefined;
const clients: Record<string, Redis> = {};

beforeAll(async () => {
	single = await startTestRedis();
	clients.single = createRedisClient(single.url, { name: 'tickets-test' });
	if (available) {
		cluster = await startTestRedisCluster();
		clients.cluster = createRedisClient(clusterUrl(cluster.nodes), { name: 'tickets-test' });
	}
	await Promise.all(Object.values(clients).map((c) => waitReady(c, 15_000)));
}, 60_000);

afterAll(async () => {
	await Promise.all(Object.values(clients).map((c) => closeClient(c)));
	await Promise.all([single?.stop(), cluster?.stop()]);
});

describe.each(available ? ['single', 'cluster'] : ['single'])('ticket store on %s Redis', (mode) => {
	const now = Date.now();
	const store = () => new TicketStore(clients[mode]!, createKeys(`tst-${mode}:`), { retentionMs: 90 * DAY });
	const base: Ticket = { id: 'T-1', kind: 'complaint', created: now - DAY, firstResponse: now - DAY + 60_000, resolved: now - 3_600_000, closed: now - 3_000_000, category: 'payment', merchant: 'acme', team: 'desk', rating: 5, updated: now - 3_000_000 };

	it('keeps the latest state of each ticket: a later one replaces it, an older one is ignored, an equal one replaces it', async () => {
		const s = store();
		expect(await s.upsert([base], now)).toEqual({ stored: 1, stale: 0, expired: 0 });
		const reopened = { ...base, resolved: null, closed: null, rating: null, updated: now - 1000 };
		expect(await s.upsert([reopened], now)).toEqual({ stored: 1, stale: 0, expired: 0 });
		// The closed state arrives again, late: ignored.
		expect(await s.upsert([base], now)).toEqual({ stored: 0, stale: 1, expired: 0 });
		expect(await s.get('T-1')).toEqual(reopened);
		// Redelivered with the same `updated` (a re-rating without a new time): taken.
		const rerated = { ...reopened, rating: 2 };
		expect(await s.upsert([rerated], now)).toEqual({ stored: 1, stale: 0, expired: 0 });
		expect(await s.get('T-1')).toEqual(rerated);
		expect(await s.count()).toBe(1);
	});

	it('refuses tickets last updated before the retention, and prunes those that passed it', async () => {
		const s = store();
		const old = { ...base, id: 'T-old', created: now - 100 * DAY, firstResponse: null, resolved: null, closed: null, rating: null, updated: now - 95 * DAY };
		expect((await s.upsert([old], now)).expired).toBe(1);
		const aging = { ...base, id: 'T-aging', updated: now - 89 * DAY, created: now - 89 * DAY, firstResponse: null, resolved: null, closed: null };
		expect((await s.upsert([aging], now)).stored).toBe(1);
		expect(await s.prune(now)).toBe(0);
		expect(await s.prune(now + 2 * DAY)).toBe(1);
		expect(await s.get('T-aging')).toBeNull();
		expect(await s.get('T-1')).not.toBeNull();
	});

	it('reads back thousands of tickets, each once, written in batches of the script', async () => {
		const s = new TicketStore(clients[mode]!, createKeys(`tst-${mode}-bulk:`), { retentionMs: 90 * DAY });
		const tickets = generateTickets(5000, now, 3);
		expect((await s.upsert(tickets, now)).stored).toBe(5000);
		const all = await s.all();
		expect(all.length).toBe(5000);
		expect(new Map(all.map((t) => [t.id, t]))).toEqual(new Map(tickets.map((t) => [t.id, t])));
		await s.setCursor('db', '{"at":"x"}');
		expect(await s.cursor('db')).toBe('{"at":"x"}');
	});
});
