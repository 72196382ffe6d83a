import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseSeriesValues } from '../promql';
import { buildRuleTest, formatSeriesValues, planRuleTest, resampleSeries, TestExportError, type RuleTestRule } from './test-export';
import { runRuleTests } from './unit-test';
import type { RawResult } from '../tsdb/types';

const MIN = 60_000;
const T = Date.UTC(2026, 10, 3, 12, 0, 0);

/** Runs `vigil rules test` on the exported pair, in memory. */
async function runExported(files: { ruleFileName: string; ruleFile: string; testFileName: string; testFile: string }): Promise<{ code: number; out: string }> {
	const fs = new Map([
		[`/x/${files.ruleFileName}`, files.ruleFile],
		[`/x/${files.testFileName}`, files.testFile]
	]);
	const lines: string[] = [];
	const code = await runRuleTests([`/x/${files.testFileName}`], {
		out: (l) => lines.push(l),
		readFile: async (p) => {
			const t = fs.get(p);
			if (t === undefined) throw Object.assign(new Error(`no ${p}`), { code: 'ENOENT' });
			return t;
		}
	});
	return { code, out: lines.join('\n') };
}

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));

/** Runs `promtool test rules` on the exported pair (when promtool is installed). */
async function promtool(files: { ruleFileName: string; ruleFile: string; testFileName: string; testFile: string }): Promise<void> {
	if (!PROMTOOL) return;
	const dir = mkdtempSync(join(tmpdir(), 'vigil-export-'));
	try {
		writeFileSync(join(dir, files.ruleFileName), files.ruleFile);
		writeFileSync(join(dir, files.testFileName), files.testFile);
		await promisify(execFile)(PROMTOOL, ['test', 'rules', files.testFileName], { cwd: dir });
	} catch (err) {
		const e = err as { stdout?: string; stderr?: string };
		throw new Error(`promtool failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

/** A series sampled every `every` ms over [from, to] with value f(t). */
function series(labels: Record<string, string>, from: number, to: number, every: number, f: (t: number) => number | 'stale' | null): RawResult {
	const ts: number[] = [];
	const values: number[] = [];
	const stale: number[] = [];
	for (let t = from; t <= to; t += every) {
		const v = f(t);
		if (v === null) continue;
		if (v === 'stale') stale.push(ts.length);
		ts.push(t);
		values.push(v === 'stale' ? NaN : v);
	}
	return { labels, ts, values, ...(stale.length ? { stale } : {}) };
}

describe('formatSeriesValues', () => {
	it('compresses runs and progressions, and parses back to the same values', () => {
		const cases: Array<Array<number | null | 'stale'>> = [
			[1, 1, 1, 1, null, null, null, 2, 4, 6, 8, 'stale', 5],
			[0.1, 0.2, 0.30000000000000004, 0.4, 7, -3, -4, -5, NaN, NaN, Infinity, Infinity, -Infinity, 1e21, 1e-7],
			[null],
			[5]
		];
		for (const values of cases) {
			const text = formatSeriesValues(values);
			const back = parseSeriesValues(text);
			expect(back.map(String)).toEqual(values.map(String));
		}
		expect(formatSeriesValues([1, 1, 1, 1, null, null, null, 2, 4, 6, 8, 'stale'])).toBe('1x3 _x3 2+2x3 stale');
		expect(formatSeriesValues([10, 7, 4, 1])).toBe('10-3x3');
	});

	it('resamples at the step: the last sample of (t - step, t], gaps and stale markers', () => {
		const s = { ts: [0, 10_000, 20_000, 30_000, 95_000, 100_000], values: [1, 2, 3, 4, 9, NaN], stale: [5] };
		expect(resampleSeries(s, 0, 120_000, 30_000)).toEqual([1, 4, null, null, 'stale']);
	});
});

describe('buildRuleTest', () => {
	const rule: RuleTestRule = {
		id: 'shop/PaymentFailures',
		group: 'shop',
		interval: '30s',
		intervalMs: 30_000,
		spec: {
			alert: 'PaymentFailures',
			expr: 'rate(payment_failures_total[2m]) > 0.5',
			for: '1m',
			severity: 'critical',
			annotations: { summary: '{{ $labels.instance }} fails {{ $value | humanize }}/s' }
		}
	};
	// Failures climb at 1/s for the instance a between 20 and 40 minutes, slower on b; scraped every 10 s.
	const data = (from: number, to: number): RawResult[] => [
		series({ __name__: 'payment_failures_total', instance: 'a' }, from, to, 10_000, (t) => (t < T + 20 * MIN ? (t - from) / 1000 / 100 : t < T + 40 * MIN ? (t - from) / 1000 : 5000)),
		series({ __name__: 'payment_failures_total', instance: 'b' }, from, to, 10_000, (t) => Math.floor((t - from) / 60_000)),
		series({ __name__: 'payment_failures_total', instance: 'gone' }, from, to, 10_000, (t) => (t < T + 10 * MIN ? 1 : t === T + 10 * MIN ? 'stale' : null))
	];

	it('exports series and the firing alerts at each change; `vigil rules test` passes on it', async () => {
		const window = { from: T, to: T + 60 * MIN };
		const plan = planRuleTest(rule, window);
		expect(plan.stepMs).toBe(30_000);
		// 2 minutes of range (5 minutes of lookback is longer) plus the 1 minute of `for`, before the window.
		expect(plan.windowStart - plan.start).toBe(6 * MIN);
		const out = await buildRuleTest(rule, plan, data(plan.dataFrom, plan.dataTo), { title: 'incident INC-3' });
		expect(out.ruleFileName).toBe('shop-PaymentFailures.rules.yml');
		expect(out.testFileName).toBe('shop-PaymentFailures.test.yml');
		expect(out.promtool).toBe(true);
		expect(out.ruleFile).toContain('severity: critical');
		expect(parse(out.ruleFile).groups[0].rules[0].severity).toBeUndefined();
		const doc = parse(out.testFile);
		expect(doc.rule_files).toEqual([out.ruleFileName]);
		expect(doc.evaluation_interval).toBe('30s');
		expect(doc.tests[0].interval).toBe('30s');
		expect(doc.tests[0].input_series.map((s: { series: string }) => s.series)).toEqual([
			'payment_failures_total{instance="a"}',
			'payment_failures_total{instance="b"}',
			'payment_failures_total{instance="gone"}'
		]);
		// Compressed: the flat tail of `a` is one run.
		expect(doc.tests[0].input_series[0].values).toMatch(/5000x\d+$/);
		// First evaluation of the window, firing from about 21 min (rate over 2 min, for 1 min), resolved about 41 min, and the end.
		expect(out.evalTimes[0]).toBe('6m');
		expect(out.evalTimes.at(-1)).toBe('1h6m');
		const tests = doc.tests[0].alert_rule_test as Array<{ eval_time: string; exp_alerts: Array<{ exp_labels: Record<string, string>; exp_annotations: Record<string, string> }> }>;
		const firingTimes = tests.filter((t) => t.exp_alerts.length > 0).map((t) => t.eval_time);
		expect(firingTimes).toHaveLength(1);
		expect(tests.map((t) => t.exp_alerts.length)).toEqual([0, 1, 0, 0]);
		expect(tests[1]!.exp_alerts[0]).toEqual({ exp_labels: { instance: 'a', severity: 'critical' }, exp_annotations: { summary: expect.stringMatching(/^a fails [\d.]+\/s$/) } });
		expect(out.alerts).toBe(1);
		const r = await runExported(out);
		expect(r.code, r.out).toBe(0);
		expect(r.out).toContain('SUCCESS');
		await promtool(out);
	});

	it('an alert already firing at the window start is firing at its first eval time', async () => {
		const plan = planRuleTest(rule, { from: T + 30 * MIN, to: T + 50 * MIN });
		const out = await buildRuleTest(rule, plan, data(plan.dataFrom, plan.dataTo));
		const doc = parse(out.testFile);
		expect(doc.tests[0].alert_rule_test[0].exp_alerts).toHaveLength(1);
		expect((await runExported(out)).code).toBe(0);
		await promtool(out);
	});

	it('a rule with Vigil-only keys still passes `vigil rules test`, and says promtool cannot run it', async () => {
		const vigil: RuleTestRule = { ...rule, spec: { ...rule.spec, clear_threshold: 0.2, runbook_url: 'https://runbooks.example/pay' } };
		const plan = planRuleTest(vigil, { from: T, to: T + 60 * MIN });
		const out = await buildRuleTest(vigil, plan, data(plan.dataFrom, plan.dataTo));
		expect(out.promtool).toBe(false);
		expect(out.vigilKeys).toEqual(['clear_threshold', 'runbook_url']);
		expect(out.testFile).toContain("promtool cannot run it: the rule uses Vigil's clear_threshold, runbook_url");
		expect((await runExported(out)).code).toBe(0);
	});

	it('refuses windows and series beyond the limits, naming the limit and what to narrow', async () => {
		expect(() => planRuleTest(rule, { from: T, to: T + 30 * 86_400_000 })).toThrow(/at most 20,000\b.*narrow the window to at most/);
		expect(() => planRuleTest(rule, { from: T, to: T - 1 })).toThrow(TestExportError);
		const plan = planRuleTest(rule, { from: T, to: T + 10 * MIN });
		const many = Array.from({ length: 5 }, (_, i) => series({ __name__: 'payment_failures_total', instance: `i${i}` }, plan.dataFrom, plan.dataTo, 30_000, () => 1));
		await expect(buildRuleTest(rule, plan, many, { limits: { maxSeries: 3, maxSteps: 20_000, maxEvalTimes: 500 } })).rejects.toThrow(/reads 5 series .*at most 3 in a test.*narrow the window/);
	});
});
