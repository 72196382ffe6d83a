/**
 * `npm run bench:reports`: building the quarterly service-quality report from the stores.
 *
 * Data, in a private redis-server: 20 services, each with one `up` series sampled every 10 s over
 * 90 days (15.6 M samples, sealed into rollups as the store's sealer would), with a few outages of
 * minutes to hours each (so the report must read minute rollups for the hours they touch); 2,000
 * incidents opened by alert events over the quarter, most acknowledged and resolved.
 * Then the time to build the report of that quarter (uptime per service and per day, the previous
 * quarter for trends, the incident figures), the median of 5 runs after a warm-up. The goal is
 * under 1 s. Progress goes to stderr; the result is one JSON line on stdout.
 */
import { Redis } from 'ioredis';
import { IncidentStore } from '../../src/lib/server/alerting/incidents';
import { createKeys } from '../../src/lib/server/keys';
import { buildReport, DEFAULT_REPORT_SETTINGS } from '../../src/lib/server/views/reports/load';
import type { Period } from '../../src/lib/server/views/reports/period';
import type { AlertEvent } from '../../src/lib/server/rules/types';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { DAY, HOUR, resolveRetention, type SeriesSamples } from '../../src/lib/server/tsdb/types';
import { startBenchRedis } from './redis';

const SERVICES = 20;
const DAYS = 90;
const STEP = 10_000;
const INCIDENTS = 2000;
const progress = (msg: string) => process.stderr.write(`${msg}\n`);

function median(xs: number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)]!;
}

/** Outages of service `s`: a deterministic handful of [start, end) spans. */
function outages(s: number, from: number): Array<[number, number]> {
	const out: Array<[number, number]> = [];
	for (let k = 0; k < 6; k++) {
		const start = from + ((s * 7 + k * 13) % DAYS) * DAY + ((s * 3_700_000 + k * 1_234_567) % DAY);
		out.push([start, start + (2 + ((s + k) % 5) * 17) * 60_000]);
	}
	return out;
}

async function main() {
	const end = Math.floor(Date.now() / DAY) * DAY;
	const from = end - DAYS * DAY;
	const now = end + HOUR;
	const server = await startBenchRedis();
	const client = new Redis(server.url);
	const keys = createKeys('br:');
	try {
		const store = new RedisStore(client, { prefix: 'br:', now: () => now, liveKey: null, retention: { raw: (DAYS + 1) * DAY } });
		let samples = 0;
		let downSeconds = 0;
		const w0 = performance.now();
		const down = Array.from({ length: SERVICES }, (_, s) => outages(s, from));
		for (let d = 0; d < DAYS; d++) {
			const dayFrom = from + d * DAY;
			const batch: SeriesSamples[] = [];
			for (let s = 0; s < SERVICES; s++) {
				const ts: number[] = [];
				const values: number[] = [];
				const o = down[s]!;
				for (let t = dayFrom; t < dayFrom + DAY; t += STEP) {
					ts.push(t);
					const isDown = o.some(([a, b]) => t >= a && t < b);
					values.push(isDown ? 0 : 1);
					// A sample stands for its interval: the seconds a report must count as down.
					if (isDown) downSeconds += STEP / 1000;
				}
				batch.push({ name: 'up', labels: { kind: 'http', service: `svc-${String(s).padStart(2, '0')}`, target: `svc-${s}` }, ts, values, intervalMs: STEP });
				samples += ts.length;
			}
			const r = await store.write(batch);
			const refused = Object.values(r.rejected).reduce((a, b) => a + b, 0);
			if (refused) throw new Error(`the store refused ${refused} samples`);
			if ((d + 1) % 15 === 0) progress(`  written ${d + 1} of ${DAYS} days…`);
		}
		progress(`Wrote ${samples.toLocaleString('en-US')} samples in ${((performance.now() - w0) / 1000).toFixed(1)} s; sealing…`);
		const s0 = performance.now();
		while ((await store.sealDue(5000)) > 0) {
			// drain
		}
		progress(`  sealed in ${((performance.now() - s0) / 1000).toFixed(1)} s; opening ${INCIDENTS} incidents…`);

		const incidents = new IncidentStore(client, keys, { batchSize: 500, now: () => now });
		const pipe = client.pipeline();
		for (let i = 0; i < INCIDENTS; i++) {
			const at = from + Math.floor((i * DAYS * DAY) / INCIDENTS);
			const e: AlertEvent = {
				ruleId: `shop/Rule${i}`,
				fingerprint: `f${i}`,
				labels: { alertname: `Rule${i % 30}`, service: `svc-${String(i % SERVICES).padStart(2, '0')}`, severity: ['info', 'warning', 'critical'][i % 3]! },
				from: 'pending',
				to: 'firing',
				at,
				value: 1
			};
			pipe.xadd(keys.alerts.events, '*', 'e', JSON.stringify(e));
			pipe.xadd(keys.alerts.events, '*', 'e', JSON.stringify({ ...e, from: 'firing', to: 'inactive', at: at + 20 * 60_000 }));
		}
		await pipe.exec();
		while ((await incidents.applyEvents({ maxEvents: 5000 })) > 0) {
			// drain
		}
		await incidents.resolveQuiet(now);

		const reader = new RedisStore(client, { prefix: 'br:', now: () => now, liveKey: null });
		const deps = { store: reader, incidents, windows: [], now, retention: resolveRetention(undefined) };
		const period: Period = { kind: 'custom', zone: 'UTC', from, to: end, label: 'custom' };
		const runs: number[] = [];
		let report: Awaited<ReturnType<typeof buildReport>> | undefined;
		for (let i = 0; i < 6; i++) {
			const t0 = performance.now();
			report = await buildReport(deps, DEFAULT_REPORT_SETTINGS, period, null);
			if (i > 0) runs.push(performance.now() - t0);
		}
		const r = report!;
		if (r.services.length !== SERVICES) throw new Error(`expected ${SERVICES} services in the report, got ${r.services.length}`);
		const expectedDown = downSeconds;
		const reportedDown = r.services.reduce((a, s) => a + (s.seconds.counted - s.seconds.countedUp), 0);
		progress(`quarterly report, ${SERVICES} services × ${DAYS} days at 10 s, ${INCIDENTS} incidents: ${median(runs).toFixed(0)} ms (p50 of 5)`);
		progress(`  down seconds: reported ${reportedDown.toFixed(0)}, written ${expectedDown.toFixed(0)}; incidents counted ${r.incidents.measures.count}`);
		// Every sample stands for 10 s: the report must count exactly the down samples written.
		if (Math.abs(reportedDown - expectedDown) > 1) throw new Error(`the report counts ${reportedDown} s down, the data holds ${expectedDown} s`);
		process.stdout.write(
			`${JSON.stringify({
				bench: 'reports',
				services: SERVICES,
				days: DAYS,
				samples,
				incidents: r.incidents.measures.count,
				report_ms_p50: Number(median(runs).toFixed(1)),
				report_ms_max: Number(Math.max(...runs).toFixed(1)),
				down_seconds_written: Math.round(expectedDown),
				down_seconds_reported: Math.round(reportedDown)
			})}\n`
		);
		await store.close();
		await reader.close();
	} finally {
		client.disconnect();
		server.stop();
	}
}

main().catch((err: Error) => {
	process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
	process.exit(1);
});
