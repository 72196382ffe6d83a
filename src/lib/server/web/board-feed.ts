/**
 * One board's live state in the web process: the series its tiles read (current value, and a ring
 * buffer of recent points for the tiles that draw history), its active alerts, and its sequence
 * number. The hub feeds it every point of the tail once and fans its deltas out to the board's
 * room; a screen's snapshot comes from here, never from Redis.
 *
 * The board `default` made of `wall.tiles` (`def` null) keeps the older shape: each series goes to
 * the first tile that selects it, with that tile's title and unit, and no history.
 */
import { HISTORY_POINTS, tileHistoryMs, tileSources, type BoardDef } from '../../shared/boards';
import { fitLists, type AlertRow, type AlertSummary, type Point, type SeriesMaintenance, type SeriesState, type SnapshotMessage, type LiveStatus, type TileRule } from '../../shared/live';
import { PointRing } from '../../shared/ring';
import { matchesAll, parseSelector, type Matcher, type TimeSeriesStore, sidOf } from '../tsdb';
import { SloPeriods } from './slo-periods';

/** Assumed sampling interval of a series that does not say. */
export const DEFAULT_INTERVAL_MS = 15_000;

/**
 * A series with no sample for this long leaves the wall, as it leaves Prometheus' instant
 * queries after the lookback: 5 minutes, or 10 of its intervals if that is longer. Until then it
 * shows as stale.
 */
export function goneAfter(intervalMs: number): number {
	return Math.max(5 * 60_000, 10 * intervalMs);
}

interface Source {
	tile: number;
	source: number;
	matchers: Matcher[];
	/** History this source's tile keeps (ms), 0 for none. */
	historyMs: number;
	title?: string;
	unit?: string;
}

interface Tracked {
	state: SeriesState;
	ring?: PointRing;
	historyMs: number;
}

export interface LegacyTile {
	title: string;
	selector: string;
	unit?: string;
}

export class BoardFeed {
	seq = 0;
	readonly maxSeries: number;
	private readonly sources: Source[];
	private readonly tracked = new Map<string, Tracked>();
	/** Series on the tail this board leaves out. */
	private readonly ignored = new Set<string>();
	alerts: AlertRow[] = [];
	/** Counts of every active alert (the rows above may be a part of them). */
	alertSummary: AlertSummary | undefined;
	/** Status-tile series in maintenance now; the alert rules that watch stat and chart tiles. */
	maintenance: SeriesMaintenance[] = [];
	rules: TileRule[] = [];
	/** The SLO tiles' budgets over their calendar period; null without SLO tiles. */
	readonly slos: SloPeriods | null;

	constructor(
		readonly name: string,
		readonly def: BoardDef | null,
		legacyTiles: readonly LegacyTile[] = [],
		/** The time zone of SLO periods (the reports'). */
		sloZone = 'UTC'
	) {
		const slos = def ? new SloPeriods(def, sloZone) : null;
		this.slos = slos && !slos.empty ? slos : null;
		if (def) {
			this.maxSeries = 200;
			this.sources = def.tiles.flatMap((t, tile) => tileSources(t).map((sel, source) => ({ tile, source, matchers: parseSelector(sel), historyMs: tileHistoryMs(t) })));
		} else {
			this.maxSeries = 60;
			this.sources = legacyTiles.length
				? legacyTiles.map((t, tile) => ({ tile, source: 0, matchers: parseSelector(t.selector), historyMs: 0, title: t.title, unit: t.unit }))
				: [{ tile: 0, source: 0, matchers: parseSelector('{__name__=~".+"}'), historyMs: 0 }];
		}
	}

	/** The series of the board's status tiles, with their labels (for maintenance windows' matchers). */
	statusSeries(): Array<{ id: string; labels: Record<string, string> }> {
		const def = this.def;
		if (!def) return [];
		const out: Array<{ id: string; labels: Record<string, string> }> = [];
		for (const t of this.tracked.values()) {
			if (t.state.refs?.some(([tile]) => def.tiles[tile]?.kind === 'status')) out.push({ id: t.state.id, labels: { ...t.state.labels, __name__: t.state.name } });
		}
		return out;
	}

	/** Whether the board shows alerts or colours tiles by them. */
	get wantsAlerts(): boolean {
		return this.def !== null;
	}

	/** The selectors to load current values for (one per source). */
	get selectors(): Matcher[][] {
		return this.sources.map((s) => s.matchers);
	}

	/** The sources that select these labels: every one on a board of tiles, the first on `default`. */
	private sourcesOf(labels: Record<string, string>): Source[] {
		if (!this.def) {
			const first = this.sources.find((s) => matchesAll(labels, s.matchers));
			return first ? [first] : [];
		}
		return this.sources.filter((s) => matchesAll(labels, s.matchers));
	}

	selects(labels: Record<string, string>): boolean {
		return this.sourcesOf(labels).length > 0;
	}

	has(id: string): boolean {
		return this.tracked.has(id);
	}

	get size(): number {
		return this.tracked.size;
	}

