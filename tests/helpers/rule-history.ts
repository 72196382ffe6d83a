/**
 * A fixture for the rule pages: six hours of payment traffic written through the store, as the
 * demo shop's scrape would have (a `history` instance next to the live one), with failure bursts
 * that the demo's PaymentFailureRatioHigh (ratio > 0.1, clears below 0.02) catches; and the state
 * changes and incidents the alerts role would have recorded for them, from a replay of the shipped
 * rule with the real state machine.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { IncidentStore } from '../../src/lib/server/alerting/incidents';
import { createKeys } from '../../src/lib/server/keys';
import { backtest, compileRuleSet, loadRuleSource } from '../../src/lib/server/rules';
import type { AlertEvent } from '../../src/lib/server/rules/types';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { ROOT } from './vigil-process';

export const PAYMENT_RULE = 'demo-shop.checkout/PaymentFailureRatioHigh';
const STEP = 15_000;
const MIN = 60_000;
const HOUR = 3_600_000;

export interface PaymentHistory {
	from: number;
	to: number;
	/** Failure bursts: [start, end) and the ratio of failed payments. */
	bursts: Array<{ from: number; to: number; ratio: number }>;
	/** The incident opened by the big burst ("INC-n"). */
	incident: string;
	events: number;
}

/**
 * Five bursts at 15 % (over the shipped threshold of 10 %, under a raised one of 20 %), one at
 * 40 %, and a last one at 50 % that runs until `now`, so the rule is active when Vigil starts.
 */
export function paymentBursts(now: number): PaymentHistory['bursts'] {
	const bursts = [5.5, 4.7, 3.9, 3.1, 2.3].map((h) => ({ from: now - h * HOUR, to: now - h * HOUR + 12 * MIN, ratio: 0.15 }));
	bursts.push({ from: now - 1.5 * HOUR, to: now - 1.5 * HOUR + 15 * MIN, ratio: 0.4 });
	bursts.push({ from: now - 12 * MIN, to: now + HOUR, ratio: 0.5 });
	return bursts;
}

export async function writePaymentHistory(redisUrl: string, prefix: string, now: number): Promise<PaymentHistory> {
	const client = new Redis(redisUrl);
	try {
		const store = new RedisStore(client, { prefix, now: () => now, liveKey: null });
		const from = Math.floor((now - 6 * HOUR) / STEP) * STEP;
		const to = Math.floor(now / STEP) * STEP;
		const bursts = paymentBursts(now);
		const ts: number[] = [];
		const requests: number[] = [];
		const failures: number[] = [];
		let req = 0;
		let failed = 0;
		for (let t = from; t <= to; t += STEP) {
			const ratio = bursts.find((b) => t >= b.from && t < b.to)?.ratio ?? 0.01;
			req += 30;
			failed += 30 * ratio;
			ts.push(t);
			requests.push(req);
			failures.push(Math.round(failed * 100) / 100);
		}
		const base = { instance: 'history', target: 'backfill' };
		const r = await store.write([
			{ name: 'shop_payment_failures_total', labels: base, ts, values: failures, intervalMs: STEP },
			{ name: 'http_request_duration_seconds_count', labels: { ...base, service: 'payments', route: '/payments', method: 'POST', code: '200' }, ts, values: requests, intervalMs: STEP }
		]);
		if (Object.values(r.rejected).some((n) => n > 0)) throw new Error(`the store refused history: ${JSON.stringify(r)}`);

		// What the alerts role would have recorded: a replay of the shipped rule up to the last burst,
		// which the running alerts role evaluates itself.
		const file = join(ROOT, 'rules', 'demo-shop.rules.yml');
		const set = compileRuleSet(readFileSync(file, 'utf8'), file);
		const rule = set.groups.flatMap((g) => g.rules).find((x) => x.id === PAYMENT_RULE);
		if (!rule) throw new Error(`no rule ${PAYMENT_RULE} in ${file}`);
		const until = bursts[bursts.length - 1]!.from - MIN;
		const events: AlertEvent[] = [];
		const source = await loadRuleSource(store, rule, from, until);
		backtest(rule, source, { from: from + 10 * MIN, to: until, onEvent: (e) => events.push(e) });
		const keys = createKeys(prefix);
		const mine = events.filter((e) => e.labels.instance === 'history');
		// Event by event, with the incidents' quiet resolution run at each event's time, so each
		// burst is its own incident as it was for the alerts leader.
		let at = now;
		const incidents = new IncidentStore(client, keys, { now: () => at });
		for (const e of mine) {
			at = e.at;
			await incidents.resolveQuiet(at);
			await client.xadd(keys.alerts.events, '*', 'e', JSON.stringify(e));
			await client.xadd(keys.alerts.ruleEvents(e.ruleId), '*', 'e', JSON.stringify(e));
			await incidents.applyEvents();
		}
		at = until;
		await incidents.resolveQuiet(at);
		const big = bursts[5]!;
		const page = await incidents.list({ limit: 50 });
		const found = page.incidents.find((i) => i.openedAt >= big.from && i.openedAt < big.to + 10 * MIN);
		if (!found) throw new Error(`no incident for the burst at ${new Date(big.from).toISOString()}: ${JSON.stringify(page.incidents.map((i) => [i.ref, new Date(i.openedAt).toISOString()]))}`);
		return { from, to, bursts, incident: found.ref, events: mine.length };
	} finally {
		client.disconnect();
	}
}
