/**
 * POST /api/v1/tickets against a running `vigil` (web and collect roles, a `tickets` collector with
 * no database): a token with the `tickets` scope stores tickets, other credentials are refused,
 * bad items are named by index and field while the good ones are stored, a later state of a ticket
 * (reopened, re-rated) replaces the stored one and an older one is ignored, and every figure the
 * collector derives equals an independent computation over the latest states.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { createKeys } from '../../src/lib/server/keys';
import { TicketStore } from '../../src/lib/server/tickets/store';
import type { Ticket } from '../../src/lib/server/tickets/model';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { expectedFigures, generateTickets, seriesKey } from '../helpers/ticket-figures';
import { startVigilProcess, VIGIL_BIN, type VigilProcess } from '../helpers/vigil-process';

const prefix = `tkp${process.pid}:`;
const MAX_LABEL_VALUES = 4;
const config = `redis:
  prefix: "${prefix}"
tickets:
  maxLabelValues: ${MAX_LABEL_VALUES}
collectors:
  - kind: tickets
    name: helpdesk
    interval: 500ms
`;
const dir = mkdtempSync(join(tmpdir(), 'vigil-tickets-'));
const configFile = join(dir, 'vigil.config.yaml');
let redis: TestRedis;
let vigil: VigilProcess;
let client: Redis;
let series: RedisStore;
let tickets: TicketStore;

function newToken(scope: string): string {
	const r = spawnSync(process.execPath, [VIGIL_BIN, 'token', 'create', '--name', `t-${scope}`, '--scope', scope], { env: { ...process.env, REDIS_URL: redis.url, VIGIL_CONFIG: configFile }, encoding: 'utf8', timeout: 20_000 });
	expect(r.status, r.stderr).toBe(0);
	return r.stdout.split('\n')[0]!.trim();
}

const post = (token: string | undefined, body: unknown, type = 'application/json') =>
	fetch(`${vigil.url}/api/v1/tickets`, { method: 'POST', headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) });

interface Answer {
	accepted: number;
	stale: number;
	expired: number;
	refused: Array<{ index: number; field: string; message: string; error: string }>;
	error?: string;
}

beforeAll(async () => {
	redis = await startTestRedis();
	writeFileSync(configFile, config);
	vigil = await startVigilProcess({ config, redisUrl: redis.url, roles: 'web,collect' });
	client = new Redis(redis.url);
	series = new RedisStore(client, { prefix, liveKey: null });
	tickets = new TicketStore(client, createKeys(prefix), { retentionMs: 90 * 86_400_000 });
});

afterAll(async () => {
	await vigil?.stop();
	client?.disconnect();
	await redis?.stop();
	rmSync(dir, { recursive: true, force: true });
});

async function compareFigures(latest: Ticket[]): Promise<void> {
	const rows = await series.latest('{__name__=~"vigil_tickets_.+",target="helpdesk"}');
	const ts = Math.max(...rows.map((r) => r.ts));
	const got = new Map(rows.filter((r) => r.ts === ts).map((r) => [seriesKey(r.labels.__name__!, Object.fromEntries(Object.entries(r.labels).filter(([k]) => k !== '__name__'))), r.value]));
	const want = expectedFigures(latest, ts, MAX_LABEL_VALUES);
	expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
	for (const [k, v] of want) expect(got.get(k), k).toBeCloseTo(v, 6);
}

/** Waits for a run over exactly `latest`, then compares (again, if it read two runs' series at once). */
async function expectFiguresOf(latest: Ticket[]): Promise<void> {
	const deadline = Date.now() + 15_000;
	for (;;) {
		try {
			return await compareFigures(latest);
		} catch (err) {
			if (Date.now() > deadline) throw err;
			await new Promise((r) => setTimeout(r, 200));
		}
	}
}

