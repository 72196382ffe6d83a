/**
 * `npm run bench:rules`: the rules engine.
 *
 * 1. Evaluation throughput: one rule whose expression returns 2,000 instances
 *    (`latency_seconds > 0.1` over 2,000 series), evaluated again and again at successive 10 s
 *    marks as the alerts role does: (a) the evaluation and state machine alone, over data in
 *    memory; (b) the whole path, reading the rule's data from a RedisStore on a private
 *    redis-server first. Reported in alert instances per second.
 * 2. Backtest: 30 days at a 10 s interval (259,200 evaluations) of one rule with `for` over 5
 *    series sampled every 10 s (1.3 M samples): the replay, and the data load from Redis beside it.
 * 3. The rule page's preview: 7 days of 10 s data (the demo payment rule's shape: a ratio of two
 *    `sum by (instance) (rate(...[10m]))` with a threshold and a clear threshold, over 3 instances)
 *    written through the store, then `runBacktest` of the stored rule and a draft over the 7 days,
 *    evaluated every 10 s, as POST /api/v1/rules/backtest runs it: median of 3, end to end, and
 *    the part before the replay (rule set, compile, both rules' data from Redis).
 * Progress goes to stderr; the result is one JSON line on stdout.
 */
import { Redis } from 'ioredis';
import { backtest, compileRuleSet, DEFAULT_GROUP_INTERVAL_MS, evaluateRule, loadRuleSource, type CompiledRule, type RuleState } from '../../src/lib/server/rules';
import { MemorySource, type SeriesData } from '../../src/lib/server/promql';
import { runBacktest } from '../../src/lib/server/views';
import { RuleRepository } from '../../src/lib/server/alerting/ruleset';
import { createKeys } from '../../src/lib/server/keys';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { DAY, HOUR } from '../../src/lib/server/tsdb/types';
import { startBenchRedis } from './redis';

const progress = (msg: string) => process.stderr.write(`${msg}\n`);

function compile(yaml: string): CompiledRule {
	const set = compileRuleSet(yaml, 'bench.yml');
	if (set.problems.length) throw new Error(set.problems.join('\n'));
	return set.groups[0]!.rules[0]!;
}

function median(xs: number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)]!;
}

