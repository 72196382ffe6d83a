/**
 * `npm run bench:notify`: the notification pipeline, from firing alerts to a local webhook
 * receiver, through the real parts: the dispatcher (routing, grouping, the fenced commit to Redis),
 * the outbox and the sender (HTTP POSTs with keep-alive, one log entry per attempt).
 *
 * 5,000 alerts in 5,000 groups (group_by every label) fire at once with group_wait 0; the clock
 * is real. Reported: decisions per second (one dispatcher tick that routes, groups and queues all
 * of them), deliveries per second (outbox to receiver, 32 in flight), and the whole pipeline's
 * notifications per second. Progress goes to stderr; the result is one JSON line on stdout.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Dispatcher, type DispatchAlert, NotificationSender, ChannelStore, NotificationOutbox, buildRouteTree, routeSchema, SecretBox, newSecretKey } from '../../src/lib/server/alerting/notify';
import { systemClock } from '../../src/lib/server/clock';
import { createKeys } from '../../src/lib/server/keys';
import { createLogger } from '../../src/lib/server/log';
import { createAddressPolicy } from '../../src/lib/server/net/address-policy';
import { startBenchRedis } from './redis';

const progress = (msg: string) => process.stderr.write(`${msg}\n`);
const ALERTS = 5000;
const CONCURRENCY = 32;

async function main() {
	const redis = await startBenchRedis();
	const client = new Redis(redis.url);
	let received = 0;
	const keys = new Set<string>();
	const receiver = createServer((req, res) => {
		req.resume();
		req.on('end', () => {
			received++;
			keys.add(String(req.headers['idempotency-key']));
			res.end('ok');
		});
	});
	await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
	const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
	try {
		const k = createKeys('bench:');
		const log = createLogger({ level: 'silent' });
		const outbox = new NotificationOutbox(client, k);
		const channels = new ChannelStore(client, k, [], SecretBox.withKey(newSecretKey()));
		await channels.put({ name: 'hook', type: 'webhook', url, sendResolved: true, maxAlerts: 0 }, 'bench');
		const route = buildRouteTree(routeSchema.parse({ receiver: 'hook', group_by: ['...'], group_wait: '0s', group_interval: '5m' }));
		const dispatcher = new Dispatcher({ outbox, route, budgetMs: 3_600_000, log });
		const sender = new NotificationSender({
			outbox,
			resolveChannel: (name) => channels.resolve(name),
			config: { initialBackoff: 1000, maxBackoff: 60_000, budget: 3_600_000, attemptTimeout: 10_000, concurrency: CONCURRENCY },
			externalUrl: 'http://localhost:3000',
			addressPolicy: createAddressPolicy(['127.0.0.1']),
			clock: systemClock,
			log
		});
		const now = Date.now();
		const alerts: DispatchAlert[] = Array.from({ length: ALERTS }, (_, i) => {
			const labels = { alertname: 'OrderQueueBacklog', service: `svc-${i % 50}`, instance: `node-${i}`, severity: i % 10 ? 'warning' : 'critical' };
			return { id: `bench/OrderQueueBacklog|${i}`, ruleId: 'bench/OrderQueueBacklog', fingerprint: String(i), labels, annotations: { summary: `backlog on node-${i}` }, status: 'firing', startsAt: now };
		});

		progress(`dispatching ${ALERTS} firing alerts into ${ALERTS} groups...`);
		const t0 = performance.now();
		// One tick creates the groups and, with group_wait 0, flushes them at once.
		const r = await dispatcher.tick(1, Date.now(), alerts);
		const tDecided = performance.now();
		progress(`  decided ${r.enqueued.length} notifications in ${(tDecided - t0).toFixed(0)} ms; delivering...`);
		let last = 0;
		while (received < r.enqueued.length) {
			await sender.tick();
			await new Promise((res) => setTimeout(res, 2));
			if (received - last >= 1000) {
				last = received - (received % 1000);
				progress(`  delivered ${received}/${r.enqueued.length}`);
			}
		}
		await sender.idle();
		const tDone = performance.now();
		const pending = await client.zcard(k.alerts.notify.queue);
		const logged = await client.xlen(k.alerts.notify.log);
		const decideMs = tDecided - t0;
		const deliverMs = tDone - tDecided;
		const result = {
			bench: 'notify',
			alerts: ALERTS,
			notifications: r.enqueued.length,
			decidePerSec: Math.round(r.enqueued.length / (decideMs / 1000)),
			deliverPerSec: Math.round(received / (deliverMs / 1000)),
			pipelinePerSec: Math.round(received / ((tDone - t0) / 1000)),
			concurrency: CONCURRENCY,
			distinctKeys: keys.size,
			pendingAfter: pending,
			logEntries: logged
		};
		progress(`  ${result.pipelinePerSec} notifications/s end to end (decide ${result.decidePerSec}/s, deliver ${result.deliverPerSec}/s); ${keys.size} distinct keys, ${pending} left pending`);
		console.log(JSON.stringify(result));
		await sender.stop();
	} finally {
		receiver.close();
		client.disconnect();
		await redis.stop();
	}
}

await main();