describe('POST /api/v1/tickets', () => {
	const now = Date.now();
	const sent = generateTickets(400, now, 11);
	const latest = new Map<string, Ticket>();

	it('refuses a request without a token (401) and a token without the tickets scope (403)', async () => {
		expect((await post(undefined, [])).status).toBe(401);
		const res = await post(newToken('push'), [sent[0]]);
		expect(res.status).toBe(403);
		expect(await tickets.count()).toBe(0);
	});

	it('stores the good tickets and names the index and field of each bad one', async () => {
		const token = newToken('tickets');
		const [a, b] = [sent.slice(0, 200), sent.slice(200)];
		const bad = [
			{ ...sent[0], id: 'BAD-created', created: 'yesterday' },
			{ ...sent[0], id: 'BAD-rating', rating: 6 },
			{ ...sent[0], id: 'BAD-kind', kind: 'question' },
			{ ...sent[0], id: 'BAD-order', firstResponse: sent[0]!.created - 1000 },
			{ ...sent[0], id: 'BAD-extra', priority: 'high' },
			{ ...sent[0], id: 'BAD-future', updated: now + 3_600_000 }
		];
		const first = (await (await post(token, [...a.slice(0, 3), ...bad, ...a.slice(3)])).json()) as Answer;
		expect(first.accepted).toBe(200);
		expect(first.refused.map((r) => r.error.replace(/\(.*\)/, '(…)'))).toEqual([
			'tickets[3].created: expected epoch milliseconds or an ISO 8601 time, got "yesterday"',
			'tickets[4].rating: expected a whole number from 1 to 5, or null, got 6',
			'tickets[5].kind: expected "ticket" or "complaint", got "question"',
			'tickets[6].firstResponse: is before created (…)',
			'tickets[7].priority: unknown field; expected id, kind, created, firstResponse, resolved, closed, category, merchant, team, rating, updated',
			'tickets[8].updated: is 60 min in the future; check the sender\'s clock'
		]);
		expect(((await (await post(token, b)).json()) as Answer).accepted).toBe(200);
		for (const t of sent) latest.set(t.id, t);
		expect(await tickets.count()).toBe(400);
		expect(await tickets.get('BAD-rating')).toBeNull();
	});

	it('refuses bodies that are not a JSON array of tickets, and loses nothing stored', async () => {
		const token = newToken('tickets');
		expect((await post(token, [sent[0]], 'application/xml')).status).toBe(415);
		expect((await post(token, '{"id": 1')).status).toBe(400);
		const notArray = await post(token, { id: 'x' });
		expect(notArray.status).toBe(400);
		expect(((await notArray.json()) as Answer).error).toMatch(/expected a JSON array of tickets/);
		// Over push.maxBodyBytes (1 MiB by default): 413, nothing stored.
		const big = Array.from({ length: 6000 }, (_, i) => ({ ...sent[0], id: `BIG-${i}`, category: 'x'.repeat(150) }));
		const tooLarge = await post(token, big);
		expect(tooLarge.status).toBe(413);
		expect(((await tooLarge.json()) as Answer).error).toMatch(/send fewer tickets per request/);
		const allBad = await post(token, [{ id: 'x' }]);
		expect(allBad.status).toBe(400);
		expect(((await allBad.json()) as Answer).refused[0]!.error).toBe('tickets[0].kind: expected "ticket" or "complaint", got nothing');
		expect(await tickets.count()).toBe(400);
	});

	it('counts reopened and re-rated tickets once at their latest state, ignores older states, and derives every figure', async () => {
		const token = newToken('tickets');
		const later = Date.now();
		const done = sent.filter((t) => t.closed !== null && t.rating !== null);
		const reopened = done.slice(0, 20).map((t) => ({ ...t, resolved: null, closed: null, rating: null, updated: later }));
		const rerated = done.slice(20, 50).map((t) => ({ ...t, rating: t.rating! >= 4 ? 1 : 5, updated: later }));
		const answer = (await (await post(token, [...reopened, ...rerated])).json()) as Answer;
		expect(answer.accepted).toBe(50);
		// The old state of a reopened ticket, delivered late: ignored.
		const late = (await (await post(token, [done[0]])).json()) as Answer;
		expect([late.accepted, late.stale]).toEqual([0, 1]);
		// Without `updated`, a push is the ticket's state as of its arrival: a later push wins.
		const undated = { ...done[60]!, rating: 2 } as Partial<Ticket>;
		delete undated.updated;
		expect(((await (await post(token, [undated])).json()) as Answer).accepted).toBe(1);
		for (const t of [...reopened, ...rerated]) latest.set(t.id, t);
		const stored = (await tickets.get(done[60]!.id))!;
		latest.set(stored.id, stored);
		expect(stored.rating).toBe(2);
		expect(await tickets.get(reopened[0]!.id)).toEqual(reopened[0]);
		expect(await tickets.count()).toBe(400);
		await expectFiguresOf([...latest.values()]);
		// Described like scraped series: the query API's metadata and the editor's hints know them.
		expect((await series.metadata('vigil_tickets_first_response_seconds')).map((m) => m.type)).toEqual(['histogram']);
	});
});
