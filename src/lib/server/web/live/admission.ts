/**
 * Who may hold a live connection, and how much it may send. Every connection is admitted by a
 * session or a kiosk token from this server's origin (live-access.ts); one client address (by the
 * rule of the HTTP side: client-address.ts) may hold `connectionsPerIp` transport connections at a
 * time, counted from engine.io's opening on (live-transport.ts). Each connection's events pass a
 * token bucket (beyond it they are dropped and counted; a connection that keeps flooding is
 * closed), and its credential is checked again on events and every `recheckMs`: a revoked kiosk
 * token or an ended session loses its screen. Revocations announced on their channel
 * (`keys.revocations`) make the matching connections check again at once.
 */
import type { Redis } from 'ioredis';
import type { Counter } from 'prom-client';
import type { LiveRefusal } from '../../../shared/live';
import { parseRevocation } from '../../auth';
import type { Logger } from '../../log';
import { clientAddress, PEER_ADDRESS, type AddressRule } from '../client-address';
import { AddressSlots, LIVE_CONNECTIONS_PER_IP, limitRefusal, REFUSALS, revokes, type LiveAccess } from '../live-access';
import { TransportSlots, type TransportConnection } from '../live-transport';
import { TokenBucket } from '../token-bucket';
import type { LiveServer, LiveSocket } from './socket';
import { every } from './every';

/** A connection's credential is checked again on an event when its last check is this old. */
const RECHECK_ON_EVENT_MS = 5_000;
/** A connection with more dropped events than this within the window is closed. */
export const FLOOD_DROPS = 100;
const FLOOD_WINDOW_MS = 10_000;

/** Who may connect and how much: the hub's options of admission. */
export interface AdmissionLimits {
	/** Who may connect; without it every connection is refused. */
	access?: LiveAccess;
	/** How often every connection's credential is checked again. @defaultValue 30 s */
	recheckMs?: number;
	/** Events per second and burst of one connection. @defaultValue 20/s, burst 40 */
	rate?: { perSecond: number; burst: number };
	/** Most connections one client address may hold at once. @defaultValue 50 */
	connectionsPerIp?: number;
	/** How a handshake's client address is found (adapter-node's ADDRESS_HEADER, XFF_DEPTH). @defaultValue the TCP peer */
	addressRule?: AddressRule;
	/**
	 * A connection of its own to subscribe to the revocations channel, where revocations are announced
	 * (the caller closes it). Without it, revoked credentials are noticed by the periodic check only.
	 */
	control?: Redis;
}

export interface AdmissionOptions extends AdmissionLimits {
	/** The revocations channel. */
	revocations: string;
	log: Logger;
	refused?: Counter<'reason'>;
	dropped?: Counter<'reason'>;
	/** A kiosk link was revoked (its screen is forgotten). */
	onKioskRevoked(kioskId: string): void;
}

export class LiveAdmission {
	private readonly slots: AddressSlots;
	private io: LiveServer | undefined;
	private recheckTimer: NodeJS.Timeout | undefined;

	constructor(private readonly options: AdmissionOptions) {
		this.slots = new AddressSlots(options.connectionsPerIp ?? LIVE_CONNECTIONS_PER_IP);
	}

	/** Guards the server: the per-address cap, the handshake's credential, then periodic and announced checks. */
	attach(io: LiveServer): void {
		this.io = io;
		const transports = this.transportSlots();
		io.engine.on('connection', (conn: TransportConnection) => transports.open(conn));
		io.use((socket, next) => this.handshake(transports, socket, next));
		this.recheckTimer = every(this.options.recheckMs ?? 30_000, () => {
			for (const socket of io.sockets.sockets.values()) this.recheck(socket);
		});
		const control = this.options.control;
		if (control) {
			control.on('message', this.onControl);
			control.on('ready', this.subscribeControl);
			if (control.status === 'ready') this.subscribeControl();
		}
	}

	stop(): void {
		clearInterval(this.recheckTimer);
		this.options.control?.off('message', this.onControl);
		this.options.control?.off('ready', this.subscribeControl);
	}

	/**
	 * The per-address cap counts transport (engine.io) connections, from their opening on: a raw
	 * engine.io client that never makes a socket.io handshake holds a slot too (live-transport.ts).
	 */
	private transportSlots(): TransportSlots {
		const addressRule = this.options.addressRule ?? PEER_ADDRESS;
		return new TransportSlots(
			this.slots,
			(headers, peer) => clientAddress(addressRule, headers, peer),
			() => limitRefusal(this.slots.max),
			(address) => {
				this.options.refused?.inc({ reason: 'limit' });
				this.options.log.debug({ address, limit: this.slots.max }, 'refused a live connection over the per-address limit');
			}
		);
	}

