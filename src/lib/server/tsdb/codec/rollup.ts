/**
 * Rollup records: count, min, max, sum and last of the finite samples in a bucket (a minute or an
 * hour). NaN and infinities are left out of rollups (charts skip them; rules read raw samples),
 * and -0 counts as 0.
 *
 * Two formats:
 *   open key:  fixed 36-byte records at index * 36, little-endian
 *              <u32 count><f64 min><f64 max><f64 sum><f64 last>, merged in place by Redis scripts
 *              (count 0 = empty). An open key holds one small span: the minutes of an hour, or
 *              the hours of a day.
 *   segment:   'C', uvarint records, u8 mode, then per record: uvarint gap (index - previous
 *              index - 1), uvarint count, and in fixed-point mode (mode = decimal scale 0..15)
 *              svarint (min - previous min), uvarint (max - min), uvarint (last - min),
 *              svarint (sum - min x count), all x 10^scale; in float mode (mode 255) four f64.
 *              Sealing turns an open key into a segment appended to a long-span key (the
 *              minutes of a day, the hours of 30 days), which is a sequence of segments.
 */
import { ByteReader, ByteWriter, CorruptDataError, MAX_FIXED, POW10 } from './bytes';

export interface Agg {
	count: number;
	min: number;
	max: number;
	sum: number;
	last: number;
}

export interface IndexedAgg extends Agg {
	/** Position of the bucket within its span (minute of the day, hour of the 30 days). */
	index: number;
}

export const RECORD_BYTES = 36;
export const SEALED = 0x43; // 'C'
const FLOAT_MODE = 255;

export function emptyAgg(): Agg {
	return { count: 0, min: Infinity, max: -Infinity, sum: 0, last: Number.NaN };
}

/** Adds a sample to an aggregate; non-finite values are ignored, and -0 counts as 0. */
export function addSample(a: Agg, value: number): void {
	if (!Number.isFinite(value)) return;
	const v = value + 0;
	a.count++;
	if (v < a.min) a.min = v;
	if (v > a.max) a.max = v;
	a.sum += v;
	a.last = v;
}

/** Merges `b` (later in time) into `a`. */
export function mergeAgg(a: Agg, b: Agg): void {
	if (b.count === 0) return;
	if (a.count === 0) {
		Object.assign(a, { count: b.count, min: b.min, max: b.max, sum: b.sum, last: b.last });
		return;
	}
	a.count += b.count;
	a.min = Math.min(a.min, b.min);
	a.max = Math.max(a.max, b.max);
	a.sum += b.sum;
	a.last = b.last;
}

/**
 * Partial aggregates of samples [from, to) per bucket: `bucketOf(ts)` gives the bucket start.
 * Returns them in time order; buckets whose samples are all non-finite are left out.
 */
export function partials(ts: ArrayLike<number>, values: ArrayLike<number>, from: number, to: number, bucketMs: number): Array<{ start: number; agg: Agg }> {
	const out: Array<{ start: number; agg: Agg }> = [];
	let cur: { start: number; agg: Agg } | undefined;
	for (let i = from; i < to; i++) {
		const start = ts[i]! - (ts[i]! % bucketMs);
		if (!cur || cur.start !== start) {
			if (cur && cur.agg.count > 0) out.push(cur);
			cur = { start, agg: emptyAgg() };
		}
		addSample(cur.agg, values[i]!);
	}
	if (cur && cur.agg.count > 0) out.push(cur);
	return out;
}

// ---- open records ---------------------------------------------------------------------------

export function writeOpenRecord(out: ByteWriter, a: Agg): void {
	out.ensure(RECORD_BYTES);
	const view = new DataView(out.buf.buffer, out.buf.byteOffset + out.pos, RECORD_BYTES);
	view.setUint32(0, a.count, true);
	view.setFloat64(4, a.min, true);
	view.setFloat64(12, a.max, true);
	view.setFloat64(20, a.sum, true);
	view.setFloat64(28, a.last, true);
	out.pos += RECORD_BYTES;
}

/** Reads the records of an open key with fromIndex <= index + indexOffset <= toIndex. */
export function decodeOpen(buf: Uint8Array, out: IndexedAgg[], fromIndex = 0, toIndex = Infinity, indexOffset = 0): void {
	const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
	const records = Math.floor(buf.length / RECORD_BYTES);
	const last = Math.min(records - 1, toIndex - indexOffset);
	for (let i = Math.max(0, fromIndex - indexOffset); i <= last; i++) {
		const off = i * RECORD_BYTES;
		const count = view.getUint32(off, true);
		if (count === 0) continue;
		out.push({
			index: i + indexOffset,
			count,
			min: view.getFloat64(off + 4, true),
			max: view.getFloat64(off + 12, true),
			sum: view.getFloat64(off + 20, true),
			last: view.getFloat64(off + 28, true)
		});
	}
}

