/**
 * Point records: one sample appended to an open raw chunk, coded against the sample before it in
 * the chunk, so a scrape's write appends a few bytes per series (a counter 2-3, an unchanged
 * value 1, a full-precision float 9) instead of a whole block. Blocks and point records mix in a
 * chunk; sealing rewrites them all as one block.
 *
 * Layout: u8 tag, then the time, then the value.
 *   tag bits 0-1   3 (a block's time mode is 0-2, so the first byte tells the two apart)
 *   tag bits 2-3   time: 0 the same step as the two samples before it, 1 uvarint step from the
 *                  sample before it, 2 uvarint ms after the chunk's start
 *   tag bits 4-6   value: 0 the same as the sample before it, 1 svarint integer difference,
 *                  2 u8 decimal scale + svarint difference at that scale, 3 f64 (any value; the
 *                  stale marker's own bits)
 * Times 0 and 1 and values 0-2 need a sample before it in the chunk; writers know it (they wrote
 * it) and readers decode chunks in order.
 */
import { ByteReader, CorruptDataError, MAX_FIXED, POW10, type ByteWriter } from './bytes';

export const POINT_TAG = 3;
const T_SAME = 0;
const T_STEP = 1;
const T_ABS = 2;
const V_SAME = 0;
const V_INT = 1;
const V_FIXED = 2;
const V_F64 = 3;

/** The sample before a point in its chunk: its time, the step before it (-1 none) and its value. */
export interface PointPrev {
	t: number;
	step: number;
	v: number;
}

function isPlain(v: number): boolean {
	return Number.isFinite(v) && !(v === 0 && 1 / v < 0);
}

/** The smallest decimal scale (1..15) at which both values are exact fixed-point numbers, or -1. */
function sharedScale(a: number, b: number): number {
	for (let s = 1; s <= 15; s++) {
		const p = POW10[s]!;
		const x = Math.round(a * p);
		const y = Math.round(b * p);
		if (x / p === a && y / p === b && Math.abs(x) <= MAX_FIXED && Math.abs(y) <= MAX_FIXED) return s;
	}
	return -1;
}

/**
 * Appends one point record for the sample (t, v) to `out`; `prev` is the sample before it in the
 * chunk (null when it is the chunk's first, or not known).
 */
export function encodePoint(out: ByteWriter, chunkStart: number, t: number, v: number, stale: boolean, prev: PointPrev | null): void {
	out.ensure(24);
	const at = out.pos++;
	let time: number;
	if (!prev) {
		time = T_ABS;
		out.uvarint(t - chunkStart);
	} else if (t - prev.t === prev.step) time = T_SAME;
	else {
		time = T_STEP;
		out.uvarint(t - prev.t);
	}
	let value = V_F64;
	if (stale) out.staleMarker();
	else if (prev && isPlain(v) && isPlain(prev.v)) {
		const d = v - prev.v;
		if (Object.is(v, prev.v)) value = V_SAME;
		else if (Number.isInteger(v) && Number.isInteger(prev.v) && Math.abs(v) <= MAX_FIXED && Math.abs(prev.v) <= MAX_FIXED) {
			value = V_INT;
			out.svarint(d);
		} else {
			const s = sharedScale(v, prev.v);
			if (s > 0) {
				value = V_FIXED;
				out.u8(s);
				out.svarint(Math.round(v * POW10[s]!) - Math.round(prev.v * POW10[s]!));
			} else out.f64(v);
		}
	} else out.f64(v);
	out.buf[at] = POINT_TAG | (time << 2) | (value << 4);
}

/**
 * Decodes the point record at `pos` into the columns (its index into `stale` when it is a stale
 * marker), given the sample before it; returns the offset after it.
 */
export function decodePoint(buf: Uint8Array, pos: number, chunkStart: number, prev: PointPrev, ts: number[], values: number[], stale: number[]): number {
	const r = new ByteReader(buf, pos);
	const tag = r.u8();
	const time = (tag >> 2) & 3;
	const value = (tag >> 4) & 7;
	let t: number;
	if (time === T_ABS) t = chunkStart + r.uvarint();
	else if (time === T_STEP) t = prev.t + r.uvarint();
	else t = prev.t + prev.step;
	let v: number;
	if (value === V_SAME) v = prev.v;
	else if (value === V_INT) v = prev.v + r.svarint();
	else if (value === V_FIXED) {
		const p = POW10[r.u8()]!;
		v = (Math.round(prev.v * p) + r.svarint()) / p;
	} else if (value === V_F64) {
		if (r.atStaleMarker()) stale.push(ts.length);
		v = r.f64();
	} else throw new CorruptDataError(`bad point value mode ${value} at offset ${pos}`);
	prev.step = prev.t >= 0 ? t - prev.t : -1;
	prev.t = t;
	prev.v = v;
	ts.push(t);
	values.push(v);
	return r.pos;
}

/** The offset after the point record at `pos`, without decoding it. */
export function skipPoint(buf: Uint8Array, pos: number): number {
	const r = new ByteReader(buf, pos);
	const tag = r.u8();
	if (((tag >> 2) & 3) !== T_SAME) r.uvarint();
	const value = (tag >> 4) & 7;
	if (value === V_INT) r.uvarint();
	else if (value === V_FIXED) {
		r.u8();
		r.uvarint();
	} else if (value === V_F64) r.skip(8);
	else if (value !== V_SAME) throw new CorruptDataError(`bad point value mode ${value} at offset ${pos}`);
	return r.pos;
}
