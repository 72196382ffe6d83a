import { describe, expect, it } from 'vitest';
import { evalInstant } from '../../src/lib/server/promql/eval';
import { parseExpr } from '../../src/lib/server/promql/parse';
import { MemorySource, type SeriesData } from '../../src/lib/server/promql/source';
import type { Labels } from '../../src/lib/shared/series';
import type { MetricFamily } from '../exposition/parse';
import { HistogramWindows, type WindowedQuantile } from './histogram-window';
import { prometheusSource } from './prometheus';
import { rng } from '../../src/lib/server/promql/testing/generate';

const LES = ['0.1', '0.5', '1', '2.5', '+Inf'];


/** One histogram series of a simulated target: cumulative bucket counts. */
interface Sim {
	labels: Labels;
	counts: number[];
	/** Seconds in which it is exposed: [from, to). */
	from: number;
	to: number;
}

function family(series: readonly Sim[]): MetricFamily {
	return {
		name: 'req_seconds',
		type: 'histogram',
		samples: series.flatMap((s) => LES.map((le, i) => ({ name: 'req_seconds_bucket', labels: { ...s.labels, le }, value: s.counts[i]! })))
	};
}

/**
 * A target scraped every second for `seconds`: requests whose latency distribution shifts (a
 * spike from 30 s to 50 s), processes that restart (counts back to 0), a series that appears and
 * one that goes away, and scrapes that are missed. Returns what was scraped, at which times.
 */
function simulate(seed: number, seconds: number): Array<{ t: number; series: Sim[] }> {
	const random = rng(seed);
	const sims: Sim[] = [
		{ labels: { route: '/checkout', code: '200', method: 'POST' }, counts: LES.map(() => 0), from: 0, to: Infinity },
		{ labels: { route: '/checkout', code: '502', method: 'POST' }, counts: LES.map(() => 0), from: 0, to: 45 },
		{ labels: { route: '/search', code: '200', method: 'GET' }, counts: LES.map(() => 0), from: 0, to: Infinity },
		{ labels: { route: '/search', code: '500', method: 'GET' }, counts: LES.map(() => 0), from: 20, to: Infinity }
	];
	const t0 = 1_700_000_000_000;
	const out: Array<{ t: number; series: Sim[] }> = [];
	for (let sec = 0; sec < seconds; sec++) {
		const spike = sec >= 30 && sec < 50;
		for (const s of sims) {
			if (sec < s.from || sec >= s.to) continue;
			if (random() < 0.03) s.counts = LES.map(() => 0); // the process restarted
			const n = Math.floor(random() * 12);
			for (let k = 0; k < n; k++) {
				const latency = (spike ? 2 : 0.2) * -Math.log(1 - random());
				LES.forEach((le, i) => {
					if (latency <= Number(le === '+Inf' ? Infinity : le)) s.counts[i]!++;
				});
			}
		}
		if (random() < 0.08) continue; // a missed scrape
		out.push({ t: t0 + sec * 1000, series: sims.filter((s) => sec >= s.from && sec < s.to).map((s) => ({ ...s, counts: [...s.counts] })) });
	}
	return out;
}

/** What the rule engine answers at t over the scrapes stored until then (those of the last 20 s suffice). */
function engine(expr: string, scrapes: Array<{ t: number; series: Sim[] }>, t: number): Map<string, number> {
	const byKey = new Map<string, SeriesData>();
	for (const scrape of scrapes) {
		if (scrape.t < t - 20_000) continue;
		if (scrape.t > t) break;
		for (const s of scrape.series) {
			LES.forEach((le, i) => {
				const labels = { __name__: 'req_seconds_bucket', ...s.labels, le };
				const key = JSON.stringify(Object.entries(labels).sort());
				let d = byKey.get(key);
				if (!d) byKey.set(key, (d = { labels, ts: [], values: [] }));
				d.ts.push(scrape.t);
				d.values.push(s.counts[i]!);
			});
		}
	}
	const r = evalInstant(parseExpr(expr), t, new MemorySource([...byKey.values()]));
	if (r.type !== 'vector') throw new Error('expected a vector');
	return new Map(r.samples.map((s) => [JSON.stringify(Object.entries(s.labels).sort()), s.value]));
}

function ours(qs: WindowedQuantile[], q: number): Map<string, number> {
	return new Map(qs.filter((x) => x.quantile === q).map((x) => [JSON.stringify(Object.entries(x.labels).sort()), x.value]));
}

function expectSame(actual: Map<string, number>, expected: Map<string, number>, at: string): void {
	expect([...actual.keys()].sort(), at).toEqual([...expected.keys()].sort());
	for (const [k, v] of expected) {
		const a = actual.get(k)!;
		if (Number.isNaN(v)) expect(a, `${at} ${k}`).toBeNaN();
		else expect(a, `${at} ${k}`).toBeCloseTo(v, 9);
	}
}

