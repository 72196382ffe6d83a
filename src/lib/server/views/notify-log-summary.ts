/**
 * A read model of the notification log (`{alerts}:notify:log`) for the notifications page: per
 * channel, how many notifications were sent, failed for good, are being retried and were muted
 * among the latest entries, with the last of each; per route of the tree, what it matched lately
 * (notifications decided and muted decisions, the groups they were for, the last time). It reads
 * the newest `scan` entries once (XREVRANGE) and folds them; nothing is written.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../keys';
import type { LogEntry, LogInput, LogOutcome } from '../alerting/notify';

export interface ChannelTally {
	channel: string;
	sent: number;
	failed: number;
	retry: number;
	muted: number;
	/** Epoch ms of the newest entry of each kind. */
	lastSentAt: number | null;
	lastFailedAt: number | null;
	/** The newest failure's error or HTTP status. */
	lastProblem: string | null;
}

export interface RouteTally {
	routeId: string;
	/** Distinct notifications decided on this route (attempts of one count once). */
	notifications: number;
	muted: number;
	lastAt: number | null;
	/** The aggregation groups' labels (`{service="payments"}`), newest first, at most 5. */
	groups: string[];
}

export interface LogSummary {
	channels: Map<string, ChannelTally>;
	routes: Map<string, RouteTally>;
	/** How many entries were read, and the time of the oldest: "lately" means since then. */
	scanned: number;
	since: number | null;
}

/** The route id of an aggregation group key (`<route id>:{labels}`), or null (a test send: `test`). */
export function routeIdOfGroup(groupKey: string): string | null {
	const i = groupKey.indexOf(':');
	if (i <= 0) return null;
	const id = groupKey.slice(0, i);
	return /^\d+(\.\d+)*$/.test(id) ? id : null;
}

const GROUPS_KEPT = 5;

/** Folds log entries, newest first, into per-channel and per-route tallies. Pure. */
export function summarizeLog(entries: ReadonlyArray<Pick<LogEntry, 'outcome' | 'channel' | 'groupKey' | 'notification' | 'at' | 'status' | 'error'>>): LogSummary {
	const channels = new Map<string, ChannelTally>();
	const routes = new Map<string, RouteTally>();
	const seen = new Map<string, Set<string>>();
	let since: number | null = null;
	for (const e of entries) {
		since = since === null ? e.at : Math.min(since, e.at);
		let c = channels.get(e.channel);
		if (!c) channels.set(e.channel, (c = { channel: e.channel, sent: 0, failed: 0, retry: 0, muted: 0, lastSentAt: null, lastFailedAt: null, lastProblem: null }));
		c[e.outcome satisfies LogOutcome]++;
		if (e.outcome === 'sent' && (c.lastSentAt === null || e.at > c.lastSentAt)) c.lastSentAt = e.at;
		if (e.outcome === 'failed' && (c.lastFailedAt === null || e.at > c.lastFailedAt)) {
			c.lastFailedAt = e.at;
			c.lastProblem = e.error ?? (e.status !== undefined ? `HTTP ${e.status}` : null);
		}
		const routeId = routeIdOfGroup(e.groupKey);
		if (routeId === null) continue;
		let r = routes.get(routeId);
		if (!r) routes.set(routeId, (r = { routeId, notifications: 0, muted: 0, lastAt: null, groups: [] }));
		if (e.outcome === 'muted') r.muted++;
		else {
			let ids = seen.get(routeId);
			if (!ids) seen.set(routeId, (ids = new Set()));
			if (!ids.has(e.notification)) {
				ids.add(e.notification);
				r.notifications++;
			}
		}
		if (r.lastAt === null || e.at > r.lastAt) r.lastAt = e.at;
		const labels = e.groupKey.slice(routeId.length + 1);
		if (r.groups.length < GROUPS_KEPT && !r.groups.includes(labels)) r.groups.push(labels);
	}
	return { channels, routes, scanned: entries.length, since };
}

/** Reads the newest `scan` log entries (default 2,000) and summarizes them. */
export async function readLogSummary(redis: Redis, keys: Keys['alerts'], scan = 2000): Promise<LogSummary> {
	const batch = await redis.xrevrange(keys.notify.log, '+', '-', 'COUNT', scan);
	const entries: LogEntry[] = [];
	for (const [id, fields] of batch) {
		const i = fields.indexOf('e');
		if (i < 0) continue;
		try {
			const e = JSON.parse(fields[i + 1]!) as LogInput;
			if (typeof e.channel === 'string' && typeof e.at === 'number' && typeof e.groupKey === 'string') entries.push({ id, ...e });
		} catch {
			// a corrupt entry is left out, as the log's reader does
		}
	}
	return summarizeLog(entries);
}
