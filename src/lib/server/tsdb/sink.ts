/** Adapts the store to the collectors' `SampleSink`: groups samples by series, in time order. */
import type { Sample } from '../../shared/series';
import { seriesId } from '../../shared/series';
import type { SampleSink } from '../samples';
import type { Logger } from '../log';
import type { SeriesSamples, TimeSeriesStore, WriteResult } from './types';

interface Group extends SeriesSamples {
	ts: number[];
	values: number[];
}

/**
 * Groups samples by series (their `id`, else the canonical text), each series' samples in time
 * order with its stale markers. A scrape's batch has one sample per series: each group's arrays
 * start at their one element (an empty array would grow a backing store of 17 on its first push,
 * which was most of a scrape's garbage), and nothing else is made per series.
 */
export function groupSamples(samples: readonly Sample[]): SeriesSamples[] {
	const byId = new Map<string, Group>();
	const groups: Group[] = [];
	/** Per group with a stale marker, which of its samples are markers. */
	let marks: Map<Group, boolean[]> | undefined;
	let unordered = false;
	for (const s of samples) {
		const id = s.id ?? seriesId(s.name, s.labels);
		const value = s.stale ? Number.NaN : s.value;
		let g = byId.get(id);
		if (g === undefined) {
			g = { name: s.name, labels: s.labels, id, ts: [s.ts], values: [value] };
			if (s.intervalMs !== undefined) g.intervalMs = s.intervalMs;
			byId.set(id, g);
			groups.push(g);
			if (s.stale) (marks ??= new Map()).set(g, [true]);
			continue;
		}
		// Collectors may interleave series; each series' samples must be in time order.
		if (s.ts < g.ts[g.ts.length - 1]!) unordered = true;
		const m = marks?.get(g);
		if (s.stale && m === undefined) (marks ??= new Map()).set(g, [...g.ts.map(() => false), true]);
		else m?.push(s.stale === true);
		g.ts.push(s.ts);
		g.values.push(value);
		if (s.intervalMs !== undefined) g.intervalMs = s.intervalMs;
	}
	if (unordered) for (const g of groups) sortByTime(g, marks?.get(g));
	if (marks) {
		for (const [g, m] of marks) {
			const stale: number[] = [];
			for (let i = 0; i < m.length; i++) if (m[i]) stale.push(i);
			if (stale.length) g.stale = stale;
		}
	}
	return groups;
}

/** Sorts a group's samples (and their stale marks) by time, when they are not in order. */
function sortByTime(g: Group, marks: boolean[] | undefined): void {
	let sorted = true;
	for (let i = 1; i < g.ts.length && sorted; i++) sorted = g.ts[i]! >= g.ts[i - 1]!;
	if (sorted) return;
	const order = g.ts.map((_, i) => i).sort((a, b) => g.ts[a]! - g.ts[b]!);
	g.ts = order.map((i) => g.ts[i]!);
	g.values = order.map((i) => g.values[i]!);
	if (marks) {
		const reordered = order.map((i) => marks[i]!);
		marks.splice(0, marks.length, ...reordered);
	}
}

export class StoreSink implements SampleSink {
	constructor(
		private readonly store: TimeSeriesStore,
		private readonly log?: Logger
	) {}

	async write(samples: Sample[], options: { retry?: boolean } = {}): Promise<void> {
		const result: WriteResult = await this.store.write(groupSamples(samples), options);
		const refused = Object.values(result.rejected).reduce((a, b) => a + b, 0);
		if (refused > 0) this.log?.warn({ rejected: result.rejected, problems: result.problems }, 'the store refused some samples');
	}
}
