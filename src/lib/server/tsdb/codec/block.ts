/**
 * Raw sample blocks: the unit written to a chunk. A chunk (one Redis string per series per hour)
 * is a sequence of self-contained blocks, so a write appends and never reads first; sealing
 * rewrites a closed chunk as one block.
 *
 * Block layout:
 *   u8 flags        bits 0-1 time mode (0 single, 1 regular, 2 delta-of-delta)
 *                   bits 2-3 value mode (0 fixed-point, 1 Gorilla XOR, 2 constant)
 *                   bit 4    has specials (fixed-point and constant modes)
 *   uvarint n       samples
 *   uvarint t0      first time, ms after the chunk's start
 *   uvarint span    last time - first time, ms
 *   uvarint len     bytes that follow (lets readers skip blocks outside a range)
 *   times           regular: uvarint delta; dod: uvarint first delta + bit stream of the rest
 *   values          fixed: u8 scale, svarint first, then the n-1 deltas of value x 10^scale as a bit
 *                   stream in groups of 32, each group a 6-bit width then its zigzag deltas;
 *                   constant: u8 scale, svarint value; XOR: Gorilla's float XOR bit stream
 *   specials        uvarint count, then (uvarint index delta, f64) pairs: NaN, +-Inf and -0,
 *                   which fixed-point cannot hold.
 *
 * Stale markers (a series ended there) are stored as Prometheus stores them, the NaN with bits
 * 0x7ff0000000000002, in the specials list or the XOR stream. JS canonicalizes NaN payloads in
 * arrays, so decoders report them as indexes in `SampleColumns.stale` and the value as NaN.
 *
 * Fixed-point is chosen when every finite value v has a decimal scale s <= 15 with
 * round(v x 10^s) / 10^s === v and |v x 10^s| <= 2^51; each block detects its own scale.
 */
import { BitReader, BitWriter, bitWidth } from './bits';
import { ByteReader, ByteWriter, CorruptDataError, MAX_FIXED, POW10, STALE_HI, STALE_LO, unzigzag, zigzag } from './bytes';
import { decodePoint, POINT_TAG, skipPoint, type PointPrev } from './point';

const TIME_SINGLE = 0;
const TIME_REGULAR = 1;
const TIME_DOD = 2;
const VALUE_FIXED = 0;
const VALUE_XOR = 1;
const VALUE_CONSTANT = 2;
const HAS_SPECIALS = 0x10;

const GROUP = 32;

/** Samples as two parallel arrays; decoders append to them. */
export interface SampleColumns {
	ts: number[];
	values: number[];
	/** Ascending indexes of stale markers (their value is NaN); absent or empty when none. */
	stale?: number[];
}

function isSpecial(v: number): boolean {
	return !Number.isFinite(v) || (v === 0 && 1 / v < 0);
}

/** The smallest decimal scale that holds every finite value exactly, or -1 if there is none. */
export function detectScale(values: ArrayLike<number>, from: number, to: number): number {
	let s = 0;
	for (let i = from; i < to; i++) {
		const v = values[i]!;
		if (isSpecial(v)) continue;
		const before = s;
		for (;;) {
			const p = POW10[s]!;
			const x = Math.round(v * p);
			if (x / p === v && Math.abs(x) <= MAX_FIXED) break;
			if (++s > 15) return -1;
		}
		// A finer scale can push an earlier value past the fixed-point range: check them again.
		if (s !== before) {
			const p = POW10[s]!;
			for (let j = from; j < i; j++) {
				const w = values[j]!;
				if (isSpecial(w)) continue;
				const x = Math.round(w * p);
				if (x / p !== w || Math.abs(x) > MAX_FIXED) return -1;
			}
		}
	}
	return s;
}

// ---- encoding -------------------------------------------------------------------------------

/** Scratch space for a block's body (its length goes in the header before it); reused. */
const scratch = new ByteWriter(1 << 16);

/**
 * Appends one block holding samples [from, to) of the columns. Times must be strictly increasing
 * integers within [chunkStart, chunkStart + 2^32).
 */