async function main() {
	const now = Math.floor(Date.now() / HOUR) * HOUR;
	const redis = await startBenchRedis();
	const client = new Redis(redis.url);
	try {
		// ---- 1. evaluation throughput --------------------------------------------------------
		const SERIES = 2000;
		const rule = compile(`groups:
  - name: bench
    interval: 10s
    rules:
      - alert: Slow
        expr: latency_seconds > 0.1
        for: 1m
        labels: { severity: warning }
        annotations: { summary: "{{ $labels.instance }} is slow: {{ $value | humanize }}s" }
`);
		const from = now - HOUR;
		const series: SeriesData[] = [];
		for (let s = 0; s < SERIES; s++) {
			const ts: number[] = [];
			const values: number[] = [];
			for (let t = from; t <= now; t += 10_000) {
				ts.push(t);
				values.push(0.1 + ((s * 7 + t / 10_000) % 50) / 100);
			}
			series.push({ labels: { __name__: 'latency_seconds', instance: `i${s}`, job: 'shop' }, ts, values });
		}
		const memory = new MemorySource(series);
		progress(`evaluating a rule over ${SERIES} series, in memory...`);
		let state: RuleState | undefined;
		let instances = 0;
		const marks = Array.from({ length: 60 }, (_, i) => now - 50 * 60_000 + i * 10_000);
		const t0 = performance.now();
		for (const at of marks) {
			const r = evaluateRule(rule, at, memory, state);
			state = r.state;
			instances += r.state.instances.length;
		}
		const memSeconds = (performance.now() - t0) / 1000;

		progress('writing the same series to Redis and evaluating through the store...');
		const store = new RedisStore(client, { prefix: 'bench:', now: () => now });
		for (let i = 0; i < series.length; i += 200) {
			await store.write(series.slice(i, i + 200).map((s) => ({ name: 'latency_seconds', labels: { instance: s.labels.instance!, job: 'shop' }, ts: s.ts, values: s.values })));
		}
		state = undefined;
		let storeInstances = 0;
		const perEval: number[] = [];
		const t1 = performance.now();
		for (const at of marks.slice(0, 20)) {
			const e0 = performance.now();
			const src = await loadRuleSource(store, rule, at, at);
			const r = evaluateRule(rule, at, src, state);
			state = r.state;
			storeInstances += r.state.instances.length;
			perEval.push(performance.now() - e0);
		}
		const storeSeconds = (performance.now() - t1) / 1000;

		// ---- 2. backtest ---------------------------------------------------------------------
		const btRule = compile(`groups:
  - name: bench
    interval: 10s
    rules:
      - alert: QueueStuck
        expr: queue_backlog > 800
        for: 5m
`);
		const start = now - 30 * DAY;
		const btSeries: SeriesData[] = [];
		for (let s = 0; s < 5; s++) {
			const ts: number[] = [];
			const values: number[] = [];
			for (let t = start - 10 * 60_000; t <= now; t += 10_000) {
				ts.push(t);
				// Mostly low, with a burst above the threshold every ~6 h.
				const phase = ((t / 60_000 + s * 37) % 360) / 360;
				values.push(phase > 0.97 ? 900 + s : 200 + ((t / 10_000) % 100));
			}
			btSeries.push({ labels: { __name__: 'queue_backlog', queue: `q${s}` }, ts, values });
		}
		const samples = btSeries.reduce((n, s) => n + s.ts.length, 0);
		progress(`backtesting 30 days at 10 s over 5 series (${samples.toLocaleString('en-US')} samples)...`);
		const runs: number[] = [];
		let result: ReturnType<typeof backtest> | undefined;
		for (let i = 0; i < 3; i++) {
			const b0 = performance.now();
			result = backtest(btRule, new MemorySource(btSeries), { from: start, to: now, interval: 10_000 });
			runs.push(performance.now() - b0);
		}

		progress('writing the backtest data to Redis and loading it back...');
		const btStore = new RedisStore(client, { prefix: 'bt:', now: () => now, retention: { raw: 40 * DAY } });
		for (const s of btSeries) {
			for (let i = 0; i < s.ts.length; i += 50_000) {
				await btStore.write([{ name: 'queue_backlog', labels: { queue: s.labels.queue! }, ts: s.ts.slice(i, i + 50_000), values: s.values.slice(i, i + 50_000) }]);
			}
		}
		const l0 = performance.now();
		await loadRuleSource(btStore, btRule, start, now);
		const loadMs = performance.now() - l0;

		// ---- 3. the preview: 7 days of 10 s data, the stored rule and a draft ----------------
		const preview = await previewBench(client, now);

		process.stdout.write(
			`${JSON.stringify({
				eval_series: SERIES,
				eval_instances_per_s_in_memory: Math.round(instances / memSeconds),
				eval_instances_per_s_from_redis: Math.round(storeInstances / storeSeconds),
				eval_ms_per_rule_from_redis_p50: Number(median(perEval).toFixed(1)),
				backtest_evaluations: result!.evaluations,
				backtest_samples: samples,
				backtest_replay_ms_median: Math.round(median(runs)),
				backtest_notifications: result!.notifications,
				backtest_load_from_redis_ms: Math.round(loadMs),
				...preview
			})}\n`
		);
		await store.close();
	} finally {
		client.disconnect();
		redis.stop();
	}
}

/**
 * The preview of the rule page over 7 days of 10 s data: 3 instances, each with a request counter
 * (about 10/s) and a failure counter (about 1% of requests, 25% for 20 minutes twice a day).
 */
