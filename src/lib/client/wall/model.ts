/**
 * What a board's tiles show, computed from the feed: which series each tile reads, its tone
 * (critical, warning, ok, neutral, none), the age and freshness of its data, and the layout where
 * failing tiles grow and come first. Pure functions: the components only draw.
 *
 * Tones: `ok` only where a threshold (the tile's own, or an alert rule's that watches its series)
 * judged the value; a value nothing judges is `neutral` (no colour, no "OK"); `none` is no data.
 */
import type { BoardDef, Thresholds, TileDef } from '$lib/shared/boards';
import type { AlertRow, AlertSummary, SeriesMaintenance, SeriesState, TileRule } from '$lib/shared/live';
import { periodBudget, type SloPeriod } from '../../shared/slo-period';
import { shortfall } from '../../shared/slo-stage';
import { formatValue, freshness, type Freshness } from '../format';

export type Tone = 'crit' | 'warn' | 'ok' | 'neutral' | 'none';

const TONE_RANK: Record<Tone, number> = { crit: 0, warn: 1, ok: 2, neutral: 3, none: 4 };

export function worst(...tones: Tone[]): Tone {
	return tones.reduce<Tone>((a, b) => (TONE_RANK[b] < TONE_RANK[a] ? b : a), 'none');
}

/** Items worst first (critical, warning, ok, unknown), keeping their order within a tone. */
export function worstFirst<T extends { tone: Tone }>(items: readonly T[]): T[] {
	return items.map((item, i) => ({ item, i })).sort((a, b) => TONE_RANK[a.item.tone] - TONE_RANK[b.item.tone] || a.i - b.i).map((x) => x.item);
}

/** The series of each tile, by source: `bySource[tile][source]` (in the snapshot's order). */
export function seriesByTile(board: BoardDef, series: readonly SeriesState[]): SeriesState[][][] {
	const out = board.tiles.map((t) => (t.kind === 'chart' ? t.series.map(() => []) : t.kind === 'slo' ? t.objectives.map(() => []) : t.kind === 'queue' ? [[], [], []] : [[]])) as SeriesState[][][];
	for (const s of series) for (const [tile, source] of s.refs ?? []) out[tile]?.[source]?.push(s);
	return out;
}

/** A value against thresholds: `above` means higher is worse. No threshold: `neutral`, never "OK". */
export function thresholdTone(v: number | null, th: Thresholds | undefined): Tone {
	if (v === null || Number.isNaN(v)) return 'none';
	if (!th || (th.warn === undefined && th.crit === undefined)) return 'neutral';
	const past = (limit: number | undefined) => limit !== undefined && (th.direction === 'below' ? v < limit : v > limit);
	if (past(th.crit)) return 'crit';
	if (past(th.warn)) return 'warn';
	return 'ok';
}

export function alertTone(a: Pick<AlertRow, 'severity' | 'state'>): Tone {
	if (a.state !== 'firing') return 'none';
	return a.severity === 'critical' ? 'crit' : a.severity === 'warning' ? 'warn' : 'none';
}

/** A silence or an open maintenance window holds the alert's notifications back. */
export function isMuted(a: Pick<AlertRow, 'silenced' | 'maintenance'>): boolean {
	return a.silenced !== undefined || a.maintenance !== undefined;
}

/** The tone an alert gives the tiles: none while muted (it is listed, dimmed, but paints nothing red). */
export function loudTone(a: Pick<AlertRow, 'severity' | 'state' | 'silenced' | 'maintenance'>): Tone {
	return isMuted(a) ? 'none' : alertTone(a);
}

const SEVERITY_RANK: Record<AlertRow['severity'], number> = { critical: 0, warning: 1, info: 2 };

/**
 * Alerts worst first: by severity, then unmuted before muted (silenced or in maintenance), then
 * firing before pending, no-data and error, then the oldest first. A list cut short cuts the least
 * bad ones.
 */
export function orderAlerts(rows: readonly AlertRow[]): AlertRow[] {
	const muted = (a: AlertRow) => (isMuted(a) ? 1 : 0);
	const firing = (a: AlertRow) => (a.state === 'firing' ? 0 : 1);
	return [...rows].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || muted(a) - muted(b) || firing(a) - firing(b) || a.since - b.since);
}