describe('quantiles over a window', () => {
	for (const seed of [1, 2, 3]) {
		it(`are what the rule engine answers for histogram_quantile over rate(..._bucket[20s]), after every scrape (seed ${seed})`, () => {
			const scrapes = simulate(seed, 90);
			const perSeries = new HistogramWindows({ windowMs: 20_000, intervalMs: 1000 });
			const byRoute = new HistogramWindows({ windowMs: 20_000, intervalMs: 1000, by: ['route'] });
			let compared = 0;
			for (const scrape of scrapes) {
				const at = `t=${(scrape.t - scrapes[0]!.t) / 1000}s`;
				const a = perSeries.scrape(scrape.t, [family(scrape.series)], [0.5, 0.95]);
				const b = byRoute.scrape(scrape.t, [family(scrape.series)], [0.95]);
				expectSame(ours(a, 0.95), engine('histogram_quantile(0.95, rate(req_seconds_bucket[20s]))', scrapes, scrape.t), at);
				expectSame(ours(a, 0.5), engine('histogram_quantile(0.5, rate(req_seconds_bucket[20s]))', scrapes, scrape.t), at);
				expectSame(ours(b, 0.95), engine('histogram_quantile(0.95, sum by (le, route) (rate(req_seconds_bucket[20s])))', scrapes, scrape.t), at);
				compared += ours(b, 0.95).size;
			}
			expect(compared).toBeGreaterThan(100);
		});
	}

	it('follow a spike up, and back down once it has left the window', () => {
		const w = new HistogramWindows({ windowMs: 60_000, intervalMs: 1000 });
		const counts = LES.map(() => 0);
		const p95: number[] = [];
		// A day of fast requests (0.05 s), then 2 minutes at 3 s, then fast again.
		const phases: Array<[seconds: number, latencyBucket: number]> = [[86_400, 0], [120, 4], [300, 0]];
		let t = 0;
		for (const [seconds, bucket] of phases) {
			for (let s = 0; s < seconds; s++, t += 1000) {
				for (let i = bucket; i < LES.length; i++) counts[i]! += 10;
				if (t < 86_000_000) continue; // only the end of the day is scraped, for speed
				const q = w.scrape(t, [family([{ labels: {}, counts, from: 0, to: Infinity }])], [0.95]);
				p95.push(q[0]?.value ?? NaN);
			}
		}
		const day = 86_400 - 86_000;
		expect(p95[day - 1]).toBeLessThan(0.1);
		// Within the spike, once it fills more than 5 % of the window, p95 is in the slow bucket.
		expect(p95[day + 30]).toBeGreaterThan(1);
		// A window after the spike ended, p95 is back to the fast bucket. The cumulative quantile
		// (all of the day's requests) would never have moved at all.
		expect(p95[day + 120 + 61]).toBeLessThan(0.1);
		expect(w.size()).toEqual({ series: LES.length, points: LES.length * 61 });
	});

	it('keep at most a window of scrapes per series, and forget series gone for a window', () => {
		const w = new HistogramWindows({ windowMs: 10_000, intervalMs: 1000 });
		const a: Sim = { labels: { code: '200' }, counts: [1, 2, 3, 4, 5], from: 0, to: Infinity };
		const b: Sim = { labels: { code: '500' }, counts: [1, 1, 1, 1, 1], from: 0, to: Infinity };
		for (let s = 0; s < 100; s++) w.scrape(s * 1000, [family([a, b])], [0.5]);
		// The window [89 s, 99 s] holds 11 scrapes of 2 series of 5 buckets.
		expect(w.size()).toEqual({ series: 10, points: 110 });
		// b leaves the exposition: it still counts while its samples are in the window, as stored samples do for a rule.
		w.scrape(100_000, [family([a])], [0.5]);
		expect(w.size().series).toBe(10);
		for (let s = 101; s <= 110; s++) w.scrape(s * 1000, [family([a])], [0.5]);
		expect(w.size()).toEqual({ series: 5, points: 55 });
		// The whole family goes: everything is forgotten a window later.
		for (let s = 111; s <= 121; s++) w.scrape(s * 1000, [], [0.5]);
		expect(w.size()).toEqual({ series: 0, points: 0 });
	});

	it('answer nothing before a second scrape, then the rate over what there is', () => {
		const w = new HistogramWindows({ windowMs: 300_000, intervalMs: 1000 });
		expect(w.scrape(0, [family([{ labels: {}, counts: [0, 0, 0, 0, 0], from: 0, to: Infinity }])], [0.5])).toEqual([]);
		const [q] = w.scrape(1000, [family([{ labels: {}, counts: [0, 10, 10, 10, 10], from: 0, to: Infinity }])], [0.5]);
		expect(q!.value).toBeCloseTo(0.1 + 0.4 * 0.5, 9);
	});
});

describe("the prometheus source's quantile options", () => {
	const parse = (extra: Record<string, unknown>) => prometheusSource.schema.safeParse({ kind: 'prometheus', name: 'm', url: 'http://127.0.0.1:9/metrics', interval: '15s', quantiles: [0.95], ...extra });
	const messages = (extra: Record<string, unknown>) => {
		const r = parse(extra);
		return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
	};

	it('default to a 5-minute window, each series on its own', () => {
		const r = parse({});
		expect(r.success && { w: r.data.quantileWindow, by: r.data.quantileBy }).toEqual({ w: 300_000, by: undefined });
	});

	it('refuse a window that cannot hold two scrapes, and "le" among the labels to sum by', () => {
		expect(messages({ quantileWindow: '20s' })).toEqual(['quantileWindow: must hold at least two scrapes: at least twice the interval (30s), got 20s']);
		expect(messages({ quantileWindow: '20s', quantiles: [] })).toEqual([]);
		expect(messages({ quantileBy: ['route', 'le'] })).toEqual(['quantileBy.1: "le" is always kept: leave it out']);
		expect(messages({ quantileBy: [] })).toEqual(['quantileBy: name at least one label, or leave quantileBy out to keep each series on its own']);
	});
});