export function encodeBlock(
	out: ByteWriter,
	chunkStart: number,
	ts: ArrayLike<number>,
	values: ArrayLike<number>,
	from = 0,
	to = ts.length,
	/** Ascending indexes (into ts) of stale markers; their values must be NaN. */
	stale?: readonly number[]
): void {
	const staleSet = stale?.length ? new Set(stale.filter((i) => i >= from && i < to)) : null;
	const n = to - from;
	if (n <= 0) throw new RangeError('a block needs at least one sample');
	const body = scratch;
	body.pos = 0;
	const timeMode = writeTimes(body, ts, from, to);
	const { valueMode, specials } = writeValues(body, values, from, to, staleSet);
	if (specials > 0) writeSpecials(body, values, from, n, specials, staleSet);
	out.u8(timeMode | (valueMode << 2) | (specials > 0 ? HAS_SPECIALS : 0));
	out.uvarint(n);
	out.uvarint(ts[from]! - chunkStart);
	out.uvarint(ts[to - 1]! - ts[from]!);
	out.uvarint(body.pos);
	out.bytes(body.buf.subarray(0, body.pos));
}

/** The times after the first: nothing (one sample), one delta (regular), or a delta and delta-of-deltas. */
function writeTimes(body: ByteWriter, ts: ArrayLike<number>, from: number, to: number): number {
	if (to - from <= 1) return TIME_SINGLE;
	const delta = ts[from + 1]! - ts[from]!;
	let regular = true;
	for (let i = from + 2; i < to && regular; i++) regular = ts[i]! - ts[i - 1]! === delta;
	body.uvarint(delta);
	if (regular) return TIME_REGULAR;
	const bits = new BitWriter(body);
	let prevDelta = delta;
	for (let i = from + 2; i < to; i++) {
		const d = ts[i]! - ts[i - 1]!;
		writeDod(bits, d - prevDelta);
		prevDelta = d;
	}
	bits.flush();
	return TIME_DOD;
}

/** The values: XOR floats, or fixed-point integers at the finest scale they need (constant or deltas). */
function writeValues(body: ByteWriter, values: ArrayLike<number>, from: number, to: number, staleSet: ReadonlySet<number> | null): { valueMode: number; specials: number } {
	const scale = detectScale(values, from, to);
	if (scale < 0) {
		// XOR floats hold specials themselves: the block has no list of them.
		writeXor(body, values, from, to, staleSet);
		return { valueMode: VALUE_XOR, specials: 0 };
	}
	const { fixed, specials, constant } = fixedPoint(values, from, to, POW10[scale]!);
	body.u8(scale);
	body.svarint(fixed[0]!);
	if (constant) return { valueMode: VALUE_CONSTANT, specials };
	writeFixedDeltas(body, fixed);
	return { valueMode: VALUE_FIXED, specials };
}

/** Fixed-point integers, with specials standing in as the previous value (delta 0). */
function fixedPoint(values: ArrayLike<number>, from: number, to: number, p: number): { fixed: number[]; specials: number; constant: boolean } {
	const n = to - from;
	const fixed = new Array<number>(n);
	let specials = 0;
	let prev = 0;
	let constant = true;
	for (let i = 0; i < n; i++) {
		const v = values[from + i]!;
		if (isSpecial(v)) {
			specials++;
			fixed[i] = prev;
		} else {
			prev = Math.round(v * p);
			fixed[i] = prev;
		}
		if (i > 0 && fixed[i] !== fixed[0]) constant = false;
	}
	// Specials before the first finite value stand in as that value.
	if (specials > 0) {
		let firstFinite = fixed.findIndex((_, i) => !isSpecial(values[from + i]!));
		if (firstFinite < 0) firstFinite = 0;
		for (let i = 0; i < firstFinite; i++) fixed[i] = fixed[firstFinite]!;
		constant = fixed.every((x) => x === fixed[0]);
	}
	return { fixed, specials, constant };
}

/** The deltas of the fixed-point values, zigzagged, in groups of GROUP at the width of their largest. */
function writeFixedDeltas(body: ByteWriter, fixed: readonly number[]): void {
	const n = fixed.length;
	const bits = new BitWriter(body);
	const zz = new Array<number>(GROUP);
	for (let g = 1; g < n; g += GROUP) {
		const end = Math.min(n, g + GROUP);
		let max = 0;
		for (let i = g; i < end; i++) {
			const z = zigzag(fixed[i]! - fixed[i - 1]!);
			zz[i - g] = z;
			if (z > max) max = z;
		}
		const w = bitWidth(max);
		bits.write(w, 6);
		for (let i = g; i < end; i++) bits.write(zz[i - g]!, w);
	}
	bits.flush();
}

/** The specials (NaN, ±Inf, stale markers): how many, then each one's gap from the last and its value. */
function writeSpecials(body: ByteWriter, values: ArrayLike<number>, from: number, n: number, specials: number, staleSet: ReadonlySet<number> | null): void {
	body.uvarint(specials);
	let last = 0;
	for (let i = 0; i < n; i++) {
		const v = values[from + i]!;
		if (!isSpecial(v)) continue;
		body.uvarint(i - last);
		last = i;
		if (staleSet?.has(from + i)) body.staleMarker();
		else body.f64(v);
	}
}

