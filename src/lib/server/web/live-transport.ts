/**
 * The per-address cap of the live feed, counted on transport connections. A slot is taken when an
 * engine.io connection opens (before any socket.io handshake: a raw engine.io client that never
 * joins a namespace holds one too) and given back when it closes. A transport over the cap is told
 * why, the way socket.io tells a refused handshake (a CONNECT_ERROR packet carrying the refusal),
 * and closed. Each transport may carry one socket.io connection at a time; a handshake that is
 * refused closes its transport, so a refused client keeps nothing open.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { LiveRefusal } from '../../shared/live';
import type { AddressSlots } from './live-access';

/** What this needs of an engine.io connection (its `Socket`). */
export interface TransportConnection {
	readonly request: { headers: IncomingHttpHeaders };
	readonly remoteAddress: string;
	readonly readyState: string;
	once(event: 'close', listener: () => void): unknown;
	send(data: string): unknown;
	close(discard?: boolean): unknown;
}

/** A transport told to close that has not (a polling client that does not come back) is cut after this. */
const CLOSE_GRACE_MS = 2_000;

export class TransportSlots {
	private readonly held = new WeakMap<TransportConnection, { sockets: number }>();

	constructor(
		private readonly slots: AddressSlots,
		private readonly addressOf: (headers: IncomingHttpHeaders, peer: string) => string,
		private readonly refusal: () => LiveRefusal,
		private readonly onRefused: (address: string) => void
	) {}

	/** An engine.io connection opened: it holds a slot of its address, or is refused and closed. */
	open(conn: TransportConnection): void {
		const address = this.addressOf(conn.request.headers, conn.remoteAddress);
		const release = this.slots.take(address);
		if (!release) {
			this.onRefused(address);
			const r = this.refusal();
			// socket.io's CONNECT_ERROR of the main namespace (`4` + JSON), inside an engine.io message.
			conn.send(`4${JSON.stringify({ message: r.message, data: r })}`);
			this.close(conn);
			return;
		}
		this.held.set(conn, { sockets: 0 });
		conn.once('close', release);
	}

	/**
	 * A socket.io handshake on this transport: allowed when the transport holds a slot and carries no
	 * other socket. Returns the release of the socket's place, or null when refused.
	 */
	join(conn: TransportConnection): (() => void) | null {
		const h = this.held.get(conn);
		if (!h || h.sockets > 0) return null;
		h.sockets++;
		let released = false;
		return () => {
			if (released) return;
			released = true;
			h.sockets--;
		};
	}

	/** Closes a transport once what was queued for it is sent (a refusal), and surely soon after. */
	close(conn: TransportConnection): void {
		// After socket.io has queued its CONNECT_ERROR (it does so on the next tick).
		setImmediate(() => {
			conn.close();
			setTimeout(() => {
				if (conn.readyState !== 'closed') conn.close(true);
			}, CLOSE_GRACE_MS).unref();
		});
	}
}
