/**
 * Boards: what a wall screen shows. They are defined in the config (`wall.boards`, validated with
 * `boardConfig`); the board `default` always exists (the config's `wall.tiles`, one tile per
 * series, unless `wall.boards` defines a board of that name).
 *
 * A board has a name, a title, a grid (its number of columns) and tiles of six kinds. The same
 * schema describes a board on the wire (`boardDef`, durations in ms) so screens validate it too.
 *
 * Which boards exist is known to the running process only (its config): the runtime calls
 * `setBoards` at start, and `boardExists` / `boardNames` answer from it. Like the context, the list
 * travels on `globalThis`: SvelteKit's bundle and the runtime are separate module graphs.
 */
import { z } from 'zod';
import { zDuration } from './duration';
import { stageProblems } from './slo-stage';

export const DEFAULT_BOARD = 'default';

/** How a board is named: lowercase letters, digits, `-` and `_`, up to 64. */
export const BOARD_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const SLOT = Symbol.for('vigil.boards');
const SETTINGS = Symbol.for('vigil.wall-settings');
type WithSlot = typeof globalThis & { [SLOT]?: readonly string[]; [SETTINGS]?: WallSettings };

/** Settings of every wall screen, from the config. */
export interface WallSettings {
	/** Local time ("04:00") at which screens reload themselves (when Vigil answers), or null for never. */
	reloadAt: string | null;
}

/** Sets the boards that exist (the runtime, from the config); `default` is always among them. */
export function setBoards(names: readonly string[], settings?: WallSettings): void {
	(globalThis as WithSlot)[SLOT] = [DEFAULT_BOARD, ...names.filter((n) => n !== DEFAULT_BOARD)];
	if (settings) (globalThis as WithSlot)[SETTINGS] = settings;
}

/** The boards that exist. */
export function boardNames(): readonly string[] {
	return (globalThis as WithSlot)[SLOT] ?? [DEFAULT_BOARD];
}

export function wallSettings(): WallSettings {
	return (globalThis as WithSlot)[SETTINGS] ?? { reloadAt: '04:00' };
}

/** "HH:MM", 24 h. */
export const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

export function boardExists(name: string): boolean {
	return boardNames().includes(name);
}

/** Thresholds for a tile's colour: `above` (default) means higher is worse. */
const thresholds = z.strictObject({
	warn: z.number().optional(),
	crit: z.number().optional(),
	direction: z.enum(['above', 'below']).default('above')
});
export type Thresholds = z.infer<typeof thresholds>;

const title = z.string().min(1).max(80);
/**
 * The cells a tile takes (default one): a list tile (status, alerts, SLO) may need more room to
 * show its names at a size read from across the room.
 */
const cols = z.number().int().min(1).max(8).optional();
const rows = z.number().int().min(1).max(6).optional();
const unit = z.string().max(16).optional();

/**
 * The board schema, with durations as config text (`"15m"`) or as ms on the wire; the config
 * passes a selector schema that parses them (the parser is the server's).
 */
export function boardSchema(duration: DurationSchema, selector: z.ZodType<string, unknown> = z.string().min(1).max(500)) {
	const { status, stat, chart } = seriesTiles(duration, selector);
	const queue = z.strictObject({
		kind: z.literal('queue'),
		title,
		cols,
		rows,
		/** The `queue` label of the queue series (queue_backlog, queue_drain_rate, queue_time_to_drain_seconds). */
		queue: z.string().min(1).max(200),
		/** Longest acceptable time to drain the backlog. */
		sla: duration({ min: 1000 })
	});
	const alerts = z.strictObject({
		kind: z.literal('alerts'),
		title,
		cols,
		rows,
		/** Most alerts listed (the rest are counted). */
		max: z.number().int().min(1).max(50).default(8)
	});
	const tile = z.discriminatedUnion('kind', [status, stat, chart, queue, alerts, sloTile(duration, selector)]);
	return z.strictObject({
		name: z.string().regex(BOARD_NAME, 'expected lowercase letters, digits, - or _ (up to 64)'),
		title: z.string().min(1).max(80).optional(),
		/** Columns of the grid. */
		columns: z.number().int().min(1).max(8).default(4),
		/**
		 * What a failing tile does: `stay` (the default) keeps every tile in its place and size, the
		 * failing one highlighted where it is; `grow` moves failing tiles first and grows them into
		 * the cells the grid has to spare.
		 */
		failing: z.enum(['stay', 'grow']).default('stay'),
		tiles: z.array(tile).min(1).max(24)
	});
}

