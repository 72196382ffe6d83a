/**
 * `npm run bench:tickets`: the tickets collector's work per run at scale. 300,000 tickets over the
 * last 40 days (40 merchants, 6 teams, 6 categories) are stored in a private redis-server; then one
 * run's work is timed: the read of every stored state (HSCAN) and the derivation of every series,
 * the median of 5 runs after a warm-up, the longest the event loop was held meanwhile (the
 * derivation yields every 5,000 tickets), and the memory the ticket keys take. Progress goes to
 * stderr; the result is one JSON line on stdout.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { createKeys } from '../../src/lib/server/keys';
import { deriveTicketSeriesInSlices, TicketStore } from '../../src/lib/server/tickets';
import { generateTickets } from '../../tests/helpers/ticket-figures';
import { startBenchRedis } from './redis';

const TICKETS = Number(process.env.TICKETS ?? 300_000);
const progress = (msg: string) => process.stderr.write(`${msg}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const server = await startBenchRedis();
const redis = new Redis(server.url);
try {
	const keys = createKeys('bench:');
	const store = new TicketStore(redis, keys, { retentionMs: 90 * 86_400_000 });
	const now = Date.now();
	progress(`storing ${TICKETS} tickets`);
	const t0 = performance.now();
	const tickets = generateTickets(TICKETS, now, 5);
	for (let i = 0; i < tickets.length; i += 10_000) await store.upsert(tickets.slice(i, i + 10_000), now);
	const storeMs = performance.now() - t0;
	const reads: number[] = [];
	const derives: number[] = [];
	let series = 0;
	// The longest the event loop waited during the runs: what other targets' runs could be delayed by.
	const delay = monitorEventLoopDelay({ resolution: 5 });
	delay.enable();
	for (let run = 0; run < 6; run++) {
		const a = performance.now();
		const all = await store.all();
		const b = performance.now();
		series = (await deriveTicketSeriesInSlices(all, { now, maxLabelValues: 20 })).length;
		const c = performance.now();
		if (run > 0) {
			reads.push(b - a);
			derives.push(c - b);
		}
	}
	delay.disable();
	const memory = Number(await redis.memory('USAGE', keys.tickets.state, 'SAMPLES', 0)) + Number(await redis.memory('USAGE', keys.tickets.updated, 'SAMPLES', 0));
	console.log(JSON.stringify({ tickets: TICKETS, storeMs: Math.round(storeMs), readMs: Math.round(median(reads)), deriveMs: Math.round(median(derives)), series, maxEventLoopDelayMs: Math.round(delay.max / 1e6), redisMB: Math.round(memory / 1e5) / 10 }));
} finally {
	redis.disconnect();
	await server.stop();
}