/** One cell of a status grid: a service (or target), what its probes say, and what else colours it. */
export interface StatusCell {
	name: string;
	up: number | null;
	tone: Tone;
	fresh: Freshness;
	ageMs: number | null;
	/** The firing alerts (not muted) of its worst tone that make it red or amber, if any (oldest first). */
	alerts?: string[];
	/** The maintenance window open now over one of its series: the cell is muted, not the tile's tone. */
	maintenance?: { name: string; until: number };
}

export function statusCells(
	tile: Extract<TileDef, { kind: 'status' }>,
	series: readonly SeriesState[],
	alerts: readonly AlertRow[],
	now: number,
	maintenance: readonly SeriesMaintenance[] = []
): StatusCell[] {
	const cells = new Map<string, StatusCell>();
	const windows = new Map(maintenance.map((m) => [m.series, m]));
	for (const s of series) {
		const name = s.labels[tile.by] ?? s.labels.target ?? s.name;
		const ageMs = s.ts === null ? null : now - s.ts;
		const fresh = freshness(ageMs, s.intervalMs);
		const down = s.value !== null && s.value < 1;
		const known = cells.get(name);
		const window = windows.get(s.id);
		if (known && window && !known.maintenance) known.maintenance = { name: window.name, until: window.until };
		// Several series of one service (several probes): the worst one counts.
		if (known && !(down && (known.up ?? 1) >= 1)) continue;
		const cell: StatusCell = { name, up: s.value, tone: fresh === 'fresh' ? (down ? 'crit' : 'ok') : 'none', fresh, ageMs };
		const w = window ?? known?.maintenance;
		if (w) cell.maintenance = { name: w.name, until: w.until };
		cells.set(name, cell);
	}
	for (const a of orderAlerts(alerts)) {
		const cell = cells.get(a.service);
		if (!cell) continue;
		const tone = loudTone(a);
		if (tone === 'none') continue;
		if (TONE_RANK[tone] < TONE_RANK[cell.tone]) {
			cell.tone = tone;
			cell.alerts = [a.name];
		} else if (tone === cell.tone && cell.alerts && !cell.alerts.includes(a.name)) cell.alerts.push(a.name);
	}
	return [...cells.values()].sort((a, b) => TONE_RANK[cellTone(a)] - TONE_RANK[cellTone(b)] || (a.name < b.name ? -1 : 1));
}

/** What a cell adds to its tile's tone: nothing while in maintenance. */
export function cellTone(c: StatusCell): Tone {
	return c.maintenance ? 'none' : c.tone;
}

/**
 * A status tile's headline: probes up out of cells (fresh data saying up: the count is the probes'
 * alone), and why the tile has its colour when the probes do not explain it (a firing alert on a
 * service whose probes are up), what is stale and what is in maintenance.
 */
export function statusSummary(cells: readonly StatusCell[]): { up: number; total: number; why: string[] } {
	const up = cells.filter((c) => c.fresh === 'fresh' && c.up !== null && c.up >= 1).length;
	const why: string[] = [];
	const alerts = [...new Set(cells.filter((c) => !c.maintenance).flatMap((c) => c.alerts ?? []))];
	if (alerts.length) why.push(`${alerts.length > 1 ? 'alerts' : 'alert'} ${alerts.join(', ')} firing`);
	const stale = cells.filter((c) => c.fresh !== 'fresh').length;
	if (stale) why.push(`${stale} stale`);
	const maint = cells.filter((c) => c.maintenance).length;
	if (maint) why.push(`${maint} in maintenance`);
	return { up, total: cells.length, why };
}

/** The newest data among a tile's series: its age and freshness (`none`: no data ever). */
export function tileAge(series: readonly SeriesState[], now: number): { ageMs: number | null; fresh: Freshness } {
	let best: SeriesState | undefined;
	for (const s of series) if (s.ts !== null && (best === undefined || s.ts > best.ts!)) best = s;
	if (!best) return { ageMs: null, fresh: 'none' };
	const ageMs = now - best.ts!;
	return { ageMs, fresh: freshness(ageMs, best.intervalMs) };
}

