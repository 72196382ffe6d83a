/**
 * How collectors hand samples to storage, and the live-tail entry format the store writes and the
 * web role reads.
 */
import type { Sample } from '../shared/series';

export interface SampleSink {
	/**
	 * Stores a batch. Rejects when storage is unreachable; the caller then holds the samples and
	 * calls again with `retry`, and nothing is stored twice.
	 */
	write(samples: Sample[], options?: { retry?: boolean }): Promise<void>;
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

/** One live-tail entry (field `b` of a stream entry): `[seriesId, ts, value]` per sample. */
export type LiveEntry = Array<[string, number, number]>;

export function decodeLiveEntry(text: string): LiveEntry {
	const raw = JSON.parse(text) as unknown;
	if (!Array.isArray(raw)) throw new Error('live entry: expected a list');
	return raw.map((p) => {
		if (!Array.isArray(p) || typeof p[0] !== 'string' || typeof p[1] !== 'number') throw new Error('live entry: bad point');
		return [p[0], p[1], decodeValue(p[2])];
	});
}
