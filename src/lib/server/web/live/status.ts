/**
 * What every board's status line says: whether Redis answers and how many nodes run each role.
 *
 * Redis is judged by its answers, not by the connection's state (a hung server keeps its TCP
 * connection "ready"): a PING every REDIS_PING_MS, and Redis is down when one has had no answer
 * for REDIS_ANSWER_MS (readiness, /readyz, waits as long), up again at the next answer.
 */
import type { Redis } from 'ioredis';
import type { LiveStatus } from '../../../shared/live';
import type { Keys } from '../../keys';
import type { Logger } from '../../log';
import { countRoles, listNodes, HEARTBEAT_MS, type Role } from '../../nodes';
import { every } from './every';

export const REDIS_PING_MS = 1_000;
export const REDIS_ANSWER_MS = 1_000;

export interface StatusHooks {
	/** What the status line says changed: every board's screens are told. */
	changed(): void;
	/** Redis is connected again: the boards read their current values again. */
	reconnected(): void;
	/** Every node heartbeat interval, after the roles are read. */
	heartbeat(): void;
}

export class HubStatus {
	/** Redis answers PINGs (see REDIS_ANSWER_MS); when the outstanding PING was sent, if any. */
	private redisAnswers = true;
	private pingSentAt: number | null = null;
	private pingTimer: NodeJS.Timeout | undefined;
	private roles: Record<Role, number> = { web: 0, collect: 0, alerts: 0 };
	private rolesTimer: NodeJS.Timeout | undefined;
	private lastBroadcastRedis: 'up' | 'down' = 'up';

	constructor(
		private readonly redis: Redis,
		private readonly keys: Keys,
		private readonly log: Logger,
		private readonly hooks: StatusHooks
	) {}

	start(): void {
		this.redis.on('ready', this.onRedisUp);
		this.redis.on('close', this.onRedisDown);
		this.pingTimer = every(REDIS_PING_MS, () => this.pingRedis());
		this.refreshRoles();
		this.rolesTimer = every(HEARTBEAT_MS, () => {
			this.refreshRoles();
			this.hooks.heartbeat();
		});
	}

	stop(): void {
		clearInterval(this.rolesTimer);
		clearInterval(this.pingTimer);
		this.redis.off('ready', this.onRedisUp);
		this.redis.off('close', this.onRedisDown);
	}

	/** Connected, and answering (see REDIS_ANSWER_MS). */
	redisUp(): boolean {
		return this.redis.status === 'ready' && this.redisAnswers;
	}

	/** The status line, without its board's sequence number. */
	line(): Omit<LiveStatus, 'seq'> {
		return { serverTime: Date.now(), redis: this.redisUp() ? 'up' : 'down', roles: this.roles };
	}

	/**
	 * One PING at a time: an outstanding one older than REDIS_ANSWER_MS makes Redis down (screens
	 * are told at once); its answer, however late, makes it up again.
	 */
	private pingRedis(): void {
		if (this.pingSentAt !== null) {
			if (Date.now() - this.pingSentAt >= REDIS_ANSWER_MS) this.judgeRedis(false);
			return;
		}
		if (this.redis.status !== 'ready') return;
		this.pingSentAt = Date.now();
		this.redis
			.ping()
			.then(() => this.judgeRedis(true))
			.catch(() => this.judgeRedis(false))
			.finally(() => (this.pingSentAt = null));
	}

	private judgeRedis(answers: boolean): void {
		if (answers === this.redisAnswers) return;
		this.redisAnswers = answers;
		this.log.warn(answers ? 'Redis answers again' : `Redis does not answer (no PING answer within ${REDIS_ANSWER_MS} ms): screens show it down`);
		this.lastBroadcastRedis = answers ? 'up' : 'down';
		this.hooks.changed();
		if (answers) this.refreshRoles();
	}

	private readonly onRedisUp = () => {
		// Connected again: ioredis has had its answer to the handshake.
		this.redisAnswers = true;
		this.hooks.changed();
		this.lastBroadcastRedis = 'up';
		this.hooks.reconnected();
		this.refreshRoles();
	};

	private readonly onRedisDown = () => {
		if (this.lastBroadcastRedis === 'down') return;
		this.lastBroadcastRedis = 'down';
		this.hooks.changed();
	};

	private refreshRoles(): void {
		if (!this.redisUp()) return;
		listNodes(this.redis, this.keys)
			.then((nodes) => {
				const roles = countRoles(nodes);
				if (JSON.stringify(roles) !== JSON.stringify(this.roles)) {
					this.roles = roles;
					this.hooks.changed();
				}
			})
			.catch(() => {});
	}
}