/** Trend of a value against the mean of a reference window: the change as a share (null: unknown). */
export function trend(current: number | null, reference: readonly number[]): number | null {
	if (current === null || reference.length === 0) return null;
	const mean = reference.reduce((a, b) => a + b, 0) / reference.length;
	if (mean === 0) return current === 0 ? 0 : null;
	return (current - mean) / Math.abs(mean);
}

export interface SloState {
	current: number | null;
	met: boolean | null;
	/** Share of the period's judged minutes that met the target so far. */
	compliance: number | null;
	/** Share of the period's budget ((1 - goal) × its length) not spent yet, 0..1. */
	budgetLeft: number | null;
	/** The period ("2026-11"), once the server has judged it. */
	period: string | null;
	/** What the tile says of the budget: "75% left", or why there is no figure. */
	budgetText: string;
	tone: Tone;
	/** The target in force now: the next stage's once its day has begun. */
	target: number;
	/**
	 * The next stage while it is ahead: its target, its day, and how far the value now is from it
	 * (in the objective's unit; > 0 short, null without a value) and whether it meets it already.
	 */
	next: { target: number; from: string; short: number | null; meets: boolean | null } | null;
}

export function meets(v: number, op: '<' | '<=' | '>' | '>=', target: number): boolean {
	return op === '<' ? v < target : op === '<=' ? v <= target : op === '>' ? v > target : v >= target;
}

/**
 * An objective now (its current value against the target) and over its calendar period (the
 * budget left, from the server's tally: see shared/slo-period.ts). Budget spent: critical; the
 * target missed now or less than a quarter of the budget left: warning.
 */
export function sloState(
	objective: { op: '<' | '<=' | '>' | '>='; target: number; goal: number; next?: { target: number; from: string } | undefined },
	current: number | null,
	period: SloPeriod | undefined,
	now = Date.now()
): SloState {
	// The next stage is in force from its day's start, which the server works out in the reports' zone.
	const n = objective.next;
	const reached = n !== undefined && period?.nextFrom !== undefined && now >= period.nextFrom;
	const target = reached ? n.target : objective.target;
	const next = n && !reached ? { target: n.target, from: n.from, short: current === null ? null : shortfall(objective.op, current, n.target), meets: current === null ? null : meets(current, objective.op, n.target) } : null;
	const met = current === null ? null : meets(current, objective.op, target);
	const staged = { target, next };
	if (!period) return { current, met, compliance: null, budgetLeft: null, period: null, budgetText: 'no tally yet', tone: met === null ? 'none' : met ? 'ok' : 'warn', ...staged };
	const b = periodBudget(period, objective.goal);
	const tone: Tone = b.budgetLeft <= 0 ? 'crit' : met === false || b.budgetLeft < 0.25 ? 'warn' : met === null && b.compliance === null ? 'none' : 'ok';
	// No minute of the period judged yet: nothing was spent, but "100% left" would read as healthy.
	// With a value now, the first minute is still settling; without one, the selector has no data.
	const budgetText = b.compliance !== null ? budgetLeftText(b.budgetLeft) : current === null ? 'no data this period' : 'judging first minute';
	return { current, met, compliance: b.compliance, budgetLeft: b.budgetLeft, period: period.label, budgetText, tone, ...staged };
}

/**
 * "97% left": rounded down, so a budget something was spent from never reads "100% left" (three bad
 * minutes of a month's 7.4 hours are 99.3 %), and one not spent out never reads "0% left".
 */
export function budgetLeftText(left: number): string {
	const pct = left * 100;
	if (pct >= 100) return '100% left';
	if (pct > 0 && pct < 1) return '<1% left';
	return `${Math.floor(pct)}% left`;
}

export interface Placed {
	index: number;
	tone: Tone;
	/** Columns and rows it takes: a failing tile grows. */
	cols: number;
	rows: number;
}

/**
 * The layout. By default (`failing: stay`) every tile keeps its place and its size whatever its
 * state: a failing tile is highlighted where it is, so "where is payments" never changes under the
 * viewer. With `failing: grow`: critical tiles first, then warnings, then the rest in the board's order. Failing
 * tiles grow within the cells the grid has to spare, so growing never squeezes the healthy tiles
 * into slivers: the grid keeps the rows an all-green board needs (one more when it is full), every
 * failing tile first takes two columns (critical before warning), and critical tiles take a second
 * row only while cells remain. The grid fits the screen whatever the number of rows: no scrolling.
 */