/** Delta-of-delta codes after Gorilla: 0 | 10+7 bits | 110+9 | 1110+12 | 11110+20 | 11111+53. */
function writeDod(bits: BitWriter, dod: number): void {
	if (dod === 0) return bits.write(0, 1);
	const z = zigzag(dod);
	if (z < 1 << 7) {
		bits.write(0b10, 2);
		bits.write(z, 7);
	} else if (z < 1 << 9) {
		bits.write(0b110, 3);
		bits.write(z, 9);
	} else if (z < 1 << 12) {
		bits.write(0b1110, 4);
		bits.write(z, 12);
	} else if (z < 1 << 20) {
		bits.write(0b11110, 5);
		bits.write(z, 20);
	} else {
		bits.write(0b11111, 5);
		bits.write(z, 53);
	}
}

function readDod(bits: BitReader): number {
	if (bits.bit() === 0) return 0;
	if (bits.bit() === 0) return unzigzag(bits.read(7));
	if (bits.bit() === 0) return unzigzag(bits.read(9));
	if (bits.bit() === 0) return unzigzag(bits.read(12));
	if (bits.bit() === 0) return unzigzag(bits.read(20));
	return unzigzag(bits.read(53));
}

// ---- Gorilla XOR for values that are not fixed-point -----------------------------------------

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
// Little-endian hosts keep the low word first.
const LO = 0;
const HI = 1;

function clz64(hi: number, lo: number): number {
	return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}

function ctz32(x: number): number {
	return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}

function ctz64(hi: number, lo: number): number {
	return lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
}

/** Writes `len` (1..64) low bits of (hi, lo) shifted right by `shift`. */
function writeShifted(bits: BitWriter, hi: number, lo: number, shift: number, len: number): void {
	let h: number;
	let l: number;
	if (shift === 0) {
		h = hi;
		l = lo;
	} else if (shift < 32) {
		l = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
		h = hi >>> shift;
	} else {
		l = hi >>> (shift - 32);
		h = 0;
	}
	if (len > 32) {
		bits.write(h, len - 32);
		bits.write(l >>> 0, 32);
	} else {
		bits.write(len === 32 ? l >>> 0 : (l & ((1 << len) - 1)) >>> 0, len);
	}
}

/** Puts a value's bits in U32 (the stale marker's own bits for stale indexes). */
function load(values: ArrayLike<number>, i: number, stale: ReadonlySet<number> | null): void {
	if (stale?.has(i)) {
		U32[HI] = STALE_HI;
		U32[LO] = STALE_LO;
	} else F64[0] = values[i]!;
}

function writeXor(out: ByteWriter, values: ArrayLike<number>, from: number, to: number, stale: ReadonlySet<number> | null): void {
	load(values, from, stale);
	let prevHi = U32[HI]!;
	let prevLo = U32[LO]!;
	const bits = new BitWriter(out);
	bits.write(prevHi, 32);
	bits.write(prevLo, 32);
	let winLead = -1;
	let winTrail = 0;
	for (let i = from + 1; i < to; i++) {
		load(values, i, stale);
		const hi = U32[HI]!;
		const lo = U32[LO]!;
		const xh = (hi ^ prevHi) >>> 0;
		const xl = (lo ^ prevLo) >>> 0;
		prevHi = hi;
		prevLo = lo;
		if (xh === 0 && xl === 0) {
			bits.write(0, 1);
			continue;
		}
		bits.write(1, 1);
		const lead = Math.min(31, clz64(xh, xl));
		const trail = ctz64(xh, xl);
		if (winLead >= 0 && lead >= winLead && trail >= winTrail) {
			bits.write(0, 1);
			writeShifted(bits, xh, xl, winTrail, 64 - winLead - winTrail);
		} else {
			const len = 64 - lead - trail;
			bits.write(1, 1);
			bits.write(lead, 5);
			bits.write(len & 63, 6); // 64 is written as 0
			writeShifted(bits, xh, xl, trail, len);
			winLead = lead;
			winTrail = trail;
		}
	}
	bits.flush();
}

function readBits64(bits: BitReader, len: number): [number, number] {
	if (len > 32) {
		const h = bits.read(len - 32);
		const l = bits.read(32);
		return [h >>> 0, l >>> 0];
	}
	return [0, bits.read(len) >>> 0];
}

function shiftLeft(hi: number, lo: number, shift: number): [number, number] {
	if (shift === 0) return [hi, lo];
	if (shift < 32) return [((hi << shift) | (lo >>> (32 - shift))) >>> 0, (lo << shift) >>> 0];
	return [(lo << (shift - 32)) >>> 0, 0];
}

