/**
 * A fixture that writes months of history through the stores, as the collectors and the alerts
 * role would have: `up` of three services every 5 minutes from the start of the quarter before
 * last until now (with hour-aligned outages), sealed into rollups; and incidents opened by alert
 * events, acknowledged and resolved at their historic times.
 */
import { Redis } from 'ioredis';
import { IncidentStore } from '../../src/lib/server/alerting/incidents';
import { createKeys } from '../../src/lib/server/keys';
import type { AlertEvent } from '../../src/lib/server/rules/types';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import type { SeriesSamples } from '../../src/lib/server/tsdb/types';

export const SERVICES = ['checkout', 'search', 'payments'] as const;
export const INTERVAL = 300_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface History {
	/** Outages per service: [start, end) ms, hour-aligned. */
	outages: Record<string, Array<[number, number]>>;
	/** The first sample and the time after the last. */
	from: number;
	to: number;
	incidents: number;
}

/** UTC quarter [from, to) holding `at`, moved by `shift` quarters. */
export function utcQuarter(at: number, shift = 0): { from: number; to: number; label: string } {
	const d = new Date(at);
	const q = Math.floor(d.getUTCMonth() / 3) + shift;
	const from = Date.UTC(d.getUTCFullYear(), q * 3, 1);
	const to = Date.UTC(d.getUTCFullYear(), q * 3 + 3, 1);
	const f = new Date(from);
	return { from, to, label: `${f.getUTCFullYear()}-Q${Math.floor(f.getUTCMonth() / 3) + 1}` };
}

export async function writeHistory(redisUrl: string, prefix: string, now: number, xss: string): Promise<History> {
	const client = new Redis(redisUrl);
	try {
		const last = utcQuarter(now, -1);
		const from = utcQuarter(now, -2).from;
		const to = Math.floor(now / HOUR) * HOUR - HOUR;
		const outages: History['outages'] = {
			checkout: [
				[last.from + 40 * DAY + 10 * HOUR, last.from + 40 * DAY + 12 * HOUR],
				[last.to - HOUR, last.to + HOUR]
			],
			search: [[last.from + 10 * DAY + 3 * HOUR, last.from + 10 * DAY + 4 * HOUR]],
			payments: []
		};
		let t = now;
		const store = new RedisStore(client, { prefix, now: () => t, liveKey: null, retention: { raw: 400 * DAY, minute: 400 * DAY, hour: 800 * DAY } });
		for (let day = from; day < to; day += 7 * DAY) {
			const batch: SeriesSamples[] = SERVICES.map((service) => {
				const ts: number[] = [];
				const values: number[] = [];
				for (let x = day; x < Math.min(to, day + 7 * DAY); x += INTERVAL) {
					ts.push(x);
					values.push(outages[service]!.some(([a, b]) => x >= a && x < b) ? 0 : 1);
				}
				return { name: 'up', labels: { kind: 'http', service }, ts, values, intervalMs: INTERVAL };
			});
			const r = await store.write(batch);
			if (Object.values(r.rejected).some((n) => n > 0)) throw new Error(`refused: ${JSON.stringify(r)}`);
		}
		t = now + 2 * HOUR;
		while ((await store.sealDue(5000)) > 0) {
			// seal minutes into hours
		}
		t = now + 2 * DAY;
		while ((await store.sealDue(5000)) > 0) {
			// and hours into spans
		}

		const keys = createKeys(prefix);
		let at = now;
		const incidents = new IncidentStore(client, keys, { now: () => at });
		let n = 0;
		for (let k = 0; from + k * 3 * DAY + 9 * HOUR < to - DAY; k++) {
			const service = SERVICES[k % SERVICES.length]!;
			const opened = from + k * 3 * DAY + 9 * HOUR + (k % 5) * 7 * 60_000;
			const alertname = k === 7 ? xss : `Rule${k % 4}`;
			const e: AlertEvent = { ruleId: `shop/${alertname}`, fingerprint: `fp${k}`, labels: { alertname, service, severity: ['critical', 'warning', 'info'][k % 3]! }, from: 'pending', to: 'firing', at: opened, value: 1 };
			await client.xadd(keys.alerts.events, '*', 'e', JSON.stringify(e));
			await incidents.applyEvents();
			const [page] = [await incidents.list({ limit: 1 })];
			const id = page.incidents[0]!.id;
			if (k % 6 !== 5) {
				at = opened + (2 + (k % 7)) * 60_000;
				await incidents.acknowledge(id, { actor: `user:eng${k % 3}` });
			}
			if (k % 4 === 0) {
				at = opened + 10 * 60_000;
				await incidents.addNote(id, k === 8 ? xss : `Rolled back deploy ${k}`, { actor: 'user:eng1' });
			}
			at = opened + (20 + (k % 9) * 15) * 60_000;
			await incidents.resolve(id, { actor: `user:eng${k % 3}` });
			n++;
		}
		return { outages, from, to, incidents: n };
	} finally {
		client.disconnect();
	}
}