export function layout(tones: readonly Tone[], columns: number, mode: 'stay' | 'grow' = 'stay', sizes: ReadonlyArray<{ cols?: number; rows?: number }> = []): Placed[] {
	const own = (index: number) => ({ cols: Math.min(columns, sizes[index]?.cols ?? 1), rows: sizes[index]?.rows ?? 1 });
	if (mode === 'stay') return tones.map((tone, index) => ({ index, tone, ...own(index) }));
	const placed = tones
		.map((tone, index): Placed => ({ index, tone, ...own(index) }))
		.sort((a, b) => {
			const ra = a.tone === 'crit' ? 0 : a.tone === 'warn' ? 1 : 2;
			const rb = b.tone === 'crit' ? 0 : b.tone === 'warn' ? 1 : 2;
			return ra - rb || a.index - b.index;
		});
	if (columns < 3) return placed;
	const failing = placed.filter((p) => p.tone === 'crit' || p.tone === 'warn');
	if (!failing.length) return placed;
	const used = placed.reduce((n, p) => n + p.cols * p.rows, 0);
	const rows = Math.max(1, Math.ceil(used / columns));
	let spare = rows * columns - used;
	if (spare === 0) spare += columns;
	for (const p of failing) {
		if (spare < p.rows || p.cols >= 2) continue;
		p.cols = 2;
		spare -= p.rows;
	}
	for (const p of failing) {
		if (p.tone !== 'crit' || p.cols !== 2 || p.rows >= 2 || spare < 2) continue;
		p.rows = 2;
		spare -= 2;
	}
	return placed;
}

/** How long after the quiet hour a missed soft reload (Vigil not answering then) may still happen. */
export const RELOAD_GRACE_MS = 3_600_000;

/**
 * Whether the daily soft reload is due: the latest `reloadAt` (local "HH:MM") at or before `now`
 * came after the page was loaded, and less than RELOAD_GRACE_MS ago. A page loaded after that
 * moment (the reload itself) is not due again until the next day.
 */
export function reloadDue(reloadAt: string, loadedAt: number, now: number): boolean {
	const m = /^(\d\d):(\d\d)$/.exec(reloadAt);
	if (!m) return false;
	const slot = new Date(now);
	slot.setHours(Number(m[1]), Number(m[2]), 0, 0);
	if (slot.getTime() > now) slot.setDate(slot.getDate() - 1);
	const at = slot.getTime();
	return loadedAt < at && now - at < RELOAD_GRACE_MS;
}

/** The burn-in shift: a fixed cycle of small offsets (px), one step a minute; never more than SHIFT_MAX_PX. */
export const SHIFTS = [
	[0, 0],
	[2, 1],
	[3, 3],
	[1, 4],
	[-1, 3],
	[-2, 1],
	[-1, -1],
	[1, -2]
] as const;
export const SHIFT_MAX_PX = 4;

/** Most series a stat tile shows one value for; the rest are counted ("+2 more"). */
export const STAT_MAX_SERIES = 4;

/** Labels that tell series apart: those whose values differ among them (the value alone for target, service, queue, channel). */
export function seriesLabel(s: Pick<SeriesState, 'labels'>, all: ReadonlyArray<Pick<SeriesState, 'labels'>>): string {
	const names = [...new Set(all.flatMap((x) => Object.keys(x.labels)))].sort();
	const varying = names.filter((n) => new Set(all.map((x) => x.labels[n] ?? '')).size > 1);
	return varying
		.filter((k) => s.labels[k] !== undefined)
		.map((k) => (['target', 'service', 'queue', 'channel'].includes(k) ? s.labels[k]! : `${k}=${s.labels[k]}`))
		.join(' · ');
}

export interface StatItem {
	s: SeriesState;
	/** What tells it from the other series of the tile ("" when alone). */
	label: string;
	tone: Tone;
}

/**
 * A stat tile whose selector matches several series shows one value per series (never a sum: a
 * sum of ratios or latencies means nothing), up to STAT_MAX_SERIES: the worst first (by the
 * thresholds), then by label; `more` counts the rest. Stale series have no tone.
 */
