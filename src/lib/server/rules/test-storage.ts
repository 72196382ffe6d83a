/**
 * The storage of a rule test, as promtool's (a lazy loader over a test TSDB): the input series are
 * appended up to each evaluation time, before the rules are evaluated at it, so no evaluation sees
 * a sample from after it; what the rules write (recorded series, ALERTS, stale markers) is appended
 * as they are evaluated. Label sets are taken as given (labels starting with `__` included).
 */
import type { Labels } from '../../shared/series';
import { type SampleSource, type SeriesData, compareLabels, labelsKey } from '../promql';
import { matchesAll, type Matcher, type SeriesSamples } from '../tsdb';

interface Stored {
	labels: Labels;
	ts: number[];
	values: number[];
	stale: number[];
}

interface Pending {
	into: Stored;
	ts: number[];
	values: number[];
	stale: Set<number>;
	/** Next index of `ts` to append. */
	next: number;
}

export class TestStorage implements SampleSource {
	private readonly byKey = new Map<string, Stored>();
	private sorted: Stored[] | undefined;
	private pending: Pending[] = [];

	/** Input series, to be appended as time goes (appendTill). Labels include `__name__`. */
	load(series: ReadonlyArray<{ labels: Labels; ts: readonly number[]; values: readonly number[]; stale?: readonly number[] }>): void {
		for (const s of series) {
			this.pending.push({ into: this.series(s.labels), ts: [...s.ts], values: [...s.values], stale: new Set(s.stale ?? []), next: 0 });
		}
	}

	/** Appends the input samples at or before `t` (promtool's WithSamplesTill). */
	appendTill(t: number): void {
		for (const p of this.pending) {
			while (p.next < p.ts.length && p.ts[p.next]! <= t) {
				this.add(p.into, p.ts[p.next]!, p.values[p.next]!, p.stale.has(p.next));
				p.next++;
			}
		}
		this.pending = this.pending.filter((p) => p.next < p.ts.length);
	}

	/** Appends what a rule wrote (store-shaped: name and labels apart). */
	write(series: readonly SeriesSamples[]): void {
		for (const s of series) {
			const stored = this.series({ ...s.labels, __name__: s.name });
			const stale = new Set(s.stale ?? []);
			for (let i = 0; i < s.ts.length; i++) this.add(stored, s.ts[i]!, s.values[i]!, stale.has(i));
		}
	}

	private series(labels: Labels): Stored {
		const key = labelsKey(labels);
		let s = this.byKey.get(key);
		if (!s) {
			const clean: Labels = {};
			for (const [k, v] of Object.entries(labels)) if (v !== '') clean[k] = v;
			s = { labels: clean, ts: [], values: [], stale: [] };
			this.byKey.set(key, s);
			this.sorted = undefined;
		}
		return s;
	}

	/** A sample at or before the series' last one is dropped, as the TSDB refuses it (out of order, or a duplicate). */
	private add(s: Stored, t: number, v: number, stale: boolean): void {
		const last = s.ts.length ? s.ts[s.ts.length - 1]! : -Infinity;
		if (t <= last) return;
		if (stale) s.stale.push(s.ts.length);
		s.ts.push(t);
		s.values.push(stale ? NaN : v);
	}

	select(matchers: readonly Matcher[]): SeriesData[] {
		this.sorted ??= [...this.byKey.values()].sort((a, b) => compareLabels(a.labels, b.labels));
		const out: SeriesData[] = [];
		for (const s of this.sorted) {
			if (s.ts.length === 0 || !matchesAll(s.labels, matchers)) continue;
			// A fresh object each time: the evaluator caches per object, and the arrays grow.
			out.push(s.stale.length ? { labels: s.labels, ts: s.ts.slice(), values: s.values.slice(), stale: s.stale.slice() } : { labels: s.labels, ts: s.ts, values: s.values });
		}
		return out;
	}
}