function readXor(r: ByteReader, n: number, out: number[], stale: number[]): void {
	const bits = new BitReader(r.buf, r.pos, r.end);
	let hi = bits.read(32) >>> 0;
	let lo = bits.read(32) >>> 0;
	if (hi === STALE_HI && lo === STALE_LO) stale.push(out.length);
	U32[HI] = hi;
	U32[LO] = lo;
	out.push(F64[0]!);
	let winLead = 0;
	let winTrail = 0;
	for (let i = 1; i < n; i++) {
		if (bits.bit() === 1) {
			let len: number;
			if (bits.bit() === 0) {
				len = 64 - winLead - winTrail;
			} else {
				winLead = bits.read(5);
				len = bits.read(6) || 64;
				winTrail = 64 - winLead - len;
			}
			const [mh, ml] = readBits64(bits, len);
			const [sh, sl] = shiftLeft(mh, ml, winTrail);
			hi = (hi ^ sh) >>> 0;
			lo = (lo ^ sl) >>> 0;
		}
		if (hi === STALE_HI && lo === STALE_LO) stale.push(out.length);
		U32[HI] = hi;
		U32[LO] = lo;
		out.push(F64[0]!);
	}
	r.pos = bits.align();
}

// ---- decoding -------------------------------------------------------------------------------

export interface BlockHeader {
	timeMode: number;
	valueMode: number;
	hasSpecials: boolean;
	n: number;
	first: number;
	last: number;
	/** Offset of the body, and of the next block. */
	bodyStart: number;
	next: number;
}

export function readHeader(buf: Uint8Array, pos: number, chunkStart: number): BlockHeader {
	const r = new ByteReader(buf, pos);
	const flags = r.u8();
	const n = r.uvarint();
	const first = chunkStart + r.uvarint();
	const last = first + r.uvarint();
	const len = r.uvarint();
	if (n === 0 || r.pos + len > buf.length) throw new CorruptDataError(`bad block header at offset ${pos}`);
	return {
		timeMode: flags & 3,
		valueMode: (flags >> 2) & 3,
		hasSpecials: (flags & HAS_SPECIALS) !== 0,
		n,
		first,
		last,
		bodyStart: r.pos,
		next: r.pos + len
	};
}

/**
 * Decodes a block's samples, appending to the columns (stale-marker indexes to `stale`); samples
 * after `to` are left out without decoding their values (times are cheap, values are not).
 */
function decodeBody(buf: Uint8Array, h: BlockHeader, ts: number[], values: number[], stale: number[], to = Infinity): void {
	const r = new ByteReader(buf, h.bodyStart, h.next);
	const { n } = h;
	const base = ts.length;
	ts.push(h.first);
	if (h.timeMode === TIME_REGULAR) {
		const d = r.uvarint();
		for (let i = 1; i < n; i++) ts.push(h.first + i * d);
	} else if (h.timeMode === TIME_DOD) {
		let d = r.uvarint();
		let t = h.first + d;
		ts.push(t);
		const bits = new BitReader(buf, r.pos, h.next);
		for (let i = 2; i < n; i++) {
			d += readDod(bits);
			t += d;
			ts.push(t);
		}
		r.pos = bits.align();
	} else if (n !== 1) {
		throw new CorruptDataError('single-sample block with more than one sample');
	}
	// How many samples are wanted: those up to `to`.
	let k = n;
	if (h.last > to) {
		while (k > 0 && ts[base + k - 1]! > to) k--;
		ts.length = base + k;
		if (k === 0) return;
	}

	if (h.valueMode === VALUE_XOR) {
		readXor(r, k, values, stale);
	} else {
		const scale = r.u8();
		if (scale > 15) throw new CorruptDataError(`bad scale ${scale}`);
		const p = POW10[scale]!;
		let x = r.svarint();
		values.push(x / p);
		if (h.valueMode === VALUE_CONSTANT) {
			for (let i = 1; i < k; i++) values.push(x / p);
		} else {
			const bits = new BitReader(buf, r.pos, h.next);
			for (let g = 1; g < n; g += GROUP) {
				const end = Math.min(n, g + GROUP);
				const w = bits.read(6);
				if (g >= k) {
					bits.skip(w * (end - g)); // past `to`: skipped to reach the specials
					continue;
				}
				for (let i = g; i < end; i++) {
					x += unzigzag(bits.read(w));
					if (i < k) values.push(x / p);
				}
			}
			r.pos = bits.align();
		}
		if (h.hasSpecials) {
			const count = r.uvarint();
			let at = 0;
			for (let j = 0; j < count; j++) {
				at += r.uvarint();
				if (at >= n) throw new CorruptDataError('special value index out of range');
				if (at >= k) {
					r.skip(8);
					continue;
				}
				if (r.atStaleMarker()) stale.push(base + at);
				values[base + at] = r.f64();
			}
		}
	}
}