export function statItems(series: readonly SeriesState[], thresholds: Thresholds | undefined, now: number): { items: StatItem[]; more: number } {
	const all = series.map((s) => {
		const fresh = s.ts === null ? 'none' : freshness(now - s.ts, s.intervalMs);
		return { s, label: seriesLabel(s, series), tone: fresh === 'fresh' ? thresholdTone(s.value, thresholds) : ('none' as Tone) };
	});
	all.sort((a, b) => TONE_RANK[a.tone] - TONE_RANK[b.tone] || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
	return { items: all.slice(0, STAT_MAX_SERIES), more: Math.max(0, all.length - STAT_MAX_SERIES) };
}

/**
 * Where a chart draws a threshold, given the range of its data in view: as a line when it is near
 * the data (within one data span of it, the span at least a quarter of the values' size), so the
 * axis may stretch to it by at most that much; else as a marker at the top or bottom edge, so a
 * far-away threshold does not squeeze the data into a flat line. Without data: a line.
 */
export function thresholdPlacement(lo: number, hi: number, y: number): 'line' | 'above' | 'below' {
	if (!Number.isFinite(lo) || !Number.isFinite(hi)) return 'line';
	const span = Math.max(hi - lo, 0.25 * Math.max(Math.abs(lo), Math.abs(hi)), 1e-9);
	if (y > hi + span) return 'above';
	if (y < lo - span) return 'below';
	return 'line';
}

/** A threshold level of a tile, where it comes from, and a rule's that differs from the tile's own. */
export interface TileLimits {
	/** What colours the tile: the tile's own thresholds, completed by the rules that watch it. */
	th: Thresholds | undefined;
	/** The rule each level comes from (absent: the tile's own). */
	from: { warn?: string; crit?: string };
	/** Rules whose threshold differs from the tile's own at the same level: said on the tile. */
	differs: Array<{ level: 'warn' | 'crit'; own: number; rule: string; op: TileRule['op']; threshold: number }>;
}

/**
 * A tile's thresholds with the alert rules that watch its series (one source of truth): a rule of
 * severity warning gives the warn level, critical the crit level (info rules none), `>`/`>=` mean
 * higher is worse, `<`/`<=` lower. A level the tile does not set takes the rule's; a level the tile
 * sets to the same value is the rule's; a different one stays the tile's and is listed in `differs`
 * (the tile says so). Several rules at one level: the strictest.
 */
export function tileLimits(own: Thresholds | undefined, rules: readonly TileRule[]): TileLimits {
	const out: TileLimits = { th: own ? { ...own } : undefined, from: {}, differs: [] };
	for (const level of ['warn', 'crit'] as const) {
		const severity = level === 'warn' ? 'warning' : 'critical';
		let best: TileRule | undefined;
		for (const r of rules) {
			if (r.severity !== severity) continue;
			const dir = r.op === '>' || r.op === '>=' ? 'above' : 'below';
			if (own && own.direction !== dir && (own.warn !== undefined || own.crit !== undefined)) {
				out.differs.push({ level, own: own[level] ?? NaN, rule: r.name, op: r.op, threshold: r.threshold });
				continue;
			}
			if (!best || (dir === 'above' ? r.threshold < best.threshold : r.threshold > best.threshold)) best = r;
		}
		if (!best) continue;
		const dir = best.op === '>' || best.op === '>=' ? 'above' : 'below';
		const mine = own?.[level];
		if (mine !== undefined && mine !== best.threshold) {
			out.differs.push({ level, own: mine, rule: best.name, op: best.op, threshold: best.threshold });
			continue;
		}
		out.th = { ...(out.th ?? { direction: dir }), direction: dir, [level]: best.threshold };
		out.from[level] = best.name;
	}
	return out;
}

/** One display unit for a whole tile (headline, axis, legend, thresholds): a factor and a suffix. */
export interface Scale {
	factor: number;
	suffix: string;
	/** The tile's unit, for "up". */
	unit: string | undefined;
}

/**
 * The unit a tile shows its values in, chosen once for the tile from the values it shows: seconds
 * read as ms when every value is under a second; `%` is a ratio times 100; other units as they are.
 */
export function scaleFor(unit: string | undefined, values: readonly (number | null | undefined)[]): Scale {
	if (unit === 's') {
		let max = 0;
		for (const v of values) if (v !== null && v !== undefined && Number.isFinite(v)) max = Math.max(max, Math.abs(v));
		return max > 0 && max < 1 ? { factor: 1000, suffix: 'ms', unit } : { factor: 1, suffix: 's', unit };
	}
	if (unit === '%') return { factor: 100, suffix: '%', unit };
	return { factor: 1, suffix: unit ?? '', unit };
}

/** A value in a tile's scale: the number and its suffix ("∞ s", "—" without a value). */
export function formatScaled(v: number | null | undefined, scale: Scale): { text: string; suffix: string } {
	if (v === null || v === undefined || Number.isNaN(v)) return { text: '—', suffix: '' };
	if (scale.unit === 'up') return { text: v >= 1 ? 'UP' : 'DOWN', suffix: '' };
	if (!Number.isFinite(v)) return { text: v > 0 ? '∞' : '-∞', suffix: scale.suffix };
	const x = v * scale.factor;
	const digits = scale.suffix === 'ms' ? (Math.abs(x) < 10 ? 1 : 0) : Math.abs(x) >= 1000 ? 0 : Math.abs(x) >= 100 ? 1 : 2;
	return { text: formatValue(x, digits), suffix: scale.suffix };
}

/** "2,500 ms", "0.1 %", "12 /min": a value and its suffix as one text (thresholds, legends). */
export function scaledText(v: number | null | undefined, scale: Scale): string {
	const f = formatScaled(v, scale);
	return f.suffix ? `${f.text} ${f.suffix}` : f.text;
}

/**
 * A time on the wall, in the wall's zone (the reports' `reports.timeZone`): "14:30" within the next
 * or last 24 hours, else "Tue 3 Dec 14:30".
 */
export function wallTime(ms: number, zone: string, now: number): string {
	const near = Math.abs(ms - now) < 86_400_000;
	return new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...(near ? {} : { weekday: 'short', day: 'numeric', month: 'short' }) }).format(ms).replace(',', '');
}

