/**
 * Evaluation over the store's rollups instead of raw samples, for range queries over long windows
 * (a 90-day chart at a 1 h step reads 2,160 hour records per series, not 500,000 samples, most of
 * which raw retention no longer holds).
 *
 * Each rollup bucket [b, b + width) becomes one sample. Which of the bucket's aggregates it carries,
 * and when, depends on what reads it. Aggregates (max, min, sum, count) sit at b + width - 1 ms, so a
 * window [t - range, t] at a time t aligned to the width holds exactly the buckets within
 * [t - range, t). The last value sits at the bucket's end, b + width: it is the series' value as of
 * then, so a window holds the value at its start and at its end, and rate(x[1h]) over hour rollups
 * is the increase across the hour. Evaluate with a lookback of at least the width (`lookbackMs`), so
 * a time between bucket ends still sees the last whole bucket.
 *
 * | reader                                  | value, and how it relates to raw samples                 |
 * |-----------------------------------------|----------------------------------------------------------|
 * | `max_over_time`, `min_over_time`        | max, min: the same, but for samples at exactly t          |
 * | `sum_over_time`                         | sum: the same, but for samples at exactly t               |
 * | `count_over_time`                       | sum_over_time of the counts: likewise                     |
 * | `avg_over_time`                         | sum of sums / sum of counts: likewise                     |
 * | a selector, `last_over_time`            | the bucket's last value: the latest sample before t       |
 * | `rate`, `increase`, `delta`, `irate`, `deriv`, `stddev_over_time`, `quantile_over_time`, `absent_over_time` | the last value of each bucket: one sample per bucket (a counter reset inside a bucket that climbs back above the previous bucket's last value is not seen) |
 *
 * Rollups hold finite values only, so stale markers and NaN samples are not seen.
 */
import type { Labels } from '../../shared/series';
import { type Matcher, type RangeResult, type TimeSeriesStore, RESOLUTION_MS } from '../tsdb';
import type { CallNode, MatrixSelectorNode, Node, VectorSelectorNode } from './ast';
import type { Expr } from './parse';
import { DEFAULT_LOOKBACK_MS, selectorReads, type EvalOptions, type SampleSource, type SeriesData } from './source';

type Field = 'last' | 'max' | 'min' | 'sum' | 'count';

const FIELD_OF: Partial<Record<string, Field>> = { max_over_time: 'max', min_over_time: 'min', sum_over_time: 'sum' };

interface Use {
	node: VectorSelectorNode;
	/** The range selector around it, if any. */
	matrix?: MatrixSelectorNode;
	field: Field;
}

/** Rewrites the tree for rollup reads: fresh selector nodes, each with the aggregate it reads. */
class Rewriter {
	readonly uses: Use[] = [];

	private selector(n: VectorSelectorNode, field: Field, matrix?: MatrixSelectorNode): VectorSelectorNode {
		const node: VectorSelectorNode = { ...n, matchers: n.matchers.map((m) => ({ ...m })) };
		this.uses.push({ node, field, matrix });
		return node;
	}

	private matrix(m: MatrixSelectorNode, field: Field): MatrixSelectorNode {
		const out: MatrixSelectorNode = { ...m, selector: m.selector };
		out.selector = this.selector(m.selector, field, out);
		return out;
	}

	node(n: Node): Node {
		switch (n.kind) {
			case 'selector':
				return this.selector(n, 'last');
			case 'matrix':
				return this.matrix(n, 'last');
			case 'unary':
				return { ...n, expr: this.node(n.expr) };
			case 'subquery':
				return { ...n, expr: this.node(n.expr) };
			case 'binary':
				return { ...n, lhs: this.node(n.lhs), rhs: this.node(n.rhs) };
			case 'aggregate':
				return { ...n, expr: this.node(n.expr), ...(n.param ? { param: this.node(n.param) } : {}) };
			case 'call':
				return this.call(n);
			default:
				return n;
		}
	}