	/** Starts tracking a series (false when the board leaves it out or is full). */
	add(labels: Record<string, string>, value: number | null, ts: number | null, intervalMs?: number): boolean {
		const sources = this.sourcesOf(labels);
		if (sources.length === 0) return false;
		const { __name__: name = '', ...rest } = labels;
		const id = sidOf(name, rest);
		const known = this.tracked.get(id);
		if (known) {
			if (ts !== null && (known.state.ts === null || known.state.ts <= ts)) this.set(known, value, ts);
			return true;
		}
		if (this.tracked.size >= this.maxSeries) return false;
		const state: SeriesState = {
			id,
			name,
			labels: rest,
			value: value !== null && Number.isFinite(value) ? value : null,
			ts,
			intervalMs: intervalMs ?? DEFAULT_INTERVAL_MS
		};
		const first = sources[0]!;
		if (first.title !== undefined) state.title = first.title;
		if (first.unit !== undefined) state.unit = first.unit;
		if (this.def) state.refs = sources.map((s) => [s.tile, s.source]);
		const historyMs = Math.max(...sources.map((s) => s.historyMs));
		const t: Tracked = { state, historyMs };
		if (historyMs > 0) {
			t.ring = new PointRing(HISTORY_POINTS, Math.floor(historyMs / HISTORY_POINTS));
			if (ts !== null) t.ring.push(ts, state.value);
		}
		this.tracked.set(id, t);
		return true;
	}

	/**
	 * Recent history from the store, at most HISTORY_POINTS per series over its tile's window (the
	 * last value of each step), for the series that keep history.
	 */
	async loadHistory(store: TimeSeriesStore, now: number): Promise<void> {
		for (const src of this.sources) {
			if (src.historyMs <= 0) continue;
			const step = Math.max(1000, Math.ceil(src.historyMs / HISTORY_POINTS / 1000) * 1000);
			for (const r of await store.range(src.matchers, now - src.historyMs, now, step)) {
				const { __name__: name = '', ...rest } = r.labels;
				const t = this.tracked.get(sidOf(name, rest));
				if (!t?.ring || t.ring.size > 1) continue;
				const current = t.ring.toArray();
				t.ring.clear();
				// Steps are dated by their start: the step that holds the current point is that point.
				const until = current[0]?.[0] ?? Infinity;
				for (let i = 0; i < r.t.length; i++) if (r.count[i]! > 0 && r.t[i]! + step <= until) t.ring.push(r.t[i]!, Number.isFinite(r.last[i]!) ? r.last[i]! : null);
				for (const [ts, v] of current) t.ring.push(ts, v);
			}
		}
	}

	private set(t: Tracked, value: number | null, ts: number): void {
		t.state.value = value !== null && Number.isFinite(value) ? value : null;
		t.state.ts = ts;
		t.ring?.push(ts, t.state.value);
	}

	/** Remembers a series this board leaves out, so it is not looked up again. */
	ignore(id: string): void {
		if (this.ignored.size > 100_000) this.ignored.clear();
		this.ignored.add(id);
	}

	/**
	 * Applies points of the tail: those of known series that are newer. `unknown`: series to look
	 * up, neither known nor left out (none while the board is full).
	 */
	apply(points: readonly Point[]): { fresh: Point[]; unknown: Point[] } {
		const fresh: Point[] = [];
		const unknown: Point[] = [];
		for (const p of points) {
			const t = this.tracked.get(p.id);
			if (!t) {
				if (!this.ignored.has(p.id) && this.tracked.size < this.maxSeries) unknown.push(p);
				continue;
			}
			if (t.state.ts !== null && p.ts < t.state.ts) continue;
			this.set(t, p.value, p.ts);
			fresh.push(p);
		}
		return { fresh, unknown };
	}

	/** Drops series gone quiet for good (see goneAfter); true when any left. */
	prune(now: number): boolean {
		let dropped = false;
		for (const [id, t] of this.tracked) {
			if (t.state.ts !== null && now - t.state.ts >= goneAfter(t.state.intervalMs)) {
				this.tracked.delete(id);
				dropped = true;
			}
		}
		return dropped;
	}

	/** In source order, then by labels, so screens lay out the same way every time. */
	snapshot(status: Omit<LiveStatus, 'seq'>): SnapshotMessage {
		const order = (s: SeriesState) => {
			const src = this.sourcesOf({ __name__: s.name, ...s.labels })[0];
			return src ? src.tile * 100 + src.source : Infinity;
		};
		const key = (s: SeriesState) => JSON.stringify(Object.entries(s.labels).sort());
		const now = status.serverTime;
		const series = [...this.tracked.values()]
			.map((t) => (t.ring ? { ...t.state, history: t.ring.toArray(now - t.historyMs) } : t.state))
			.sort((a, b) => order(a) - order(b) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
		const msg: SnapshotMessage = { ...status, seq: this.seq, series };
		if (this.def) {
			msg.board = this.def;
			msg.alerts = this.alerts;
			if (this.alertSummary) msg.alertSummary = this.alertSummary;
			msg.maintenance = this.maintenance;
			msg.rules = this.rules;
			if (this.slos) msg.slos = this.slos.entries();
		}
		return fitLists(msg);
	}
}