/** Whether the record at `pos` is a point record (see point.ts) rather than a block. */
function isPoint(buf: Uint8Array, pos: number): boolean {
	return (buf[pos]! & 3) === POINT_TAG;
}

/** Whether a chunk holds point records (appended by single-sample writes, until it is compacted). */
function hasPoints(buf: Uint8Array, chunkStart: number): boolean {
	let pos = 0;
	while (pos < buf.length) {
		if (isPoint(buf, pos)) return true;
		pos = readHeader(buf, pos, chunkStart).next;
	}
	return false;
}

/** Decodes every sample of a chunk holding point records, in order (each point reads the sample before it). */
function decodeInOrder(buf: Uint8Array, chunkStart: number, out: SampleColumns): void {
	const prev: PointPrev = { t: -1, step: -1, v: Number.NaN };
	const stale: number[] = [];
	const { ts, values } = out;
	let pos = 0;
	while (pos < buf.length) {
		if (isPoint(buf, pos)) {
			pos = decodePoint(buf, pos, chunkStart, prev, ts, values, stale);
			continue;
		}
		const h = readHeader(buf, pos, chunkStart);
		pos = h.next;
		decodeBody(buf, h, ts, values, stale);
		const n = ts.length;
		prev.step = n >= 2 ? ts[n - 1]! - ts[n - 2]! : -1;
		prev.t = ts[n - 1]!;
		prev.v = values[n - 1]!;
	}
	if (stale.length) out.stale = stale;
}

/**
 * Decodes the samples of a chunk with from <= ts <= to (inclusive), skipping blocks entirely
 * outside (in a chunk of blocks only). Appends to `out`.
 */
export function decodeChunk(buf: Uint8Array, chunkStart: number, out: SampleColumns, from = -Infinity, to = Infinity): void {
	if (hasPoints(buf, chunkStart)) {
		const all: SampleColumns = { ts: [], values: [] };
		decodeInOrder(buf, chunkStart, all);
		const st = all.stale;
		let k = 0;
		for (let i = 0; i < all.ts.length; i++) {
			const t = all.ts[i]!;
			if (t < from || t > to) continue;
			if (st) {
				while (k < st.length && st[k]! < i) k++;
				if (st[k] === i) (out.stale ??= []).push(out.ts.length);
			}
			out.ts.push(t);
			out.values.push(all.values[i]!);
		}
		return;
	}
	let pos = 0;
	const stale: number[] = [];
	while (pos < buf.length) {
		const h = readHeader(buf, pos, chunkStart);
		pos = h.next;
		if (h.last < from || h.first > to) continue;
		if (h.first >= from && h.last <= to) {
			decodeBody(buf, h, out.ts, out.values, stale);
			continue;
		}
		const tmp: SampleColumns = { ts: [], values: [] };
		const tmpStale: number[] = [];
		decodeBody(buf, h, tmp.ts, tmp.values, tmpStale, to);
		let k = 0;
		for (let i = 0; i < tmp.ts.length; i++) {
			const t = tmp.ts[i]!;
			while (k < tmpStale.length && tmpStale[k]! < i) k++;
			if (t >= from && t <= to) {
				if (tmpStale[k] === i) stale.push(out.ts.length);
				out.ts.push(t);
				out.values.push(tmp.values[i]!);
			}
		}
	}
	if (stale.length) (out.stale ??= []).push(...stale);
}

/** How many records (blocks and point records) a chunk holds (a sealed chunk holds one block). */
export function countBlocks(buf: Uint8Array, chunkStart: number): number {
	let pos = 0;
	let blocks = 0;
	while (pos < buf.length) {
		pos = isPoint(buf, pos) ? skipPoint(buf, pos) : readHeader(buf, pos, chunkStart).next;
		blocks++;
	}
	return blocks;
}

/** Rewrites a chunk as a single block. */
export function sealChunk(buf: Uint8Array, chunkStart: number): Uint8Array {
	const cols: SampleColumns = { ts: [], values: [] };
	decodeChunk(buf, chunkStart, cols);
	const out = new ByteWriter(buf.length);
	encodeBlock(out, chunkStart, cols.ts, cols.values, 0, cols.ts.length, cols.stale);
	return out.finish();
}
