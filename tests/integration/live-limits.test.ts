/**
 * The live feed behind a reverse proxy and under load, against a running `vigil`: the client
 * address of a handshake follows the pages' rule (adapter-node's ADDRESS_HEADER and XFF_DEPTH), so
 * the kiosk list shows the screen's address, not the proxy's; one address may hold at most
 * `server.liveConnectionsPerIp` connections (refused beyond, with the limit named), and without
 * ADDRESS_HEADER a client cannot dodge the limit with a forged x-forwarded-for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveRefusal } from '../../src/lib/shared/live';
import { createKiosk, vigilCli } from '../helpers/kiosk';
import { connectLive, refusalOf, until, type LiveClient } from '../helpers/live-client';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { demoConfig, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

const LIMIT = 3;
let redis: TestRedis;
/** Behind a proxy: ADDRESS_HEADER=x-forwarded-for, XFF_DEPTH=1. */
let proxied: VigilProcess;
/** Reached directly: no ADDRESS_HEADER. */
let direct: VigilProcess;
let kiosk: string;
const open: LiveClient[] = [];

const limits = `server:\n  liveConnectionsPerIp: ${LIMIT}\n`;

beforeAll(async () => {
	redis = await startTestRedis();
	[proxied, direct] = await Promise.all([
		startVigilProcess({ config: demoConfig(limits), redisUrl: redis.url, env: { ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '1' } }),
		startVigilProcess({ config: demoConfig(limits), redisUrl: redis.url })
	]);
	kiosk = createKiosk(proxied, redis.url, 'limits').token;
});

afterAll(async () => {
	for (const c of open.splice(0)) c.close();
	await Promise.all([proxied?.stop(), direct?.stop()]);
	await redis?.stop();
});

/** A screen whose proxy says it is at `xff` (the proxy appends the address it saw last). */
async function screen(vigil: VigilProcess, token: string, xff?: string): Promise<LiveClient> {
	const c = await connectLive(vigil.url, { kiosk: token, headers: xff ? { 'x-forwarded-for': xff } : {} });
	open.push(c);
	return c;
}

function kioskLine(vigil: VigilProcess, id: string): string {
	const r = vigilCli(vigil, redis.url, ['kiosk', 'list']);
	expect(r.code, r.err).toBe(0);
	return r.out.split('\n').find((l) => l.startsWith(id)) ?? '';
}

describe('behind a proxy (ADDRESS_HEADER=x-forwarded-for)', () => {
	it('the kiosk list shows the address the proxy names, for the live feed as for the page', async () => {
		// The live feed alone: the client's own (forged) entry is left of the proxy's.
		const byFeed = createKiosk(proxied, redis.url, 'feed-only');
		const c = await screen(proxied, byFeed.token, '6.6.6.6, 198.51.100.24');
		c.close();
		expect(kioskLine(proxied, byFeed.id)).toMatch(/ ip 198\.51\.100\.24 /);

		// The page (adapter-node's getClientAddress) by the same rule.
		const byPage = createKiosk(proxied, redis.url, 'page-only');
		const res = await fetch(byPage.url, { redirect: 'manual', headers: { 'x-forwarded-for': '6.6.6.6, 198.51.100.23' } });
		expect(res.status).toBe(303);
		expect(kioskLine(proxied, byPage.id)).toMatch(/ ip 198\.51\.100\.23 /);
	});

	it(`admits ${LIMIT} connections per client address and refuses more, naming the limit; other addresses and freed slots are admitted`, async () => {
		const same = '203.0.113.5';
		const held = [];
		for (let i = 0; i < LIMIT; i++) held.push(await screen(proxied, kiosk, `10.9.9.${i}, ${same}`));
		const refused = await refusalOf(proxied.url, { kiosk, headers: { 'x-forwarded-for': same } });
		expect(refused).toEqual({ reason: 'limit', message: `too many live connections from this address (at most ${LIMIT} at a time): close other screens or tabs`, retry: true } satisfies LiveRefusal);
		// The proxy's own address is not the client's: another client behind it is admitted.
		expect(await refusalOf(proxied.url, { kiosk, headers: { 'x-forwarded-for': '203.0.113.6' } })).toBeNull();
		// Refused handshakes hold no slot; a closed connection gives its slot back.
		expect((await refusalOf(proxied.url, { kiosk, headers: { 'x-forwarded-for': same } }))?.reason).toBe('limit');
		held[0]!.close();
		await until(async () => (await refusalOf(proxied.url, { kiosk, headers: { 'x-forwarded-for': same } })) === null, 5000, 'a freed slot');
		// Handshakes that are refused for their credential give their slot back too.
		for (let i = 0; i < LIMIT + 2; i++) expect((await refusalOf(proxied.url, { kiosk: 'vgk_AAAAAAAA_' + 'x'.repeat(32), headers: { 'x-forwarded-for': '203.0.113.9' } }))?.reason).toBe('kiosk');
		expect(await refusalOf(proxied.url, { kiosk, headers: { 'x-forwarded-for': '203.0.113.9' } })).toBeNull();
		for (const c of held) c.close();
	});

	it('counts refusals over the limit in vigil_live_refused_total{reason="limit"}', async () => {
		const text = await (await fetch(`${proxied.url}/metrics`)).text();
		expect(Number(/^vigil_live_refused_total\{reason="limit"\} (\d+)/m.exec(text)?.[1] ?? 0)).toBeGreaterThanOrEqual(2);
	});
});

describe('reached directly (no ADDRESS_HEADER)', () => {
	it('takes the TCP peer: a forged x-forwarded-for neither shows in the kiosk list nor dodges the limit', async () => {
		const k = createKiosk(direct, redis.url, 'direct');
		const held = [];
		for (let i = 0; i < LIMIT; i++) held.push(await screen(direct, k.token, `198.51.100.${100 + i}`));
		expect(kioskLine(direct, k.id)).toMatch(/ ip [^ ]*127\.0\.0\.1 /);
		expect((await refusalOf(direct.url, { kiosk: k.token, headers: { 'x-forwarded-for': '198.51.100.200' } }))?.reason).toBe('limit');
		for (const c of held) c.close();
	});
});