async function previewBench(client: Redis, now: number): Promise<Record<string, number>> {
	const DAYS = 7;
	const INSTANCES = 3;
	const prefix = 'pv:';
	const keys = createKeys(prefix);
	const repo = new RuleRepository(client, keys);
	const rule = (threshold: number) => [
		'alert: PaymentFailureRatioHigh',
		`expr: sum by (instance) (rate(shop_payment_failures_total[10m])) / sum by (instance) (rate(http_request_duration_seconds_count{service="payments"}[10m])) > ${threshold}`,
		'for: 2m',
		'severity: critical',
		'clear_threshold: 0.02',
		'labels: { team: shop }',
		'annotations: { summary: "{{ $value | humanizePercentage }} of payments fail" }'
	];
	const group = compileRuleSet(`groups:\n  - name: shop.payments\n    interval: 10s\n    rules:\n${rule(0.1).map((l, i) => (i === 0 ? '      - ' : '        ') + l).join('\n')}\n`, 'bench.yml');
	if (group.problems.length) throw new Error(group.problems.join('\n'));
	await repo.save(group.specs, { author: 'bench' });
	const from = now - DAYS * DAY;
	const store = new RedisStore(client, { prefix, now: () => now, retention: { raw: (DAYS + 2) * DAY } });
	let samples = 0;
	for (let i = 0; i < INSTANCES; i++) {
		const ts: number[] = [];
		const requests: number[] = [];
		const failures: number[] = [];
		let req = 0;
		let fail = 0;
		for (let t = from - 15 * 60_000; t <= now; t += 10_000) {
			const n = 100 + ((t / 10_000 + i * 13) % 7);
			// Twice a day, 20 minutes (shifted per instance) where a quarter of the payments fail.
			const burst = (t / 60_000 + i * 90) % 720 < 20;
			req += n;
			fail += burst ? Math.round(n / 4) : (t / 10_000 + i) % 10 === 0 ? 10 : 0;
			ts.push(t);
			requests.push(req);
			failures.push(fail);
		}
		samples += 2 * ts.length;
		const labels = { instance: `pay-${i}:8080`, job: 'shop' };
		for (let j = 0; j < ts.length; j += 50_000) {
			await store.write([
				{ name: 'http_request_duration_seconds_count', labels: { ...labels, service: 'payments' }, ts: ts.slice(j, j + 50_000), values: requests.slice(j, j + 50_000), intervalMs: 10_000 },
				{ name: 'shop_payment_failures_total', labels, ts: ts.slice(j, j + 50_000), values: failures.slice(j, j + 50_000), intervalMs: 10_000 }
			]);
		}
	}
	progress(`preview: backtesting the stored payment rule and a draft over ${DAYS} days of 10 s data (${samples.toLocaleString('en-US')} samples), every 10 s...`);
	const runs: number[] = [];
	/** Up to "replaying": reading the rule set, compiling, loading both rules' data from Redis. */
	const loads: number[] = [];
	let r: Awaited<ReturnType<typeof runBacktest>> | undefined;
	for (let i = 0; i < 3; i++) {
		const p0 = performance.now();
		const mark = (m: string) => void (m.startsWith('replaying') && loads.push(performance.now() - p0));
		r = await runBacktest({ store, rules: repo, defaultGroupIntervalMs: DEFAULT_GROUP_INTERVAL_MS }, { rule: 'shop.payments/PaymentFailureRatioHigh', from, to: now, draft: rule(0.3).join('\n') + '\n', progress: mark });
		runs.push(performance.now() - p0);
	}
	return {
		preview_days: DAYS,
		preview_samples: samples,
		preview_evaluations: r!.current.evaluations,
		preview_ms_median: Math.round(median(runs)),
		preview_load_ms_median: Math.round(median(loads)),
		preview_notifications_current: r!.current.notifications,
		preview_notifications_draft: r!.draft!.notifications
	};
}

main().catch((err: Error) => {
	process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
	process.exit(1);
});
