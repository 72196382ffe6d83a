/**
 * Which series the live stream needs to carry: those some board of this config selects (the plain
 * wall's tiles, or every series when it has none, and each board's tiles). The store copies only
 * these to the live tail, so the stream follows what screens can show, not the size of scrapes.
 * Boards come from the config and do not change while a process runs (a reload applies collectors).
 */
import { DEFAULT_BOARD, type BoardDef } from '../../shared/boards';
import type { Labels } from '../../shared/series';
import { BoardFeed } from './board-feed';

export interface LiveSeriesBoards {
	tiles?: ReadonlyArray<{ title: string; selector: string; unit?: string }>;
	boards?: readonly BoardDef[];
}

/** A test of a series' name and labels (without `__name__`): does some board show it? */
export function liveSeriesSelect(wall: LiveSeriesBoards): (name: string, labels: Labels) => boolean {
	const defs = wall.boards ?? [];
	const feeds = defs.map((def) => new BoardFeed(def.name, def, []));
	if (!defs.some((b) => b.name === DEFAULT_BOARD)) feeds.push(new BoardFeed(DEFAULT_BOARD, null, wall.tiles ?? []));
	return (name, labels) => {
		const full = { ...labels, __name__: name };
		return feeds.some((f) => f.selects(full));
	};
}
