/**
 * The wall's live protocol: one typed event map shared by the server and the browser, and a zod
 * schema for every message, checked on arrival on both sides.
 *
 * On connect the screen gets a `snapshot` of its board; after that `points`, `alerts` and `status`
 * deltas, each with the board's next sequence number. A gap in the sequence, or a reconnect, makes
 * the screen send `snapshot:request` and start again from the new snapshot.
 *
 * The /rules page (a login session, never a kiosk link) sends `rules:subscribe` and gets
 * `rules:rows` (every rule's row, whole) at once and whenever a row changes; it leaves its board's
 * room, so it gets no wall deltas.
 */
import { z } from 'zod';
import { boardDef } from './boards';
import { sloPeriod } from './slo-period';
import type { RuleRowsMessage } from './rule-rows';

export { ruleRowsMessage, rulesSubscribe, type RuleRow, type RuleRowsMessage } from './rule-rows';

export const seriesState = z.object({
	id: z.string(),
	name: z.string(),
	labels: z.record(z.string(), z.string()),
	/** Latest value, or null when the series has no sample yet. */
	value: z.number().nullable(),
	/** Time of the latest value (epoch ms), or null. */
	ts: z.number().nullable(),
	/** How often a new value is expected; older data is stale. */
	intervalMs: z.number().positive(),
	/** The wall tile this series is shown in, and its unit, when the config names tiles. */
	title: z.string().optional(),
	unit: z.string().optional(),
	/** On a board of tiles: the [tile, source] pairs that read this series (see tileSources). */
	refs: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])).max(64).optional(),
	/** Recent points, oldest first, for charts, sparklines and SLOs (at most HISTORY_POINTS). */
	history: z.array(z.tuple([z.number(), z.number().nullable()])).max(1000).optional()
});
export type SeriesState = z.infer<typeof seriesState>;

export const redisStatus = z.enum(['up', 'down']);

export const liveStatus = z.object({
	seq: z.number().int().nonnegative(),
	serverTime: z.number(),
	redis: redisStatus,
	/** How many running processes hold each role, from their heartbeats in Redis. */
	roles: z.object({ web: z.number().int(), collect: z.number().int(), alerts: z.number().int() })
});
export type LiveStatus = z.infer<typeof liveStatus>;

/** A firing, pending, no-data or error alert, with the state of its incident. */
export const alertRow = z.object({
	ruleId: z.string().max(300),
	fingerprint: z.string().max(100),
	name: z.string().max(200),
	severity: z.enum(['critical', 'warning', 'info']),
	state: z.enum(['firing', 'pending', 'nodata', 'error']),
	/** The `service` label ("" without one). */
	service: z.string().max(200),
	summary: z.string().max(500),
	/** Since when (epoch ms): firing since, else active since. */
	since: z.number(),
	/** Its incident's ref ("INC-42"), acknowledgement and owner, when it has an open incident. */
	incident: z.string().max(40).optional(),
	acknowledged: z.boolean(),
	owner: z.string().max(100).optional(),
	/** The silence that holds its notifications back (the one lasting longest, when several do). */
	silenced: z.object({ id: z.string().max(64), until: z.number(), by: z.string().max(200), comment: z.string().max(200) }).optional(),
	/** The maintenance window open now that holds it back, and when that occurrence ends. */
	maintenance: z.object({ id: z.string().max(64), name: z.string().max(200), until: z.number() }).optional()
});
export type AlertRow = z.infer<typeof alertRow>;

/** Most alert rows a message carries: what any tile can show, and the worst alert of each service. */
export const MAX_ALERT_ROWS = 500;

/**
 * What the rows of a big list leave out, counted by the server over every active alert: the true
 * totals, the loud (firing, not muted) ones by severity, and the commonest rules among the firing
 * ("2,204 firing: 1,900 wall_screen_down, 300 ProbeDown …").
 */
export const alertSummary = z.object({
	/** Active alerts in all (firing, pending, no data, error). */
	total: z.number().int().nonnegative(),
	/** Firing and not muted (a silence or maintenance window holds the others back). */
	firing: z.number().int().nonnegative(),
	/** Firing but muted. */
	mutedFiring: z.number().int().nonnegative(),
	/** Firing, not muted, by severity. */
	bySeverity: z.object({ critical: z.number().int().nonnegative(), warning: z.number().int().nonnegative(), info: z.number().int().nonnegative() }),
	/** The rules with the most firing alerts, most first (at most 10). */
	byRule: z.array(z.object({ name: z.string().max(200), count: z.number().int().positive() })).max(10)
});
export type AlertSummary = z.infer<typeof alertSummary>;

/** A series of the board's status tiles that a maintenance window open now covers. */
export const seriesMaintenance = z.object({ series: z.string(), id: z.string().max(64), name: z.string().max(200), until: z.number() });
export type SeriesMaintenance = z.infer<typeof seriesMaintenance>;

/**
 * An alert rule of the form `selector op N` that watches every series of a tile's source: the tile
 * colours by the rule's threshold (see the wall model's tileLimits), one source of truth.
 */
export const tileRule = z.object({
	tile: z.number().int().nonnegative(),
	source: z.number().int().nonnegative(),
	ruleId: z.string().max(300),
	name: z.string().max(200),
	severity: z.enum(['critical', 'warning', 'info']),
	op: z.enum(['>', '>=', '<', '<=']),
	threshold: z.number()
});
export type TileRule = z.infer<typeof tileRule>;