/** The zone's short name now ("CET", "CEST", "GMT+3"), as the clock labels it. */
export function zoneLabel(zone: string, at: number): string {
	const part = new Intl.DateTimeFormat('en-GB', { timeZone: zone, timeZoneName: 'short' }).formatToParts(at).find((p) => p.type === 'timeZoneName');
	return part?.value ?? zone;
}

/** What an alerts tile shows: its rows, the true counts, and what the rows leave out. */
export interface AlertsView {
	rows: AlertRow[];
	/** Firing and not muted, of all active alerts. */
	firing: number;
	/** Firing but muted, of all. */
	muted: number;
	/** Active alerts not among the rows. */
	more: number;
	tone: Tone;
	/** The commonest firing rules, when the list is cut ("1,900 wall_screen_down, 300 ProbeDown"). */
	byRule: Array<{ name: string; count: number }>;
}

/**
 * An alerts tile over the rows the screen has and, when the server counted more than it sent, its
 * summary of all: the headline and the "+N more" are always the true totals.
 */
export function alertsView(alerts: readonly AlertRow[], summary: AlertSummary | null, max: number): AlertsView {
	const ordered = orderAlerts(alerts);
	const firing = ordered.filter((a) => a.state === 'firing');
	const loud = firing.filter((a) => !isMuted(a));
	const total = summary ? Math.max(summary.total, ordered.length) : ordered.length;
	const tone: Tone = summary
		? summary.bySeverity.critical > 0
			? 'crit'
			: summary.bySeverity.warning > 0
				? 'warn'
				: 'ok'
		: loud.reduce<Tone>((t, a) => (TONE_RANK[loudTone(a)] < TONE_RANK[t] ? loudTone(a) : t), 'ok');
	const rows = ordered.slice(0, max);
	return {
		rows,
		firing: summary ? summary.firing : loud.length,
		muted: summary ? summary.mutedFiring : firing.length - loud.length,
		more: Math.max(0, total - rows.length),
		tone,
		byRule: summary && total > ordered.length ? summary.byRule : []
	};
}
