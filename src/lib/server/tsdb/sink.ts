/** Adapts the store to the collectors' `SampleSink`: groups samples by series, in time order. */
import type { Sample } from '../../shared/series';
import { seriesId } from '../../shared/series';
import type { SampleSink } from '../samples';
import type { Logger } from '../log';
import type { SeriesSamples, TimeSeriesStore, WriteResult } from './types';

export function groupSamples(samples: readonly Sample[]): SeriesSamples[] {
	const groups = new Map<string, SeriesSamples & { ts: number[]; values: number[]; marks?: boolean[] }>();
	for (const s of samples) {
		const id = s.id ?? seriesId(s.name, s.labels);
		let g = groups.get(id);
		if (!g) {
			g = { name: s.name, labels: s.labels, id, ts: [], values: [] };
			groups.set(id, g);
		}
		if (s.stale) {
			g.marks ??= g.ts.map(() => false);
			g.marks.push(true);
		} else g.marks?.push(false);
		g.ts.push(s.ts);
		g.values.push(s.stale ? Number.NaN : s.value);
		if (s.intervalMs !== undefined) g.intervalMs = s.intervalMs;
	}
	return [...groups.values()].map(({ marks, ...g }) => {
		// Collectors may interleave series; each series' samples must be in time order.
		if (g.ts.some((t, i) => i > 0 && t < g.ts[i - 1]!)) {
			const order = g.ts.map((_, i) => i).sort((a, b) => g.ts[a]! - g.ts[b]!);
			g.ts = order.map((i) => g.ts[i]!);
			g.values = order.map((i) => g.values[i]!);
			if (marks) {
				const sorted = order.map((i) => marks[i]!);
				marks.splice(0, marks.length, ...sorted);
			}
		}
		if (marks) {
			const stale = marks.flatMap((m, i) => (m ? [i] : []));
			if (stale.length) g.stale = stale;
		}
		return g;
	});
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
