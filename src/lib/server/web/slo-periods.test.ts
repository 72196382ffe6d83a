import { describe, expect, it } from 'vitest';
import { boardDef } from '../../shared/boards';
import { periodBudget } from '../../shared/slo-period';
import type { RangeResult, Selector } from '../tsdb/types';
import { boardStage, judgeSteps, SloPeriods } from './slo-periods';

const MIN = 60_000;

/** A store of one series sampled each minute: `value(t)` gives the value of minute t. */
function fakeStore(value: (t: number) => number | null) {
	const reads: Array<[number, number]> = [];
	return {
		reads,
		async range(_sel: Selector, from: number, to: number, step: number): Promise<RangeResult[]> {
			reads.push([from, to]);
			const r: RangeResult = { labels: { __name__: 'ratio' }, resolution: '1m', step, t: [], count: [], min: [], max: [], sum: [], avg: [], last: [] };
			for (let t = Math.ceil(from / step) * step; t <= to; t += step) {
				const v = value(t);
				if (v === null) continue;
				r.t.push(t);
				r.count.push(1);
				for (const a of [r.min, r.max, r.sum, r.avg, r.last]) a.push(v);
			}
			return [r];
		}
	};
}

const board = boardDef.parse({
	name: 'b',
	tiles: [
		{ kind: 'alerts', title: 'A' },
		{ kind: 'slo', title: 'SLO', window: 3_600_000, objectives: [{ name: 'Failure rate', selector: 'ratio', op: '<', target: 0.001, goal: 0.99 }] }
	]
});

describe('SLO tile budgets over the calendar period', () => {
	it('judges a step bad when any series fails it, good when all meet it; no data counts for nothing', () => {
		const r = (last: number[], t: number[]): RangeResult => ({ labels: {}, resolution: '1m', step: MIN, t, count: t.map(() => 1), min: last, max: last, sum: last, avg: last, last });
		expect(judgeSteps([r([0, 0.5, 0], [0, MIN, 2 * MIN]), r([0.2, 0], [0, MIN])], '<', 0.001, 0, 3 * MIN)).toEqual({ good: 1, bad: 2 });
		expect(judgeSteps([r([NaN], [0])], '<', 1, 0, MIN)).toEqual({ good: 0, bad: 0 });
		// A next stage from the third minute on: 0.0007 meets 0.1 % before it, not 0.05 % after.
		const stage = { level: 0.0005, from: '2027-07-01', fromMs: 2 * MIN };
		expect(judgeSteps([r([0.0007, 0.0007, 0.0007, 0.0004], [0, MIN, 2 * MIN, 3 * MIN])], '<', 0.001, 0, 4 * MIN, stage)).toEqual({ good: 3, bad: 1 });
		expect(boardStage({ target: 0.95, from: '2027-07-01' }, 'Europe/Berlin')).toEqual({ level: 0.95, from: '2027-07-01', fromMs: Date.UTC(2027, 5, 30, 22) });
		expect(boardStage(undefined, 'UTC')).toBeUndefined();
	});

	it("counts the current month in the reports' zone, reads only new minutes, and starts again with the next month", async () => {
		const zone = 'Europe/Berlin';
		// Berlin's November 2026 starts at 2026-10-31T23:00Z; the 1st, 10:00 local is 09:00Z.
		const monthStart = Date.UTC(2026, 9, 31, 23);
		const badFrom = Date.UTC(2026, 10, 1, 8);
		// Bad for the first hour after 08:00Z, then fine.
		const store = fakeStore((t) => (t >= badFrom && t < badFrom + 60 * MIN ? 0.02 : 0));
		const slos = new SloPeriods(board, zone);
		const now = Date.UTC(2026, 10, 1, 10, 0, 30);
		expect(await slos.refresh(store, now)).toBe(true);
		const [e] = slos.entries();
		expect(e).toMatchObject({ tile: 1, objective: 0, label: '2026-11', zone, from: monthStart, to: Date.UTC(2026, 10, 30, 23), stepMs: MIN, bad: 60 });
		// Minutes from the month's start to 10:00Z (the minute 09:59 closed; 10:00 not yet settled).
		expect(e!.good + e!.bad).toBe(11 * 60);
		expect(e!.through).toBe(Date.UTC(2026, 10, 1, 10));
		// 60 bad minutes of a 30-day month at 99 %: 60 / 432 of the budget spent.
		expect(periodBudget(e!, 0.99).budgetLeft).toBeCloseTo(1 - 60 / 432);
		// The next refresh reads only the minutes since.
		store.reads.length = 0;
		expect(await slos.refresh(store, now + 2 * MIN)).toBe(true);
		expect(store.reads).toEqual([[Date.UTC(2026, 10, 1, 10), Date.UTC(2026, 10, 1, 10, 2) - 1]]);
		expect(slos.entries()[0]!.good).toBe(11 * 60 - 60 + 2);
		expect(await slos.refresh(store, now + 2 * MIN + 1000)).toBe(false);
		// December: a new period, from nothing.
		await slos.refresh(store, Date.UTC(2026, 10, 30, 23, 5));
		expect(slos.entries()[0]).toMatchObject({ label: '2026-12', from: Date.UTC(2026, 10, 30, 23), bad: 0, good: 4 });
	});

	it('a quarter when the tile asks for one', async () => {
		const q = boardDef.parse({ name: 'q', tiles: [{ kind: 'slo', title: 'S', period: 'quarter', objectives: [{ name: 'x', selector: 'ratio', op: '<', target: 1 }] }] });
		const slos = new SloPeriods(q, 'UTC');
		await slos.refresh(fakeStore(() => null), Date.UTC(2026, 10, 15));
		expect(slos.entries()[0]).toMatchObject({ label: '2026-Q4', from: Date.UTC(2026, 9, 1), to: Date.UTC(2027, 0, 1), good: 0, bad: 0 });
	});
});