export const snapshotMessage = liveStatus.extend({
	series: z.array(seriesState),
	/** The board's definition: absent on the board `default` made of `wall.tiles`. */
	board: boardDef.optional(),
	/** Active alerts, on a board of tiles. */
	alerts: z.array(alertRow).max(MAX_ALERT_ROWS).optional(),
	/** The whole of the active alerts, counted (the rows may be a part of them). */
	alertSummary: alertSummary.optional(),
	/** The SLO objectives' budgets over their calendar period (boards with SLO tiles). */
	slos: z.array(sloPeriod).max(200).optional(),
	/** Status-tile series in maintenance now, and the alert rules that watch the tiles' series. */
	maintenance: z.array(seriesMaintenance).max(500).optional(),
	rules: z.array(tileRule).max(500).optional()
});
export type SnapshotMessage = z.infer<typeof snapshotMessage>;

/** A new value of a series; null when the value is not a finite number (NaN, ±Inf do not survive JSON). */
export const point = z.object({ id: z.string(), value: z.number().nullable(), ts: z.number() });
export type Point = z.infer<typeof point>;

export const pointsMessage = z.object({
	seq: z.number().int().nonnegative(),
	serverTime: z.number(),
	points: z.array(point).min(1)
});
export type PointsMessage = z.infer<typeof pointsMessage>;

/**
 * The board's active alerts changed (an alert, its incident, its silence or maintenance), or the
 * maintenance of its status tiles' series, or the rules that watch its tiles: the whole of each.
 */
export const alertsMessage = z.object({
	seq: z.number().int().nonnegative(),
	serverTime: z.number(),
	alerts: z.array(alertRow).max(MAX_ALERT_ROWS),
	alertSummary: alertSummary.optional(),
	maintenance: z.array(seriesMaintenance).max(500).optional(),
	rules: z.array(tileRule).max(500).optional()
});
export type AlertsMessage = z.infer<typeof alertsMessage>;

/** The SLO objectives' period figures changed (a minute was judged, or a new period began): all of them. */
export const sloMessage = z.object({
	seq: z.number().int().nonnegative(),
	serverTime: z.number(),
	slos: z.array(sloPeriod).max(200)
});
export type SloMessage = z.infer<typeof sloMessage>;

export const snapshotRequest = z.object({ reason: z.enum(['connect', 'gap', 'reconnect', 'manual']) });
export type SnapshotRequest = z.infer<typeof snapshotRequest>;

export const heartbeatMessage = z.object({
	/** A stable id the screen picks for itself (kept in localStorage); informational only: the server identifies screens by their credential. */
	screen: z.string().min(1).max(64),
	/** A logged-in page that is a wall screen says so with a name (`/wall/<board>?screen=<name>`); only then is it watched. */
	watch: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/).optional(),
	/** The screen's own clock, epoch ms. */
	at: z.number(),
	/** The board it shows, its viewport and how long its last render took. */
	board: z.string().max(64).optional(),
	viewport: z.object({ w: z.number().int().min(0).max(100_000), h: z.number().int().min(0).max(100_000) }).optional(),
	renderMs: z.number().min(0).max(600_000).optional()
});
export type HeartbeatMessage = z.infer<typeof heartbeatMessage>;

/**
 * Why the live feed refuses a screen, sent as the `data` of a refused connection and in `denied`
 * before a connection is closed. `retry` says whether trying again later can help.
 */
export const liveRefusal = z.object({
	reason: z.enum(['unauthenticated', 'kiosk', 'session', 'board', 'origin', 'unavailable', 'flood', 'limit']),
	message: z.string().max(500),
	retry: z.boolean()
});
export type LiveRefusal = z.infer<typeof liveRefusal>;

/** What a screen may send in its handshake's `auth`: the board it shows, a kiosk token (non-browser screens). */
export const liveHandshake = z.object({
	board: z.string().max(64).optional(),
	kiosk: z.string().max(200).optional()
});
export type LiveHandshake = z.infer<typeof liveHandshake>;

export interface ServerToClientEvents {
	snapshot: (msg: SnapshotMessage) => void;
	/** The connection is about to be closed, and why. */
	denied: (msg: LiveRefusal) => void;
	points: (msg: PointsMessage) => void;
	alerts: (msg: AlertsMessage) => void;
	slo: (msg: SloMessage) => void;
	status: (msg: LiveStatus) => void;
	/** The rules list: every row, whole, at subscription and whenever one changed. */
	'rules:rows': (msg: RuleRowsMessage) => void;
}

export interface ClientToServerEvents {
	'snapshot:request': (msg: SnapshotRequest) => void;
	heartbeat: (msg: HeartbeatMessage) => void;
	/** Asks for the rules list's rows (session connections only); carries nothing. */
	'rules:subscribe': (msg?: Record<string, never>) => void;
}

/** The path socket.io is served on, the same in dev and production. */
export const LIVE_PATH = '/socket.io';

/** The longest lists the schemas above allow in a snapshot or an alerts message. */
export const WIRE_LISTS = { alerts: MAX_ALERT_ROWS, maintenance: 500, rules: 500, slos: 200 } as const;

/**
 * Cuts every list of a snapshot or alerts message to what its schema allows (in place; the lists
 * are in order of importance, so the least important go). The server sends nothing longer, and a
 * screen applies it before validating, so one oversized list can never make a whole message
 * unreadable (the screen would then show nothing at all). Returns the message.
 */
export function fitLists<T>(msg: T): T {
	if (msg === null || typeof msg !== 'object') return msg;
	const m = msg as Record<string, unknown>;
	for (const [k, max] of Object.entries(WIRE_LISTS)) {
		const v = m[k];
		if (Array.isArray(v) && v.length > max) m[k] = v.slice(0, max);
	}
	return msg;
}
