import { describe, expect, it } from 'vitest';
import { MemorySource, type SeriesData } from '../promql';
import { backtest, compareBacktests } from './backtest';
import { compileRule, type CompiledRule } from './compile';
import { evaluate } from './evaluate';
import type { AlertEvent, RuleState } from './types';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const DAY = 24 * H;

function rule(spec: Record<string, unknown>, intervalMs = M): CompiledRule {
	const r = compileRule({ alert: 'A', ...spec }, { name: 'g', intervalMs });
	if (!r.rule) throw new Error(JSON.stringify(r.problems));
	return r.rule;
}

/** A deterministic pseudo-random walk per series, with gaps and a stale marker now and then. */
function walk(labels: Record<string, string>, from: number, to: number, step: number, seed: number): SeriesData {
	let x = seed;
	const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
	const s: SeriesData = { labels, ts: [], values: [] };
	const stale: number[] = [];
	let v = 5;
	for (let t = from; t <= to; t += step) {
		const r = rnd();
		if (r < 0.01) continue;
		if (r < 0.012) {
			stale.push(s.ts.length);
			s.ts.push(t);
			s.values.push(NaN);
			continue;
		}
		v = Math.max(0, v + (rnd() - 0.5) * 2);
		s.ts.push(t);
		s.values.push(v);
	}
	if (stale.length) s.stale = stale;
	return s;
}

const eventText = (e: AlertEvent) => `${e.at} ${e.fingerprint} ${e.from}->${e.to}`;

describe('backtest', () => {
	it('sees at each evaluation only what a live evaluation would have: a negative offset does not look into the future', () => {
		// z jumps to 10 at 3m; `z offset -1m` reads a minute ahead, which live is not there yet.
		const z: SeriesData = { labels: { __name__: 'z' }, ts: [0, M, 2 * M, 3 * M, 4 * M, 5 * M], values: [0, 0, 0, 10, 10, 10] };
		const res = backtest(rule({ expr: 'z offset -1m > 5' }), new MemorySource([z]), { from: 0, to: 5 * M });
		const firing = res.instances.flatMap((i) => i.spans.filter((s) => s.state === 'firing'));
		// Live, the sample of 3m is seen from 3m on (at 2m the window reaches 3m, but it does not exist yet).
		expect(firing.map((s) => s.from)).toEqual([3 * M]);
	});

	it('gives the same state changes as evaluating at every step', () => {
		const series = ['a', 'b', 'c'].map((svc, i) => walk({ __name__: 'lat', svc }, 0, 6 * H, 10 * S, i + 1));
		const source = new MemorySource(series);
		for (const spec of [
			{ expr: 'lat > 6', for: '2m' },
			{ expr: 'lat > 6', for: '1m', keep_firing_for: '3m', clear_threshold: 4 },
			{ expr: 'avg_over_time(lat[2m]) > 5.5', clear_expr: 'avg_over_time(lat[2m]) < 5', nodata: 'alerting' },
			{ expr: 'max by (svc) (rate(lat[1m])) > 0.05', nodata: 'keep_last' }
		]) {
			const r = rule(spec);
			const fromBacktest: string[] = [];
			const res = backtest(r, source, { from: 0, to: 6 * H, interval: 30 * S, onEvent: (e) => fromBacktest.push(eventText(e)) });
			expect(res.stepwise).toBeUndefined();
			const stepwise: string[] = [];
			let state: RuleState | undefined;
			for (let t = 0; t <= 6 * H; t += 30 * S) {
				const step = evaluate(r, t, source, state, { annotations: false });
				state = step.state;
				stepwise.push(...step.events.map(eventText));
			}
			expect(fromBacktest.length).toBeGreaterThan(0);
			expect(fromBacktest).toEqual(stepwise);
			expect(res.evaluations).toBe(6 * 120 + 1);
		}
	});

	it('reports spans per instance and counts notifications', () => {
		// Above 5 from 10m to 20m, and from 1h to 10h.
		const v = (t: number) => ((t >= 10 * M && t < 20 * M) || (t >= H && t < 10 * H) ? 9 : 1);
		const s: SeriesData = { labels: { __name__: 'lat', svc: 'a' }, ts: [], values: [] };
		for (let t = 0; t <= 12 * H; t += M) {
			s.ts.push(t);
			s.values.push(v(t));
		}
		const res = backtest(rule({ expr: 'lat > 5', for: '5m' }), new MemorySource([s]), { from: 0, to: 12 * H });
		expect(res.instances).toHaveLength(1);
		expect(res.instances[0]!.labels).toEqual({ alertname: 'A', svc: 'a' });
		expect(res.instances[0]!.spans).toEqual([
			{ state: 'pending', from: 10 * M, to: 15 * M },
			{ state: 'firing', from: 15 * M, to: 20 * M },
			{ state: 'pending', from: H, to: H + 5 * M },
			{ state: 'firing', from: H + 5 * M, to: 10 * H }
		]);
		// Fired twice, resolved twice, and repeated at +4h and +8h of the second firing.
		expect(res.notifications).toBe(6);
		expect(res.evaluations).toBe(12 * 60 + 1);
		const open = backtest(rule({ expr: 'lat > 5' }), new MemorySource([s]), { from: 0, to: 5 * H, interval: 10 * M });
		expect(open.instances[0]!.spans.at(-1)).toEqual({ state: 'firing', from: H, to: 5 * H, open: true });
	});

	it('aligns evaluations to the interval', () => {
		const res = backtest(rule({ expr: 'vector(1)' }), new MemorySource([]), { from: 25 * S, to: 5 * M + 5 * S, interval: M });
		expect(res.evaluations).toBe(5);
		expect(res.instances[0]!.spans[0]!.from).toBe(M);
	});

	it('compares a draft with the current rule', () => {
		const s = walk({ __name__: 'lat', svc: 'a' }, 0, 12 * H, M, 7);
		const source = new MemorySource([s]);
		const current = backtest(rule({ expr: 'lat > 6' }), source, { from: 0, to: 12 * H });
		const draft = backtest(rule({ expr: 'lat > 6', for: '10m', clear_threshold: 5 }), source, { from: 0, to: 12 * H });
		const cmp = compareBacktests(current, draft);
		expect(cmp.notificationsDelta).toBe(draft.notifications - current.notifications);
		expect(cmp.notificationsDelta).toBeLessThan(0);
		expect(cmp.differences.some((d) => d.kind === 'missing')).toBe(true);
		expect(cmp.differences.every((d) => d.to > d.from && d.labels.svc === 'a' && !('alertname' in d.labels))).toBe(true);
		expect(compareBacktests(current, current).differences).toEqual([]);
	});

	// Speed is measured by `npm run bench:rules`, not asserted here.
	it('replays 30 days at 10 s of a rule over a few series, every evaluation', () => {
		const to = 30 * DAY;
		const series = ['a', 'b', 'c'].map((svc, i) => walk({ __name__: 'lat', svc }, 0, to, 10 * S, i + 11));
		const source = new MemorySource(series);
		const r = rule({ expr: 'lat > 8', for: '1m', keep_firing_for: '2m', clear_threshold: 6 }, 10 * S);
		const res = backtest(r, source, { from: 0, to });
		expect(res.evaluations).toBe(259_201);
		console.log(`backtest: 30 days at 10 s (${res.evaluations} evaluations, 3 series): ${Math.round(res.durationMs)} ms, ${res.notifications} notifications`);
		expect(res.notifications).toBeGreaterThan(0);
		expect(Number.isFinite(res.durationMs)).toBe(true);
	}, 60_000);
});
