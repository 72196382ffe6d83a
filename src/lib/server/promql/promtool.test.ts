/**
 * Differential tests against Prometheus v2.42's promtool: generated series and expressions
 * across the engine's subset, the engine's answers written as `promtool test rules` expectations,
 * promtool's failures attributed to checks. Seeded and reproducible: PROMQL_SEED picks the seed
 * (printed), PROMQL_GROUPS the number of generated groups.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateGroup } from './testing/generate';
import { runDifferential, type Report } from './testing/promtool';
import { REGRESSIONS } from './testing/regressions';

const PROMTOOL = process.env.PROMTOOL ?? '/usr/bin/promtool';
const found = existsSync(PROMTOOL);
const SEED = Number(process.env.PROMQL_SEED ?? 20240242);
const GROUPS = Number(process.env.PROMQL_GROUPS ?? 36);

function summary(label: string, r: Report): string {
	const c = r.counts;
	const withSamples = r.outcomes.filter((o) => (o.status === 'exact' || o.status === 'approx') && o.samples > 0).length;
	const lines = [
		`${label}: ${c.exact + c.approx + c.error} checks agree with promtool (${c.exact} exact, ${c.approx} equal but for the last bits of an order-dependent sum, ${c.error} the same error; ${withSamples} with a non-empty result), ${c.skipped} skipped (topk/bottomk among equal values), ${c.failed} differ`
	];
	for (const f of r.failures.slice(0, 20)) lines.push(`--- ${f.group}, t=${f.t}ms: ${f.expr}\n${f.detail}`);
	return lines.join('\n');
}

describe.skipIf(!found)('PromQL engine against promtool 2.42', () => {
	it(`agrees on generated expressions (seed ${SEED})`, { timeout: 120_000 }, () => {
		const groups = Array.from({ length: GROUPS }, (_, i) => generateGroup(SEED, i, 12, 2));
		const report = runDifferential(groups, { promtool: PROMTOOL });
		const text = summary(`seed ${SEED}`, report);
		console.log(text);
		expect(report.failures, text).toEqual([]);
		expect(report.counts.exact + report.counts.approx + report.counts.error).toBeGreaterThanOrEqual(300);
	});

	it('agrees on the fixed regression cases (stale markers, lookback edges, and what the generator found)', { timeout: 60_000 }, () => {
		const report = runDifferential(REGRESSIONS, { promtool: PROMTOOL });
		const text = summary('regressions', report);
		console.log(text);
		expect(report.failures, text).toEqual([]);
		expect(report.counts.skipped).toBe(0);
	});
});

describe.skipIf(found)('PromQL engine against promtool 2.42', () => {
	it.skip(`promtool not found at ${PROMTOOL}: apt-get install prometheus`, () => {});
});
