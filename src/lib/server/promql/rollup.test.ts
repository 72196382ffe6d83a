/**
 * Rollup reads against raw reads of the same samples: where rollup.ts says the answer is the same
 * (max, min, sum, count and avg over whole buckets, the latest value), it must be, at times aligned
 * to the bucket width; rate() over hour rollups stays close to the raw answer for a steady counter.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../tsdb/memory-store';
import { HOUR, MINUTE } from '../tsdb/types';
import { evalRange, loadRollupSource, loadSource, parseExpr, rollupWidth } from '.';

const T0 = Date.UTC(2026, 0, 10);
const END = T0 + 12 * HOUR;

async function store(): Promise<MemoryStore> {
	const s = new MemoryStore({ now: () => END + HOUR });
	// Samples every 50 s starting 7 s past the hour: none falls on a bucket boundary.
	for (const inst of ['a', 'b']) {
		const ts: number[] = [];
		const gauge: number[] = [];
		const counter: number[] = [];
		let c = 0;
		for (let t = T0 + 7_000; t <= END; t += 50_000) {
			ts.push(t);
			gauge.push(Math.round(100 * Math.sin(t / 3_000_000 + (inst === 'a' ? 0 : 1))) / 10);
			c += inst === 'a' ? 5 : 2 + ((t / 50_000) % 3);
			counter.push(c);
		}
		await s.write([
			{ name: 'temp', labels: { inst }, ts, values: gauge },
			{ name: 'reqs_total', labels: { inst }, ts, values: counter }
		]);
	}
	return s;
}

async function both(text: string, width: number, start: number, end: number, step: number) {
	const s = await store();
	const expr = parseExpr(text);
	const raw = evalRange(expr, start, end, step, await loadSource(s, expr, start, end));
	const r = await loadRollupSource(s, expr, start, end, width);
	const rolled = evalRange(r.expr, start, end, step, r.source, { lookbackMs: r.lookbackMs });
	return { raw, rolled };
}

describe('rollup reads', () => {
	it('picks the coarsest width no wider than the step', () => {
		expect(rollupWidth(30_000)).toBeUndefined();
		expect(rollupWidth(5 * MINUTE)).toBe(MINUTE);
		expect(rollupWidth(HOUR)).toBe(HOUR);
		expect(rollupWidth(6 * HOUR)).toBe(HOUR);
	});

	for (const [text, width] of [
		['max_over_time(temp[1h])', HOUR],
		['min_over_time(temp[2h])', HOUR],
		['sum_over_time(temp[1h])', HOUR],
		['count_over_time(temp[3h])', HOUR],
		['avg_over_time(temp[1h]) * 2', HOUR],
		['max by (inst) (max_over_time(temp[10m]))', MINUTE],
		['temp', HOUR],
		['last_over_time(temp[1h])', HOUR]
	] as const) {
		it(`${text} over ${width / MINUTE} min rollups equals the raw answer at aligned times`, async () => {
			const step = width === HOUR ? HOUR : 10 * MINUTE;
			const { raw, rolled } = await both(text, width, T0 + 3 * HOUR, END, step);
			expect(rolled.type).toBe('matrix');
			if (raw.type !== 'matrix' || rolled.type !== 'matrix') return;
			expect(rolled.series.map((s) => s.labels)).toEqual(raw.series.map((s) => s.labels));
			expect(raw.series.length).toBeGreaterThan(0);
			rolled.series.forEach((s, i) => {
				expect(s.ts).toEqual(raw.series[i]!.ts);
				s.values.forEach((v, k) => expect(v).toBeCloseTo(raw.series[i]!.values[k]!, 9));
			});
		});
	}

	for (const range of ['1h', '3h']) {
		it(`rate(x[${range}]) over hour rollups is within 2 % of the raw answer for steady counters`, async () => {
			const { raw, rolled } = await both(`rate(reqs_total[${range}])`, HOUR, T0 + 4 * HOUR, END, HOUR);
			if (raw.type !== 'matrix' || rolled.type !== 'matrix') throw new Error('expected matrices');
			expect(rolled.series).toHaveLength(2);
			rolled.series.forEach((s, i) => {
				expect(s.ts).toEqual(raw.series[i]!.ts);
				s.values.forEach((v, k) => expect(Math.abs(v / raw.series[i]!.values[k]! - 1)).toBeLessThan(0.02));
			});
		});
	}

	it('a time between bucket ends sees the last whole bucket', async () => {
		const { rolled } = await both('temp{inst="a"}', HOUR, T0 + 3 * HOUR + 20 * MINUTE, T0 + 5 * HOUR, HOUR);
		if (rolled.type !== 'matrix') throw new Error('expected a matrix');
		expect(rolled.series[0]!.ts).toEqual([T0 + 3 * HOUR + 20 * MINUTE, T0 + 4 * HOUR + 20 * MINUTE]);
	});
});
