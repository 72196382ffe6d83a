/**
 * The wall's live protocol: one typed event map shared by the server and the browser, and a zod
 * schema for every message, checked on arrival on both sides.
 *
 * On connect the screen gets a `snapshot`; after that `points` and `status` deltas, each with the
 * next sequence number. A gap in the sequence, or a reconnect, makes the screen send
 * `snapshot:request` and start again from the new snapshot.
 */
import { z } from 'zod';

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
	unit: z.string().optional()
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

export const snapshotMessage = liveStatus.extend({
	series: z.array(seriesState)
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

export const snapshotRequest = z.object({ reason: z.enum(['connect', 'gap', 'reconnect', 'manual']) });
export type SnapshotRequest = z.infer<typeof snapshotRequest>;

export const heartbeatMessage = z.object({
	/** A stable id the screen picks for itself (kept in localStorage). */
	screen: z.string().min(1).max(64),
	/** The screen's own clock, epoch ms. */
	at: z.number()
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
	status: (msg: LiveStatus) => void;
}

export interface ClientToServerEvents {
	'snapshot:request': (msg: SnapshotRequest) => void;
	heartbeat: (msg: HeartbeatMessage) => void;
}

/** The path socket.io is served on, the same in dev and production. */
export const LIVE_PATH = '/socket.io';
