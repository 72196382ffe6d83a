/**
 * The wall's watched screens: each connection's heartbeats are recorded (wall-screens.ts) and
 * every `reportMs` this process reports the screens it heard.
 */
import type { HeartbeatMessage } from '../../../shared/live';
import type { Logger } from '../../log';
import type { WallScreens, ScreenOwner } from '../wall-screens';
import type { LiveSocket } from './socket';
import { every } from './every';

export class LiveScreens {
	private timer: NodeJS.Timeout | undefined;

	constructor(
		private readonly screens: WallScreens,
		private readonly redisUp: () => boolean,
		private readonly log: Logger,
		/** @defaultValue 15 s */
		private readonly reportMs = 15_000
	) {}

	start(): void {
		this.timer = every(this.reportMs, () => {
			if (!this.redisUp()) return;
			this.screens.report().catch((err: Error) => this.log.debug({ err: err.message }, 'could not report the wall screens'));
		});
	}

	stop(): void {
		clearInterval(this.timer);
	}

	/**
	 * A connection's heartbeat. The server decides which connection is a watched screen, from its
	 * credential: a kiosk link is one screen; a session only when its page says it is one
	 * (?screen=<name>). What the client calls itself is not trusted.
	 */
	beat(socket: LiveSocket, board: string, msg: HeartbeatMessage): void {
		const { viewport, renderMs, watch } = msg;
		const grant = socket.data.grant;
		const owner: ScreenOwner = grant.kind === 'kiosk' ? { kind: 'kiosk', kioskId: grant.kioskId, name: grant.kioskName } : { kind: 'session', user: grant.user, declared: watch };
		this.screens.beat(owner, { at: Date.now(), board, ...(viewport ? { viewport } : {}), ...(renderMs !== undefined ? { renderMs } : {}) });
	}

	/** A revoked link's screen is forgotten now, not reported down for a day. */
	forgetKiosk(kioskId: string): void {
		this.screens.forgetKiosk(kioskId).catch((err: Error) => this.log.debug({ err: err.message }, 'could not forget a revoked screen'));
	}
}
