/**
 * `npm run bench:incidents`: incident lists and measures over years of history.
 *
 * 100,000 incidents opened over 3 years (by alert events, applied as the alerts leader applies
 * them) in 8 services, most acknowledged and resolved, some with notes, in a private redis-server.
 * Then the p50 and p99 latency of: the first page of everything; one month; one month of one
 * service; a text search within a month (which reads every incident of the month); and the
 * measures (MTTA, MTTR, median, p90 per service) of a quarter.
 * Progress goes to stderr; the result is one JSON line on stdout.
 */
import { Redis } from 'ioredis';
import { IncidentStore } from '../../src/lib/server/alerting/incidents';
import { createKeys } from '../../src/lib/server/keys';
import type { AlertEvent } from '../../src/lib/server/rules/types';
import { startBenchRedis } from './redis';

const progress = (msg: string) => process.stderr.write(`${msg}\n`);

const COUNT = 100_000;
const DAY = 86_400_000;
const SPAN = 3 * 365 * DAY;
const SERVICES = ['checkout', 'search', 'payments', 'catalog', 'cart', 'shipping', 'accounts', 'reviews'];
const SEVERITIES = ['info', 'warning', 'critical'];

function percentile(xs: number[], q: number): number {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

async function timed(runs: number, fn: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
	await fn(); // warm up
	const ms: number[] = [];
	for (let i = 0; i < runs; i++) {
		const t0 = performance.now();
		await fn();
		ms.push(performance.now() - t0);
	}
	return { p50: Number(percentile(ms, 0.5).toFixed(2)), p99: Number(percentile(ms, 0.99).toFixed(2)) };
}

/** Runs `fn` over 1..n, `width` at a time. */
async function concurrently(n: number, width: number, fn: (i: number) => Promise<unknown>): Promise<void> {
	let next = 1;
	await Promise.all(
		Array.from({ length: width }, async () => {
			while (next <= n) await fn(next++);
		})
	);
}

async function main() {
	const redis = await startBenchRedis();
	const client = new Redis(redis.url);
	const keys = createKeys('bench:');
	const t0 = Date.UTC(2023, 0, 1);
	try {
		const store = new IncidentStore(client, keys, { batchSize: 500, now: () => t0 + SPAN });
		progress(`opening ${COUNT.toLocaleString('en-US')} incidents over 3 years from alert events...`);
		const w0 = performance.now();
		for (let start = 0; start < COUNT; start += 5000) {
			const pipe = client.pipeline();
			for (let i = start; i < Math.min(COUNT, start + 5000); i++) {
				const service = SERVICES[i % SERVICES.length]!;
				const e: AlertEvent = {
					ruleId: `shop/Rule${i}`,
					fingerprint: `f${i}`,
					labels: { alertname: `Rule${i % 40}`, service, severity: SEVERITIES[i % 3]! },
					from: 'pending',
					to: 'firing',
					at: t0 + Math.floor((i * SPAN) / COUNT),
					value: 1
				};
				pipe.xadd(keys.alerts.events, '*', 'e', JSON.stringify(e));
			}
			await pipe.exec();
			await store.applyEvents({ maxEvents: 5000 });
		}
		const applySeconds = (performance.now() - w0) / 1000;
		progress(`  ${(COUNT / applySeconds).toFixed(0)} events applied per second`);

		progress('acknowledging 90 %, resolving 95 %, adding notes to 5 %...');
		const by = { actor: 'user:bench' };
		await concurrently(COUNT, 64, async (i) => {
			const id = String(i);
			if (i % 10 !== 0) await store.acknowledge(id, by);
			if (i % 20 === 0) await store.addNote(id, i % 100 === 0 ? `root cause: disk full on db-${i % 7}` : 'restarted the pods', by);
			if (i % 20 !== 1) await store.resolve(id, by);
		});

		const month = { from: Date.UTC(2024, 5, 1), to: Date.UTC(2024, 6, 1) };
		const quarter = { from: Date.UTC(2024, 3, 1), to: Date.UTC(2024, 6, 1) };
		const monthCount = (await client.zcount(keys.alerts.incidents.byOpened, month.from, `(${month.to}`)) as number;
		progress(`timing lists (a month holds ${monthCount} incidents) and measures...`);
		const first = await timed(200, () => store.list({ limit: 50 }));
		const oneMonth = await timed(200, () => store.list({ ...month, limit: 50 }));
		const monthService = await timed(200, () => store.list({ ...month, service: 'payments', limit: 50 }));
		let found = 0;
		const search = await timed(50, async () => {
			found = (await store.list({ ...month, q: 'disk full', limit: 50 })).incidents.length;
		});
		let quarterCount = 0;
		const measures = await timed(20, async () => {
			quarterCount = (await store.measures(quarter)).overall.count;
		});

		process.stdout.write(
			`${JSON.stringify({
				incidents: COUNT,
				events_applied_per_s: Math.round(COUNT / applySeconds),
				list_first_page_ms: first,
				list_one_month_ms: oneMonth,
				list_one_month_one_service_ms: monthService,
				search_one_month_ms: { ...search, incidents_in_month: monthCount, found },
				measures_quarter_ms: { ...measures, incidents_in_quarter: quarterCount }
			})}\n`
		);
	} finally {
		client.disconnect();
		redis.stop();
	}
}

main().catch((err: Error) => {
	process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
	process.exit(1);
});
