/**
 * Every board's live state, by name: the tail's points go to each board that shows them, a series
 * some board has not seen is looked up once, and series gone quiet for good are dropped. Screens
 * get each change as the next message of their board's sequence.
 */
import { DEFAULT_BOARD, type BoardDef } from '../../../shared/boards';
import type { LiveStatus, Point, SnapshotMessage } from '../../../shared/live';
import type { Logger } from '../../log';
import type { SeriesInfo, TimeSeriesStore } from '../../tsdb';
import { BoardFeed, DEFAULT_INTERVAL_MS, goneAfter } from '../board-feed';
import type { LiveSend } from './socket';

export interface BoardsOptions {
	store: TimeSeriesStore;
	/**
	 * The tiles of the default board when no board is named `default`.
	 * @defaultValue none: the default board shows every series (up to 60)
	 */
	tiles?: ReadonlyArray<{ title: string; selector: string; unit?: string }>;
	boards?: readonly BoardDef[];
	/** @defaultValue UTC */
	sloTimeZone?: string;
	log: Logger;
	send: LiveSend;
	/** The status line of every board, without its sequence number. */
	status(): Omit<LiveStatus, 'seq'>;
}

export class LiveBoards {
	private readonly boards = new Map<string, BoardFeed>();
	/** Series being looked up (see learn). */
	private readonly pending = new Set<string>();

	constructor(private readonly options: BoardsOptions) {
		const defs = options.boards ?? [];
		if (!defs.some((b) => b.name === DEFAULT_BOARD)) this.boards.set(DEFAULT_BOARD, new BoardFeed(DEFAULT_BOARD, null, options.tiles ?? []));
		for (const def of defs) this.boards.set(def.name, new BoardFeed(def.name, def, [], options.sloTimeZone ?? 'UTC'));
	}

	all(): IterableIterator<BoardFeed> {
		return this.boards.values();
	}

	/** A board's snapshot, from memory (an unknown name gets the default board). */
	snapshot(name = DEFAULT_BOARD): SnapshotMessage {
		const board = this.boards.get(name) ?? this.boards.get(DEFAULT_BOARD)!;
		return board.snapshot(this.options.status());
	}

	/** Every board's screens get the status line. */
	sendStatus(): void {
		for (const board of this.boards.values()) this.options.send.toBoard(board, 'status', (seq) => ({ seq, ...this.options.status() }));
	}

	/** Sends a board's screens a new snapshot (its shape changed). */
	private sendSnapshot(board: BoardFeed): void {
		this.options.send.toBoard(board, 'snapshot', () => board.snapshot(this.options.status()));
	}

	/** Reads every board's current values and history from the store. */
	async reload(): Promise<void> {
		const now = Date.now();
		for (const board of this.boards.values()) {
			try {
				await this.load(board, now);
			} catch (err) {
				this.options.log.warn({ board: board.name, err: (err as Error).message }, 'could not load current values; the tail will fill them in');
			}
		}
	}

	private async load(board: BoardFeed, now: number): Promise<void> {
		let count = 0;
		for (const matchers of board.selectors) {
			for (const r of await this.options.store.latest(matchers)) {
				if (now - r.ts >= goneAfter(r.intervalMs ?? DEFAULT_INTERVAL_MS)) continue;
				count++;
				board.add(r.labels, r.value, r.ts, r.intervalMs);
			}
		}
		if (count > board.maxSeries) this.options.log.warn({ board: board.name, series: count, shown: board.size }, 'more series than the board shows');
		await board.loadHistory(this.options.store, now);
	}

	/** The tail's points: each board's screens get the ones it shows; unknown series are looked up. */
	onPoints(points: Point[]): void {
		const unknown = new Map<string, Point>();
		for (const board of this.boards.values()) {
			const r = board.apply(points);
			for (const p of r.unknown) unknown.set(p.id, p);
			if (r.fresh.length === 0) continue;
			this.options.send.toBoard(board, 'points', (seq) => ({ seq, serverTime: Date.now(), points: r.fresh }));
		}
		for (const p of unknown.values()) this.learn(p);
	}

	/** A series some board has not seen: fetch its labels and interval; boards that select it show it. */
	private learn(p: Point): void {
		const id = p.id;
		if (this.pending.has(id)) return;
		this.pending.add(id);
		this.options.store
			.seriesById([id])
			.then(([info]: SeriesInfo[]) => {
				for (const board of this.boards.values()) {
					if (board.has(id)) continue;
					if (!info || !board.selects(info.labels)) board.ignore(id);
					// A new series changes the board's shape: its screens take a new snapshot.
					else if (board.add(info.labels, p.value, p.ts, info.intervalMs)) this.sendSnapshot(board);
				}
			})
			.catch(() => {})
			.finally(() => this.pending.delete(id));
	}

	/** Drops series gone quiet for good (see goneAfter); screens get a new snapshot. */
	prune(now = Date.now()): void {
		for (const board of this.boards.values()) if (board.prune(now)) this.sendSnapshot(board);
	}
}
