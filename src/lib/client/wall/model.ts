/**
 * What a board's tiles show, computed from the feed: which series each tile reads, its tone
 * (critical, warning, ok, none), the age and freshness of its data, and the layout where failing
 * tiles grow and come first. Pure functions: the components only draw.
 */
import type { BoardDef, Thresholds, TileDef } from '$lib/shared/boards';
import type { AlertRow, SeriesState } from '$lib/shared/live';
import { freshness, type Freshness } from '../format';

export type Tone = 'crit' | 'warn' | 'ok' | 'none';

const TONE_RANK: Record<Tone, number> = { crit: 0, warn: 1, ok: 2, none: 3 };

export function worst(...tones: Tone[]): Tone {
	return tones.reduce<Tone>((a, b) => (TONE_RANK[b] < TONE_RANK[a] ? b : a), 'none');
}

/** The series of each tile, by source: `bySource[tile][source]` (in the snapshot's order). */
export function seriesByTile(board: BoardDef, series: readonly SeriesState[]): SeriesState[][][] {
	const out = board.tiles.map((t) => (t.kind === 'chart' ? t.series.map(() => []) : t.kind === 'slo' ? t.objectives.map(() => []) : t.kind === 'queue' ? [[], [], []] : [[]])) as SeriesState[][][];
	for (const s of series) for (const [tile, source] of s.refs ?? []) out[tile]?.[source]?.push(s);
	return out;
}

/** A value against thresholds: `above` means higher is worse. */
export function thresholdTone(v: number | null, th: Thresholds | undefined): Tone {
	if (v === null || !Number.isFinite(v)) return 'none';
	if (!th) return 'ok';
	const past = (limit: number | undefined) => limit !== undefined && (th.direction === 'below' ? v < limit : v > limit);
	if (past(th.crit)) return 'crit';
	if (past(th.warn)) return 'warn';
	return 'ok';
}

export function alertTone(a: Pick<AlertRow, 'severity' | 'state'>): Tone {
	if (a.state !== 'firing') return 'none';
	return a.severity === 'critical' ? 'crit' : a.severity === 'warning' ? 'warn' : 'none';
}

/** One cell of a status grid: a service (or target) with its `up` and its worst firing alert. */
export interface StatusCell {
	name: string;
	up: number | null;
	tone: Tone;
	fresh: Freshness;
	ageMs: number | null;
	/** The alert that makes it red or amber, if any. */
	alert?: string;
}

export function statusCells(tile: Extract<TileDef, { kind: 'status' }>, series: readonly SeriesState[], alerts: readonly AlertRow[], now: number): StatusCell[] {
	const cells = new Map<string, StatusCell>();
	for (const s of series) {
		const name = s.labels[tile.by] ?? s.labels.target ?? s.name;
		const ageMs = s.ts === null ? null : now - s.ts;
		const fresh = freshness(ageMs, s.intervalMs);
		const down = s.value !== null && s.value < 1;
		const known = cells.get(name);
		// Several series of one service (several probes): the worst one counts.
		if (known && !(down && (known.up ?? 1) >= 1)) continue;
		cells.set(name, { name, up: s.value, tone: fresh === 'fresh' ? (down ? 'crit' : 'ok') : 'none', fresh, ageMs });
	}
	for (const a of alerts) {
		const cell = cells.get(a.service);
		if (!cell) continue;
		const tone = alertTone(a);
		if (TONE_RANK[tone] < TONE_RANK[cell.tone] || (tone !== 'none' && cell.alert === undefined && tone === cell.tone)) {
			cell.tone = worst(cell.tone, tone);
			cell.alert = a.name;
		}
	}
	return [...cells.values()].sort((a, b) => TONE_RANK[a.tone] - TONE_RANK[b.tone] || (a.name < b.name ? -1 : 1));
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
	/** Share of the window's points that met the target. */
	compliance: number | null;
	/** Share of the window's budget (1 - goal) not spent yet, 0..1. */
	budgetLeft: number | null;
	tone: Tone;
}

export function meets(v: number, op: '<' | '<=' | '>' | '>=', target: number): boolean {
	return op === '<' ? v < target : op === '<=' ? v <= target : op === '>' ? v > target : v >= target;
}

export function sloState(objective: { op: '<' | '<=' | '>' | '>='; target: number; goal: number }, current: number | null, window: readonly number[]): SloState {
	const met = current === null ? null : meets(current, objective.op, objective.target);
	if (window.length === 0) return { current, met, compliance: null, budgetLeft: null, tone: met === null ? 'none' : met ? 'ok' : 'warn' };
	const good = window.filter((v) => meets(v, objective.op, objective.target)).length;
	const compliance = good / window.length;
	const budgetLeft = Math.max(0, Math.min(1, (compliance - objective.goal) / (1 - objective.goal)));
	const tone: Tone = budgetLeft <= 0 ? 'crit' : met === false || budgetLeft < 0.25 ? 'warn' : 'ok';
	return { current, met, compliance, budgetLeft, tone };
}

export interface Placed {
	index: number;
	tone: Tone;
	/** Columns and rows it takes: a failing tile grows. */
	cols: number;
	rows: number;
}

/**
 * The layout: critical tiles first, then warnings, then the rest in the board's order; a critical
 * tile takes 2×2 cells and a warning 2×1 (when the grid has room), so failing tiles grow and move
 * first. The grid fits the screen whatever the number of rows: no scrolling.
 */
export function layout(tones: readonly Tone[], columns: number): Placed[] {
	const wide = columns >= 3 ? 2 : 1;
	return tones
		.map((tone, index) => ({ index, tone, cols: tone === 'crit' || tone === 'warn' ? wide : 1, rows: tone === 'crit' && wide > 1 ? 2 : 1 }))
		.sort((a, b) => {
			const ra = a.tone === 'crit' ? 0 : a.tone === 'warn' ? 1 : 2;
			const rb = b.tone === 'crit' ? 0 : b.tone === 'warn' ? 1 : 2;
			return ra - rb || a.index - b.index;
		});
}
