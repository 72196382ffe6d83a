/**
 * evalRange must give, at every step, what evalInstant gives at that time: checked over generated
 * series and expressions (the differential suite's generator), with steps finer and coarser than
 * the sampling interval.
 */
import { describe, expect, it } from 'vitest';
import { PromQLError } from './errors';
import { evalInstant, evalRange } from './eval';
import { parseExpr, type Expr } from './parse';
import { MemorySource } from './source';
import { generateGroup } from './testing/generate';
import { seriesData } from './testing/promtool';

const SEED = Number(process.env.PROMQL_SEED ?? 7);

function key(labels: Record<string, string>): string {
	return JSON.stringify(Object.entries(labels).sort());
}

function same(a: number, b: number): boolean {
	return Object.is(a, b) || a === b;
}

/** Compares a range evaluation with instant evaluations; returns the first difference. */
function compare(expr: Expr, start: number, end: number, step: number, source: MemorySource): string | undefined {
	const instants: ({ error: string } | Map<string, number> | number)[] = [];
	let firstError: string | undefined;
	for (let t = start; t <= end; t += step) {
		try {
			const r = evalInstant(expr, t, source);
			instants.push(r.type === 'scalar' ? r.value : new Map(r.samples.map((s) => [key(s.labels), s.value])));
		} catch (e) {
			if (!(e instanceof PromQLError)) throw e;
			firstError ??= e.message;
			instants.push({ error: e.message });
		}
	}
	let range;
	try {
		range = evalRange(expr, start, end, step, source);
	} catch (e) {
		if (!(e instanceof PromQLError)) throw e;
		return firstError === e.message ? undefined : `range failed with "${e.message}", instant with ${firstError ?? 'nothing'}`;
	}
	if (firstError) return `instant failed with "${firstError}", range did not`;
	if (range.type === 'scalar') {
		for (let i = 0; i < instants.length; i++) {
			if (!same(range.values[i]!, instants[i] as number)) return `step ${i}: range ${range.values[i]}, instant ${String(instants[i])}`;
		}
		return undefined;
	}
	const got = instants.map(() => new Map<string, number>());
	for (const s of range.series) {
		const k = key(s.labels);
		s.ts.forEach((t, j) => got[(t - start) / step]!.set(k, s.values[j]!));
	}
	for (let i = 0; i < instants.length; i++) {
		const want = instants[i] as Map<string, number>;
		if (want.size !== got[i]!.size) return `step ${i}: range has ${got[i]!.size} samples, instant ${want.size}`;
		for (const [k, v] of want) if (!got[i]!.has(k) || !same(got[i]!.get(k)!, v)) return `step ${i}: ${k} range ${got[i]!.get(k)}, instant ${v}`;
	}
	return undefined;
}

describe('evalRange', () => {
	it(`equals evalInstant at every step (generated, seed ${SEED})`, { timeout: 60_000 }, () => {
		const problems: string[] = [];
		let compared = 0;
		for (let gi = 0; gi < 12; gi++) {
			const group = generateGroup(SEED, gi, 10, 1);
			const source = new MemorySource(seriesData(group.intervalMs, group.series));
			const end = Math.max(...group.series.map((s) => s.slots.length)) * group.intervalMs + 360_000;
			for (const c of group.checks) {
				let expr: Expr;
				try {
					expr = parseExpr(c.expr);
				} catch {
					continue;
				}
				for (const step of [7_000, group.intervalMs, 95_000]) {
					const start = (gi * 1_000) % step;
					const d = compare(expr, start, end, step, source);
					compared++;
					if (d) problems.push(`${c.expr} (step ${step}): ${d}`);
				}
			}
		}
		expect(problems).toEqual([]);
		expect(compared).toBeGreaterThan(300);
	});
});