/** A duration schema: config text (`"15m"`) or ms on the wire, within bounds. */
type DurationSchema = (opts: { min?: number; max?: number }) => z.ZodType<number, unknown>;

/** The tiles that show series: a status grid, a stat with its trend, a chart. */
function seriesTiles(duration: DurationSchema, selector: z.ZodType<string, unknown>) {
	const status = z.strictObject({
		kind: z.literal('status'),
		title,
		cols,
		rows,
		/** One cell per value of `by` among the series of `selector` (default `up`). */
		selector: selector.default('up'),
		by: z.string().min(1).max(64).default('service')
	});
	const stat = z.strictObject({
		kind: z.literal('stat'),
		title,
		cols,
		rows,
		selector,
		unit,
		/** The reference window of the trend arrow and the sparkline. */
		trend: duration({ min: 60_000, max: 86_400_000 }).default(15 * 60_000),
		thresholds: thresholds.optional()
	});
	const chart = z.strictObject({
		kind: z.literal('chart'),
		title,
		cols,
		rows,
		series: z.array(z.strictObject({ selector, label: z.string().max(40).optional() })).min(1).max(8),
		window: duration({ min: 60_000, max: 86_400_000 }).default(15 * 60_000),
		unit,
		thresholds: thresholds.optional()
	});
	return { status, stat, chart };
}

/** The SLO tile: its objectives over recent history, and their error budgets over the calendar period. */
function sloTile(duration: DurationSchema, selector: z.ZodType<string, unknown>) {
	return z.strictObject({
		kind: z.literal('slo'),
		title,
		cols,
		rows,
		/** Recent history kept per objective (the screen's "now" of each target). */
		window: duration({ min: 60_000, max: 86_400_000 }).default(60 * 60_000),
		/**
		 * The calendar period of the error budget: the current month (or quarter) in the reports'
		 * time zone (`reports.timeZone`), as reports count it.
		 */
		period: z.enum(['month', 'quarter']).default('month'),
		objectives: z
			.array(
				z.strictObject({
					name: z.string().min(1).max(60),
					selector,
					op: z.enum(['<', '<=', '>', '>=']),
					target: z.number(),
					unit,
					/** Share of the period the target must hold; the rest is the budget. */
					goal: z.number().gt(0).lt(1).default(0.99),
					/** The next stage: a stricter target in force from a day on (YYYY-MM-DD in the reports' time zone). */
					next: z.strictObject({ target: z.number(), from: z.string() }).optional()
				}).superRefine((o, ctx) => {
					if (!o.next) return;
					for (const p of stageProblems(o.op, o.target, { level: o.next.target, from: o.next.from }, 'target')) ctx.addIssue({ code: 'custom', path: ['next', p.path], message: p.message });
				})
			)
			.min(1)
			.max(8)
	});
}

/** Config durations (`"15m"`) for boardSchema. */
export const configDuration = (o: { min?: number; max?: number }) => zDuration(o) as unknown as z.ZodType<number, unknown>;
/** A board as the wire carries it (durations in ms). */
export const boardDef = boardSchema((o) => z.number().min(o.min ?? 0).max(o.max ?? Number.MAX_SAFE_INTEGER));
export type BoardDef = z.infer<typeof boardDef>;
export type TileDef = BoardDef['tiles'][number];

/** The queue metrics a queue tile reads, by role. */
export const QUEUE_METRICS = ['queue_backlog', 'queue_drain_rate', 'queue_time_to_drain_seconds'] as const;

/**
 * The selectors a tile reads, in order (its sources); a series' `refs` name [tile, source]. The
 * alerts tile reads alert state, not series.
 */
export function tileSources(tile: TileDef): string[] {
	switch (tile.kind) {
		case 'status':
		case 'stat':
			return [tile.selector];
		case 'chart':
			return tile.series.map((s) => s.selector);
		case 'queue':
			return QUEUE_METRICS.map((m) => `${m}{queue=${JSON.stringify(tile.queue)}}`);
		case 'slo':
			return tile.objectives.map((o) => o.selector);
		case 'alerts':
			return [];
	}
}

/** How much history (ms) a tile keeps per series: its chart, sparkline or SLO window; 0 for none. */
export function tileHistoryMs(tile: TileDef): number {
	switch (tile.kind) {
		case 'stat':
			return tile.trend;
		case 'chart':
		case 'slo':
			return tile.window;
		default:
			return 0;
	}
}

/** Most points of history kept per series, on the server and on screens (Chart.js: ≤ ~1,000 in view). */
export const HISTORY_POINTS = 240;
