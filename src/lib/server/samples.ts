/**
 * Where collectors put samples, and how the web role learns of new ones.
 *
 * This is the placeholder store of the first vertical slice: the latest sample per series in one
 * hash, and one live-tail stream entry per written batch. The time-series store replaces the
 * storage behind the same `SampleSink` interface; the live tail stays as it is.
 */
import type { Redis } from 'ioredis';
import { seriesId, type Labels, type Sample } from '../shared/series';
import type { Keys } from './keys';

export interface SampleSink {
	/** Stores a batch atomically: all of it or none of it. Rejects when Redis is unreachable. */
	write(samples: Sample[]): Promise<void>;
}

/** Stream entries keep at least this many batches for readers catching up after a reconnect. */
export const LIVE_STREAM_MAXLEN = 10_000;

export interface LatestSample {
	id: string;
	name: string;
	labels: Labels;
	ts: number;
	value: number;
	intervalMs?: number;
}

/** JSON has no NaN or infinities; they travel as strings. */
export function encodeValue(v: number): number | string {
	if (Number.isFinite(v)) return v;
	return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

export function decodeValue(v: unknown): number {
	if (typeof v === 'number') return v;
	if (v === '+Inf') return Infinity;
	if (v === '-Inf') return -Infinity;
	return NaN;
}

/** One live-tail entry: the points of one batch, as `[seriesId, ts, value]`. */
export type LiveEntry = Array<[string, number, number]>;

export function encodeLiveEntry(samples: Sample[]): string {
	return JSON.stringify(samples.map((s) => [seriesId(s.name, s.labels), s.ts, encodeValue(s.value)]));
}

export function decodeLiveEntry(text: string): LiveEntry {
	const raw = JSON.parse(text) as unknown;
	if (!Array.isArray(raw)) throw new Error('live entry: expected a list');
	return raw.map((p) => {
		if (!Array.isArray(p) || typeof p[0] !== 'string' || typeof p[1] !== 'number') throw new Error('live entry: bad point');
		return [p[0], p[1], decodeValue(p[2])];
	});
}

export class LatestSampleStore implements SampleSink {
	constructor(
		private readonly redis: Redis,
		private readonly keys: Keys
	) {}

	async write(samples: Sample[]): Promise<void> {
		if (samples.length === 0) return;
		const latest = new Map<string, Sample>();
		for (const s of samples) {
			const id = seriesId(s.name, s.labels);
			const prev = latest.get(id);
			if (!prev || prev.ts <= s.ts) latest.set(id, s);
		}
		const tx = this.redis.multi();
		for (const [id, s] of latest) {
			tx.hset(this.keys.latest, id, JSON.stringify({ name: s.name, labels: s.labels, ts: s.ts, value: encodeValue(s.value), intervalMs: s.intervalMs }));
		}
		tx.xadd(this.keys.live, 'MAXLEN', '~', LIVE_STREAM_MAXLEN, '*', 'b', encodeLiveEntry(samples));
		const results = await tx.exec();
		const failed = results?.find(([err]) => err);
		if (!results || failed) throw failed?.[0] ?? new Error('Redis transaction aborted');
	}

	async latestAll(): Promise<LatestSample[]> {
		const all = await this.redis.hgetall(this.keys.latest);
		return Object.entries(all).map(([id, json]) => decodeLatest(id, json));
	}

	async latest(id: string): Promise<LatestSample | undefined> {
		const json = await this.redis.hget(this.keys.latest, id);
		return json === null ? undefined : decodeLatest(id, json);
	}
}

function decodeLatest(id: string, json: string): LatestSample {
	const s = JSON.parse(json) as { name: string; labels: Labels; ts: number; value: unknown; intervalMs?: number };
	return { id, name: s.name, labels: s.labels, ts: s.ts, value: decodeValue(s.value), intervalMs: s.intervalMs };
}
