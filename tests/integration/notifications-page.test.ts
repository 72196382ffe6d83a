/**
 * What the notifications page (and the channels API) do with a channel, on a private redis-server
 * and a real HTTP receiver: saving refuses an address the policy does not allow before storing
 * anything, a saved channel is audited with its URL masked, a test is delivered and written to the
 * notification log, and the log's read model counts it for its channel (sent, then failed).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveChannel, sendTestNotification } from '../../src/lib/server/web/http';
import { ChannelStore, type ChannelInput } from '../../src/lib/server/alerting/notify';
import { readLogSummary } from '../../src/lib/server/views';
import { NotificationOutbox } from '../../src/lib/server/alerting/notify';
import { newSecretKey, SecretBox } from '../../src/lib/server/alerting/notify';
import { AuditLog } from '../../src/lib/server/audit';
import { createKeys } from '../../src/lib/server/keys';
import { createLogger } from '../../src/lib/server/log';
import { createAddressPolicy } from '../../src/lib/server/net/address-policy';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

let redisServer: TestRedis;
let redis: Redis;
let receiver: Server;
let receiverUrl = '';
let answer = 200;
const bodies: Array<Record<string, unknown>> = [];
let n = 0;

beforeAll(async () => {
	redisServer = await startTestRedis();
	redis = new Redis(redisServer.url);
	receiver = createServer((req, res) => {
		let text = '';
		req.on('data', (d: Buffer) => (text += d.toString()));
		req.on('end', () => {
			bodies.push(JSON.parse(text) as Record<string, unknown>);
			res.writeHead(answer).end();
		});
	});
	await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
	receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook/s3cr3t-path`;
});

afterAll(async () => {
	redis.disconnect();
	await new Promise((r) => receiver.close(r));
	await redisServer.stop();
});

function rig(allow: string[]) {
	const keys = createKeys(`np${++n}:`);
	return {
		keys,
		ctx: {
			channels: new ChannelStore(redis, keys, [{ name: 'ops-log', type: 'log', sendResolved: true, maxAlerts: 0 }], SecretBox.withKey(newSecretKey())),
			audit: new AuditLog(redis, keys),
			notificationAddressPolicy: createAddressPolicy(allow, { setting: 'notifications.allowPrivate' }),
			notificationExternalUrl: 'http://vigil.test',
			log: createLogger({ level: 'silent' }),
			redis,
			keys
		}
	};
}

const hook = (url: string): ChannelInput => ({ name: 'ops-hook', type: 'webhook', url, headers: { Authorization: 'Bearer very-secret' }, sendResolved: true, maxAlerts: 0 });

describe('channels from the page', () => {
	it('refuses a loopback URL the policy does not allow, naming the field and the setting, and stores nothing', async () => {
		const { ctx } = rig([]);
		await expect(saveChannel(ctx, hook(receiverUrl), 'user:ada', 'create')).rejects.toMatchObject({ name: 'ChannelError', status: 400, message: expect.stringMatching(/^url: .*notifications\.allowPrivate/) });
		expect((await ctx.channels.list()).map((c) => c.name)).toEqual(['ops-log']);
		expect(await ctx.audit.list()).toEqual([]);
	});

	it('saves a channel sealed, audits it masked, sends a test to it and counts the answers in the log summary', async () => {
		const { ctx, keys } = rig(['127.0.0.1']);
		const saved = await saveChannel(ctx, hook(receiverUrl), 'user:ada', 'create', '10.0.0.9');
		expect(saved).toMatchObject({ name: 'ops-hook', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+/), headers: ['Authorization'], provisioned: false });
		const audit = await ctx.audit.list();
		expect(audit.map((a) => [a.action, a.actor, a.target])).toEqual([['channel.create', 'user:ada', 'ops-hook']]);
		expect(JSON.stringify(audit)).not.toContain('s3cr3t-path');
		expect(JSON.stringify(audit)).not.toContain('very-secret');
		expect(JSON.stringify(await redis.hgetall(keys.alerts.channels))).not.toContain('very-secret');

		answer = 200;
		const ok = await sendTestNotification(ctx, 'ops-hook', 'user:ada');
		expect(ok).toMatchObject({ ok: true, status: 200 });
		expect(bodies.at(-1)).toMatchObject({ status: 'firing', idempotencyKey: ok.idempotencyKey, commonLabels: { alertname: 'VigilTestNotification' } });
		answer = 500;
		const bad = await sendTestNotification(ctx, 'ops-hook', 'user:bea');
		expect(bad).toMatchObject({ ok: false, status: 500 });

		const { entries } = await new NotificationOutbox(redis, keys).log({ channel: 'ops-hook' });
		expect(entries.map((e) => e.outcome)).toEqual(['failed', 'sent']);
		const summary = await readLogSummary(redis, keys.alerts);
		expect(summary.channels.get('ops-hook')).toMatchObject({ sent: 1, failed: 1, retry: 0, muted: 0, lastProblem: 'the receiver answered 500' });
		expect(summary.routes.size).toBe(0);
		expect((await ctx.audit.list()).filter((a) => a.action === 'channel.test').map((a) => a.actor)).toEqual(['user:bea', 'user:ada']);
	});

	it('answers a 404 ChannelError for a channel that does not exist, and sends nothing', async () => {
		const { ctx } = rig(['127.0.0.1']);
		const before = bodies.length;
		await expect(sendTestNotification(ctx, 'nope', 'user:ada')).rejects.toMatchObject({ name: 'ChannelError', status: 404 });
		expect(bodies.length).toBe(before);
	});
});