	private handshake(transports: TransportSlots, socket: LiveSocket, next: (err?: Error) => void): void {
		const address = clientAddress(this.options.addressRule ?? PEER_ADDRESS, socket.handshake.headers, socket.handshake.address);
		// The transport's slot is held from its opening (checks in flight count) until it closes; a
		// refused handshake closes its transport.
		const release = transports.join(socket.conn);
		const refuse = (refusal: LiveRefusal) => {
			release?.();
			this.options.refused?.inc({ reason: refusal.reason });
			const err = new Error(refusal.message) as Error & { data?: LiveRefusal };
			err.data = refusal;
			next(err);
			transports.close(socket.conn);
		};
		if (!release) return refuse(limitRefusal(this.slots.max));
		socket.once('disconnect', release);
		if (!this.options.access) return refuse(REFUSALS.unauthenticated);
		this.options.access
			.admit({ headers: socket.handshake.headers, auth: socket.handshake.auth, address })
			.then((r) => {
				if (!r.ok) return refuse(r.refusal);
				const now = Date.now();
				const rate = this.options.rate ?? { perSecond: 20, burst: 40 };
				socket.data = { grant: r.grant, address, bucket: new TokenBucket(rate.perSecond, rate.burst, now), dropped: 0, dropWindowAt: now, checkedAt: now, checking: false, again: false };
				next();
			})
			.catch(() => refuse(REFUSALS.unavailable));
	}

	private readonly subscribeControl = () => {
		this.options.control?.subscribe(this.options.revocations).catch((err: Error) => this.options.log.warn({ err: err.message }, 'could not subscribe to revocations; checking every connection periodically only'));
	};

	/** A revocation announced on its channel: the connections it may concern are checked again now. */
	private readonly onControl = (channel: string, text: string) => {
		if (channel !== this.options.revocations || !this.io) return;
		const msg = parseRevocation(text);
		if (!msg) return;
		if ('kiosk' in msg) this.options.onKioskRevoked(msg.kiosk);
		for (const socket of this.io.sockets.sockets.values()) if (socket.data.grant && revokes(socket.data.grant, msg)) this.recheck(socket, true);
	};

	/** Closes a connection, telling the screen why. */
	private deny(socket: LiveSocket, refusal: LiveRefusal): void {
		if (!socket.connected) return;
		this.options.refused?.inc({ reason: refusal.reason });
		socket.emit('denied', refusal);
		socket.disconnect(true);
	}

	/**
	 * Checks a connection's credential again (one check at a time per connection). `urgent` (a
	 * revocation was announced): a check already running may have read before it, so one more
	 * follows.
	 */
	private recheck(socket: LiveSocket, urgent = false): void {
		const d = socket.data;
		if (!this.options.access) return;
		if (d.checking) {
			if (urgent) d.again = true;
			return;
		}
		d.checking = true;
		this.options.access
			.recheck(d.grant, d.address)
			.then((refusal) => {
				d.checkedAt = Date.now();
				if (refusal) this.deny(socket, refusal);
			})
			.catch(() => {})
			.finally(() => {
				d.checking = false;
				if (d.again && socket.connected) {
					d.again = false;
					this.recheck(socket);
				}
			});
	}

	/** Every incoming event: the rate limit, then (now and then) the credential. */
	admitEvent(socket: LiveSocket): boolean {
		const d = socket.data;
		const now = Date.now();
		if (now - d.checkedAt >= RECHECK_ON_EVENT_MS) this.recheck(socket);
		if (d.bucket.take(now)) return true;
		this.options.dropped?.inc({ reason: 'rate_limit' });
		if (now - d.dropWindowAt > FLOOD_WINDOW_MS) {
			d.dropWindowAt = now;
			d.dropped = 0;
		}
		if (++d.dropped > FLOOD_DROPS) {
			this.options.log.warn({ address: d.address, grant: d.grant.kind === 'kiosk' ? `kiosk:${d.grant.kioskId}` : `user:${d.grant.user}` }, 'closed a live connection that kept flooding');
			this.deny(socket, REFUSALS.flood);
		}
		return false;
	}
}
