/** The live feed's socket.io types, its rooms, and the one typed send every feed uses. */
import type { Server, Socket } from 'socket.io';
import type { Counter } from 'prom-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../shared/live';
import type { LiveGrant } from '../live-access';
import type { TokenBucket } from '../token-bucket';
import type { BoardFeed } from '../board-feed';

/** What the server keeps of each connection, from its admission on. */
export interface SocketData {
	grant: LiveGrant;
	/** The client's address (behind a proxy: the one the proxy names). */
	address: string;
	bucket: TokenBucket;
	/** Events dropped in the current flood window, and when it began. */
	dropped: number;
	dropWindowAt: number;
	checkedAt: number;
	checking: boolean;
	/** A revocation arrived while a check was running: check once more after it. */
	again: boolean;
}

export type LiveServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** The body of a server-to-client event. */
export type LiveMessage<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];
/** The events that carry a board's sequence number. */
export type BoardEvent = 'snapshot' | 'points' | 'alerts' | 'slo' | 'status';

/** The room of a board's connections. */
export function boardRoom(board: string): string {
	return `board:${board}`;
}

/**
 * Sends to rooms, typed by the event map, and counts what it sent (`vigil_live_messages_total`).
 * Before the server is attached nothing is sent, and no board's sequence moves.
 */
export class LiveSend {
	io: LiveServer | undefined;

	constructor(private readonly sent: Counter<'type'> | undefined) {}

	/** Emits a message to a room, and counts it. */
	toRoom<E extends keyof ServerToClientEvents>(room: string, event: E, msg: LiveMessage<E>): void {
		if (!this.io) return;
		// socket.io's emit cannot be called with an event that is a type parameter; its shape for E is this.
		const target = this.io.to(room) as unknown as { emit(event: E, msg: LiveMessage<E>): boolean };
		target.emit(event, msg);
		this.sent?.inc({ type: event });
	}

	/** A board's next message: the next number of its sequence, emitted to the board's room, counted. */
	toBoard<E extends BoardEvent>(board: BoardFeed, event: E, msg: (seq: number) => LiveMessage<E>): void {
		if (!this.io) return;
		board.seq++;
		this.toRoom(boardRoom(board.name), event, msg(board.seq));
	}
}
