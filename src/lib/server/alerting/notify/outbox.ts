/**
 * The notification pipeline's durable parts, in Redis:
 * - the aggregation groups' state (when each flushes next, what it last notified), written in the
 *   same fenced script as the notifications a flush decides, so a crash never leaves a decision
 *   half-recorded: either the notification is queued and the group knows it, or neither;
 * - the outbox: every notification not yet delivered (a hash of bodies and a sorted set by the time
 *   of the next attempt), so a pending notification survives a restart of the alerts role;
 * - the notification log: one stream entry per attempt (and per muted decision), readable through
 *   the API.
 */
import type { Redis } from 'ioredis';
import type { Labels } from '../../../shared/series';
import type { Keys } from '../../keys';
import { FENCE_CHECK, FencedOutError } from '../state';
import { notificationSummary, type Notification } from './notification';

/** What an aggregation group remembers between flushes. */
export interface GroupState {
	key: string;
	routeId: string;
	receiver: string;
	groupLabels: Labels;
	createdAt: number;
	/** Epoch ms of the next flush (group_wait after creation, then every group_interval). */
	nextFlushAt: number;
	/** Epoch ms of the last notification decided for the group. */
	lastNotifiedAt?: number;
	/** The alerts last notified as firing: id -> what a resolved notification needs of them. */
	firing: Record<string, { ruleId: string; fingerprint: string; labels: Labels; annotations: Labels; startsAt: number }>;
	/** Ids of the alerts last notified as resolved. */
	resolved: string[];
	/** Ids of the firing alerts last held back by a silence or maintenance window (logged once). */
	muted?: string[];
}

export type LogOutcome = 'sent' | 'retry' | 'failed' | 'muted';

export interface LogInput {
	outcome: LogOutcome;
	notification: string;
	idempotencyKey?: string;
	channel: string;
	groupKey: string;
	attempt: number;
	/** Epoch ms. */
	at: number;
	status?: number;
	error?: string;
	durationMs?: number;
	nextAttemptAt?: number;
	title: string;
	alertStatus: string;
	alerts: number;
	rules: string[];
	incidentIds: string[];
	/** For `muted`: what held the alerts back. */
	silences?: string[];
	windows?: string[];
}

export interface LogEntry extends LogInput {
	/** Stream id. */
	id: string;
}

/** A log entry describing an attempt on a notification. */
export function attemptEntry(n: Notification, fields: Pick<LogInput, 'outcome' | 'attempt' | 'at'> & Partial<LogInput>): LogInput {
	const s = notificationSummary(n);
	return {
		notification: n.id,
		idempotencyKey: n.idempotencyKey,
		channel: n.receiver,
		groupKey: n.groupKey,
		title: s.title,
		alertStatus: s.status,
		alerts: s.alerts,
		rules: s.rules,
		incidentIds: n.incidentIds,
		...fields
	};
}

/**
 * KEYS: fence, groups, items, queue, log. ARGV: token, nPut, nDel, nEnqueue, nLog, log maxlen,
 * then nPut (key, json), nDel keys, nEnqueue (id, score, json), nLog json.
 */
const COMMIT = `${FENCE_CHECK}
local nPut, nDel, nEnq, nLog = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local at = 7
for i = 1, nPut do redis.call('HSET', KEYS[2], ARGV[at], ARGV[at + 1]); at = at + 2 end
for i = 1, nDel do redis.call('HDEL', KEYS[2], ARGV[at]); at = at + 1 end
for i = 1, nEnq do
  redis.call('HSET', KEYS[3], ARGV[at], ARGV[at + 2])
  redis.call('ZADD', KEYS[4], ARGV[at + 1], ARGV[at])
  at = at + 3
end
for i = 1, nLog do redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[6], '*', 'e', ARGV[at]); at = at + 1 end
return 1
`;

/**
 * KEYS: items, queue, log. ARGV: id, mode ("done" | "retry"), next score, item json, log json, maxlen.
 * A notification already settled (by another process) is left alone: returns 0.
 */
const SETTLE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[2] == 'done' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'e', ARGV[5])
return 1
`;

/** KEYS: queue. ARGV: id, until. */
const CLAIM = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
`;

export interface OutboxOptions {
	/**
	 * Entries kept in the notification log.
	 * @defaultValue 100_000
	 */
	logMaxLen?: number;
}

export class NotificationOutbox {
	private readonly logMaxLen: number;
	private readonly keys: Keys['alerts'];

	constructor(
		private readonly redis: Redis,
		keys: Keys,
		options: OutboxOptions = {}
	) {
		this.keys = keys.alerts;
		this.logMaxLen = options.logMaxLen ?? 100_000;
	}

	/** Every aggregation group's saved state. Unreadable entries are dropped (they flush anew). */
	async loadGroups(): Promise<Map<string, GroupState>> {
		const all = await this.redis.hgetall(this.keys.notify.groups);
		const out = new Map<string, GroupState>();
		for (const [k, v] of Object.entries(all)) {
			try {
				const g = JSON.parse(v) as GroupState;
				if (typeof g.nextFlushAt === 'number' && g.firing && typeof g.firing === 'object') out.set(k, g);
			} catch {
				// a corrupt entry: the group starts again
			}
		}
		return out;
	}

