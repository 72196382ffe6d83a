/**
 * What the /boards page lists of each board: its name, title, tiles and columns, as the config
 * defines them. The runtime sets the list at start (from the config, beside `setBoards`); like the
 * board names it travels on `globalThis`, as SvelteKit's bundle and the runtime are two module
 * graphs. Without it (a process started before), the names alone are listed.
 */
import { boardNames, DEFAULT_BOARD } from '../../shared/boards';

export interface BoardSummary {
	name: string;
	title: string | null;
	tiles: number;
	/** Tile kinds in order of first use (the plain `default` board: `series`). */
	kinds: string[];
	columns: number | null;
}

const SLOT = Symbol.for('vigil.board-list');
type WithSlot = typeof globalThis & { [SLOT]?: readonly BoardSummary[] };

/** The config's boards, and `default` (its `wall.tiles`) unless a board of that name replaces it. */
export function boardSummariesOf(wall: { tiles: readonly unknown[]; boards: ReadonlyArray<{ name: string; title?: string; columns?: number; tiles: ReadonlyArray<{ kind: string }> }> }): BoardSummary[] {
	const out: BoardSummary[] = wall.boards.map((b) => ({ name: b.name, title: b.title ?? null, tiles: b.tiles.length, kinds: [...new Set(b.tiles.map((t) => t.kind))], columns: b.columns ?? null }));
	if (!out.some((b) => b.name === DEFAULT_BOARD)) out.unshift({ name: DEFAULT_BOARD, title: 'Every series (wall.tiles)', tiles: wall.tiles.length, kinds: ['series'], columns: null });
	return out;
}

export function setBoardList(list: readonly BoardSummary[]): void {
	(globalThis as WithSlot)[SLOT] = list;
}

/** The boards that exist, with what the runtime told of them. */
export function boardList(): BoardSummary[] {
	const known = new Map(((globalThis as WithSlot)[SLOT] ?? []).map((b) => [b.name, b]));
	return boardNames().map((name) => known.get(name) ?? { name, title: null, tiles: 0, kinds: [], columns: null });
}