// ---- sealed records -------------------------------------------------------------------------

function scaleFor(records: IndexedAgg[]): number {
	let s = 0;
	const fits = (v: number, p: number) => {
		const x = Math.round(v * p);
		return x / p === v && Math.abs(x) <= MAX_FIXED;
	};
	for (const r of records) {
		for (const v of [r.min, r.max, r.last]) {
			while (!fits(v, POW10[s]!)) if (++s > 15) return FLOAT_MODE;
		}
	}
	// A finer scale found late can push an earlier value past the fixed-point range.
	const p = POW10[s]!;
	for (const r of records) if (!fits(r.min, p) || !fits(r.max, p) || !fits(r.last, p)) return FLOAT_MODE;
	// The sum must be a fixed-point number at that scale, give or take what float addition can have
	// drifted: adding `count` values of magnitude at most M errs by at most count² · ε · M. Anything
	// further off is a finer fraction the samples really had (values of more decimals than min, max
	// and last), kept exactly in float mode. (A tolerance relative to the sum itself, 1e-9 · |sum|,
	// let sums over 5e8 lose a genuine .5.)
	for (const r of records) {
		const x = Math.round(r.sum * p);
		const drift = r.count * r.count * Number.EPSILON * Math.max(Math.abs(r.min), Math.abs(r.max));
		if (Math.abs(x) > MAX_FIXED || Math.abs(x / p - r.sum) > drift) return FLOAT_MODE;
	}
	return s;
}

/** Encodes records (in index order) in the sealed format. */
export function encodeSealed(records: IndexedAgg[]): Uint8Array {
	const out = new ByteWriter(8 + records.length * 10);
	out.u8(SEALED);
	out.uvarint(records.length);
	const mode = scaleFor(records);
	out.u8(mode);
	let prevIndex = -1;
	let prevMin = 0;
	const p = mode === FLOAT_MODE ? 1 : POW10[mode]!;
	for (const r of records) {
		out.uvarint(r.index - prevIndex - 1);
		prevIndex = r.index;
		out.uvarint(r.count);
		if (mode === FLOAT_MODE) {
			out.f64(r.min);
			out.f64(r.max);
			out.f64(r.sum);
			out.f64(r.last);
		} else {
			const min = Math.round(r.min * p);
			out.svarint(min - prevMin);
			prevMin = min;
			out.uvarint(Math.round(r.max * p) - min);
			out.uvarint(Math.round(r.last * p) - min);
			out.svarint(Math.round(r.sum * p) - min * r.count);
		}
	}
	return out.finish();
}

function readSegment(buf: Uint8Array, start: number, out: IndexedAgg[], fromIndex: number, toIndex: number, indexOffset: number): number {
	const r = new ByteReader(buf, start + 1);
	const n = r.uvarint();
	const mode = r.u8();
	if (mode !== FLOAT_MODE && mode > 15) throw new CorruptDataError(`bad rollup mode ${mode}`);
	const p = mode === FLOAT_MODE ? 1 : POW10[mode]!;
	let index = -1;
	let prevMin = 0;
	for (let k = 0; k < n; k++) {
		index += r.uvarint() + 1;
		const count = r.uvarint();
		let agg: Agg;
		if (mode === FLOAT_MODE) {
			agg = { count, min: r.f64(), max: r.f64(), sum: r.f64(), last: r.f64() };
		} else {
			const min = prevMin + r.svarint();
			prevMin = min;
			const max = min + r.uvarint();
			const last = min + r.uvarint();
			const sum = min * count + r.svarint();
			agg = { count, min: min / p, max: max / p, sum: sum / p, last: last / p };
		}
		const at = index + indexOffset;
		if (at >= fromIndex && at <= toIndex) out.push({ index: at, ...agg });
	}
	return r.pos;
}

/**
 * Reads the records of a sequence of segments with fromIndex <= index + indexOffset <= toIndex,
 * in stored order.
 */
export function decodeSegments(buf: Uint8Array, out: IndexedAgg[], fromIndex = 0, toIndex = Infinity, indexOffset = 0): void {
	let pos = 0;
	while (pos < buf.length) {
		if (buf[pos] !== SEALED) throw new CorruptDataError(`unknown rollup format byte ${buf[pos]} at offset ${pos}`);
		pos = readSegment(buf, pos, out, fromIndex, toIndex, indexOffset);
	}
}

/** The aggregate of all records (in order): what an hour is, given its minutes. */
export function mergeAll(records: readonly Agg[]): Agg {
	const a = emptyAgg();
	for (const r of records) mergeAgg(a, r);
	return a;
}