	private call(n: CallNode): Node {
		const m = n.args[n.args.length - 1];
		if (!m || m.kind !== 'matrix') return { ...n, args: n.args.map((a) => this.node(a)) };
		const head = n.args.slice(0, -1).map((a) => this.node(a));
		if (n.fn === 'count_over_time') return { ...n, fn: 'sum_over_time', args: [...head, this.matrix(m, 'count')] };
		if (n.fn === 'avg_over_time') {
			const sum: CallNode = { ...n, fn: 'sum_over_time', args: [this.matrix(m, 'sum')] };
			const count: CallNode = { ...n, fn: 'sum_over_time', args: [this.matrix(m, 'count')] };
			return {
				kind: 'binary',
				type: 'vector',
				op: '/',
				lhs: sum,
				rhs: count,
				returnBool: false,
				matching: { card: 'one-to-one', on: false, labels: [], include: [] },
				from: n.from,
				to: n.to,
				opFrom: n.from,
				opTo: n.to
			};
		}
		return { ...n, args: [...head, this.matrix(m, FIELD_OF[n.fn] ?? 'last')] };
	}
}

function matchersKey(ms: readonly Matcher[]): string {
	return ms
		.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`)
		.sort()
		.join(',');
}

/** Answers each selector node with the series made for it. */
class NodeSource implements SampleSource {
	constructor(private readonly data: Map<VectorSelectorNode, SeriesData[]>) {}

	select(_matchers: readonly Matcher[], _from: number, _to: number, node?: VectorSelectorNode): SeriesData[] {
		return (node && this.data.get(node)) ?? [];
	}
}

function seriesOf(r: RangeResult, field: Field, width: number): SeriesData {
	const values = field === 'last' ? r.last : field === 'max' ? r.max : field === 'min' ? r.min : field === 'sum' ? r.sum : r.count;
	const at = field === 'last' ? width : width - 1;
	return { labels: r.labels as Labels, ts: r.t.map((t) => t + at), values: values.slice() };
}

/** The resolution a rollup read of [start, end] at `step` should use: 1 h or 1 min, ≤ the step. */
export function rollupWidth(step: number): number | undefined {
	if (step >= RESOLUTION_MS['1h']) return RESOLUTION_MS['1h'];
	if (step >= RESOLUTION_MS['1m']) return RESOLUTION_MS['1m'];
	return undefined;
}

/**
 * The expression rewritten for rollup reads, and a source holding what it reads: one store
 * `range` read per distinct selector at the given width (a multiple of 1 min), spanning every
 * offset and range it is used with. Evaluate the returned expression, not the original, with the
 * returned lookback.
 */
export async function loadRollupSource(
	store: Pick<TimeSeriesStore, 'range'>,
	expr: Expr,
	start: number,
	end: number,
	width: number,
	opts: EvalOptions = {}
): Promise<{ expr: Expr; source: SampleSource; lookbackMs: number }> {
	const rw = new Rewriter();
	const root = rw.node(expr.root);
	const lookback = Math.max(opts.lookbackMs ?? DEFAULT_LOOKBACK_MS, width);
	const reads = new Map<string, { matchers: Matcher[]; from: number; to: number }>();
	const windows = new Map(selectorReads(root, start, end, lookback, opts.subqueryStepMs).map((r) => [r.node, r]));
	for (const u of rw.uses) {
		const w = windows.get(u.node)!;
		const key = matchersKey(u.node.matchers);
		const seen = reads.get(key);
		if (seen) {
			seen.from = Math.min(seen.from, w.from);
			seen.to = Math.max(seen.to, w.to);
		} else reads.set(key, { matchers: u.node.matchers, from: w.from, to: w.to });
	}
	const results = new Map<string, { rows: RangeResult[]; width: number }>();
	await Promise.all(
		[...reads].map(async ([key, r]) => {
			// A bucket counts when its sample is in the window: read from the start of the bucket before.
			const from = Math.floor((r.from - width) / width) * width;
			const read = opts.budget ? { budget: opts.budget } : undefined;
			let rows = await store.range(r.matchers, from, r.to, width, read);
			let w = width;
			// Past the retention of minutes the store answers with hours.
			if (rows.some((x) => RESOLUTION_MS[x.resolution] > w)) {
				w = Math.max(...rows.map((x) => RESOLUTION_MS[x.resolution]));
				rows = await store.range(r.matchers, Math.floor((r.from - w) / w) * w, r.to, w, read);
			}
			results.set(key, { rows, width: w });
		})
	);
	const data = new Map<VectorSelectorNode, SeriesData[]>();
	for (const u of rw.uses) {
		const { rows, width: w } = results.get(matchersKey(u.node.matchers))!;
		data.set(
			u.node,
			rows.map((r) => seriesOf(r, u.field, w))
		);
	}
	return { expr: { text: expr.text, type: expr.type, root }, source: new NodeSource(data), lookbackMs: lookback };
}