	/** Records a dispatcher tick's decisions at once; throws FencedOutError when a newer leader exists. */
	async commit(token: number, change: { put?: GroupState[]; del?: string[]; enqueue?: Notification[]; log?: LogInput[] }): Promise<void> {
		const put = change.put ?? [];
		const del = change.del ?? [];
		const enqueue = change.enqueue ?? [];
		const log = change.log ?? [];
		if (!put.length && !del.length && !enqueue.length && !log.length) return;
		const args: string[] = [String(token), String(put.length), String(del.length), String(enqueue.length), String(log.length), String(this.logMaxLen)];
		for (const g of put) args.push(g.key, JSON.stringify(g));
		args.push(...del);
		for (const n of enqueue) args.push(n.id, String(n.createdAt), JSON.stringify(n));
		for (const e of log) args.push(JSON.stringify(e));
		const k = this.keys.notify;
		const r = await this.redis.eval(COMMIT, 5, this.keys.fence, k.groups, k.items, k.queue, k.log, ...args);
		if (Number(r) === -1) throw new FencedOutError();
	}

	/** Notifications whose next attempt is due, oldest first. */
	async due(now: number, limit: number): Promise<Notification[]> {
		if (limit <= 0) return [];
		const ids = await this.redis.zrangebyscore(this.keys.notify.queue, '-inf', now, 'LIMIT', 0, limit);
		return this.read(ids);
	}

	/** When the earliest pending notification's next attempt is due (epoch ms), or undefined when none is pending. */
	async nextDueAt(): Promise<number | undefined> {
		const [, score] = await this.redis.zrange(this.keys.notify.queue, 0, 0, 'WITHSCORES');
		return score === undefined ? undefined : Number(score);
	}

	/** Every pending notification, by next attempt. */
	async pending(limit = 1000): Promise<Array<Notification & { nextAttemptAt: number }>> {
		const withScores = await this.redis.zrange(this.keys.notify.queue, 0, limit - 1, 'WITHSCORES');
		const ids: string[] = [];
		const at = new Map<string, number>();
		for (let i = 0; i < withScores.length; i += 2) {
			ids.push(withScores[i]!);
			at.set(withScores[i]!, Number(withScores[i + 1]));
		}
		return (await this.read(ids)).map((n) => ({ ...n, nextAttemptAt: at.get(n.id)! }));
	}

	private async read(ids: string[]): Promise<Notification[]> {
		if (!ids.length) return [];
		const texts = await this.redis.hmget(this.keys.notify.items, ...ids);
		const out: Notification[] = [];
		texts.forEach((t, i) => {
			if (t === null) {
				// queued without a body (cannot happen through commit): drop the orphan
				void this.redis.zrem(this.keys.notify.queue, ids[i]!).catch(() => {});
				return;
			}
			try {
				out.push(JSON.parse(t) as Notification);
			} catch {
				void this.redis.zrem(this.keys.notify.queue, ids[i]!).catch(() => {});
			}
		});
		return out;
	}

	/**
	 * Holds a notification for an attempt until `until`: if this process dies mid-attempt, the
	 * notification comes due again then. False when it was settled meanwhile.
	 */
	async claim(id: string, until: number): Promise<boolean> {
		const r = await this.redis.eval(CLAIM, 1, this.keys.notify.queue, id, String(until));
		return Number(r) === 1;
	}

	/** Ends a notification (delivered, or given up) and logs the attempt. */
	async finish(n: Notification, entry: LogInput): Promise<boolean> {
		const k = this.keys.notify;
		const r = await this.redis.eval(SETTLE, 3, k.items, k.queue, k.log, n.id, 'done', '0', '', JSON.stringify(entry), String(this.logMaxLen));
		return Number(r) === 1;
	}

	/** Schedules the next attempt (the notification with its attempt count) and logs this one. */
	async retry(n: Notification, at: number, entry: LogInput): Promise<boolean> {
		const k = this.keys.notify;
		const r = await this.redis.eval(SETTLE, 3, k.items, k.queue, k.log, n.id, 'retry', String(at), JSON.stringify(n), JSON.stringify(entry), String(this.logMaxLen));
		return Number(r) === 1;
	}

	/** Writes one entry to the notification log (a test send, outside the outbox). */
	async logOnly(entry: LogInput): Promise<void> {
		await this.redis.xadd(this.keys.notify.log, 'MAXLEN', '~', String(this.logMaxLen), '*', 'e', JSON.stringify(entry));
	}

	/**
	 * The notification log, newest first. `before` is a stream id to page back from; `rule`,
	 * `channel`, `incident` and `outcome` filter (reading at most `scan` entries to fill a page).
	 */
	async log(options: { limit?: number; before?: string; rule?: string; channel?: string; incident?: string; outcome?: LogOutcome; scan?: number } = {}): Promise<{ entries: LogEntry[]; next?: string }> {
		const limit = Math.min(Math.max(1, options.limit ?? 100), 1000);
		const scan = Math.max(limit, options.scan ?? 10_000);
		const filtered = options.rule !== undefined || options.channel !== undefined || options.incident !== undefined || options.outcome !== undefined;
		const out: LogEntry[] = [];
		let end = options.before ? `(${options.before}` : '+';
		let read = 0;
		let last: string | undefined;
		while (out.length < limit && read < scan) {
			const batch = await this.redis.xrevrange(this.keys.notify.log, end, '-', 'COUNT', filtered ? 500 : limit - out.length);
			if (!batch.length) return { entries: out };
			for (const [id, fields] of batch) {
				read++;
				last = id;
				const i = fields.indexOf('e');
				if (i < 0) continue;
				let e: LogInput;
				try {
					e = JSON.parse(fields[i + 1]!) as LogInput;
				} catch {
					continue;
				}
				if (options.rule !== undefined && !e.rules.includes(options.rule)) continue;
				if (options.channel !== undefined && e.channel !== options.channel) continue;
				if (options.incident !== undefined && !e.incidentIds.includes(options.incident)) continue;
				if (options.outcome !== undefined && e.outcome !== options.outcome) continue;
				out.push({ id, ...e });
				if (out.length >= limit) return { entries: out, next: id };
			}
			end = `(${last}`;
		}
		return { entries: out, ...(last ? { next: last } : {}) };
	}
}
