/**
 * Growable byte output and bounded byte input with LEB128 varints and zigzag for signed numbers.
 * Numbers are JS doubles: varints carry integers up to 2^53 exactly.
 */

export class ByteWriter {
	buf: Uint8Array;
	pos = 0;

	constructor(capacity = 256) {
		this.buf = new Uint8Array(capacity);
	}

	ensure(extra: number): void {
		if (this.pos + extra <= this.buf.length) return;
		let size = this.buf.length * 2;
		while (size < this.pos + extra) size *= 2;
		const next = new Uint8Array(size);
		next.set(this.buf.subarray(0, this.pos));
		this.buf = next;
	}

	u8(v: number): void {
		this.ensure(1);
		this.buf[this.pos++] = v;
	}

	/** Little-endian unsigned 16-bit integer. */
	u16(v: number): void {
		this.ensure(2);
		this.buf[this.pos++] = v & 0xff;
		this.buf[this.pos++] = (v >>> 8) & 0xff;
	}

	/** Little-endian unsigned 32-bit integer. */
	u32(v: number): void {
		this.ensure(4);
		this.putU32(this.pos, v);
		this.pos += 4;
	}

	/** Overwrites 4 bytes at `at` (already written) with a little-endian unsigned 32-bit integer. */
	putU32(at: number, v: number): void {
		this.buf[at] = v & 0xff;
		this.buf[at + 1] = (v >>> 8) & 0xff;
		this.buf[at + 2] = (v >>> 16) & 0xff;
		this.buf[at + 3] = (v >>> 24) & 0xff;
	}

	/** Unsigned integer, 0 <= v <= 2^53. */
	uvarint(v: number): void {
		this.ensure(8);
		while (v >= 0x80) {
			this.buf[this.pos++] = (v % 0x80) | 0x80;
			v = Math.floor(v / 0x80);
		}
		this.buf[this.pos++] = v;
	}

	/** Signed integer, |v| <= 2^52. */
	svarint(v: number): void {
		this.uvarint(zigzag(v));
	}

	/** Prometheus's stale marker: the NaN with bits 0x7ff0000000000002 (JS cannot hold NaN payloads). */
	staleMarker(): void {
		this.ensure(8);
		this.buf.set(STALE_BYTES, this.pos);
		this.pos += 8;
	}

	f64(v: number): void {
		this.ensure(8);
		F64[0] = v;
		this.buf.set(F64_BYTES, this.pos);
		this.pos += 8;
	}

	bytes(b: Uint8Array): void {
		this.ensure(b.length);
		this.buf.set(b, this.pos);
		this.pos += b.length;
	}

	finish(): Uint8Array {
		return this.buf.slice(0, this.pos);
	}
}

export class ByteReader {
	pos: number;

	constructor(
		readonly buf: Uint8Array,
		start = 0,
		readonly end = buf.length
	) {
		this.pos = start;
	}

	get done(): boolean {
		return this.pos >= this.end;
	}

	private need(n: number): void {
		if (this.pos + n > this.end) throw new CorruptDataError(`needed ${n} more byte(s) at offset ${this.pos} of ${this.end}`);
	}

	u8(): number {
		this.need(1);
		return this.buf[this.pos++]!;
	}

	uvarint(): number {
		let result = 0;
		let mul = 1;
		for (let i = 0; i < 8; i++) {
			this.need(1);
			const b = this.buf[this.pos++]!;
			result += (b & 0x7f) * mul;
			if (b < 0x80) return result;
			mul *= 0x80;
		}
		throw new CorruptDataError(`varint longer than 8 bytes at offset ${this.pos}`);
	}

	svarint(): number {
		return unzigzag(this.uvarint());
	}

	/** Whether the next 8 bytes are the stale marker's bits (see ByteWriter.staleMarker). */
	atStaleMarker(): boolean {
		this.need(8);
		for (let i = 0; i < 8; i++) if (this.buf[this.pos + i] !== STALE_BYTES[i]) return false;
		return true;
	}

	f64(): number {
		this.need(8);
		F64_BYTES.set(this.buf.subarray(this.pos, this.pos + 8));
		this.pos += 8;
		return F64[0]!;
	}

	skip(n: number): void {
		this.need(n);
		this.pos += n;
	}
}

export class CorruptDataError extends Error {
	override name = 'CorruptDataError';
}

const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);

/** Maps signed to unsigned so small magnitudes stay small: 0,-1,1,-2,2 -> 0,1,2,3,4. */
export function zigzag(v: number): number {
	return v >= 0 ? v * 2 : -v * 2 - 1;
}

export function unzigzag(u: number): number {
	return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}
/** The stale marker's bits, 0x7ff0000000000002, little-endian. */
export const STALE_HI = 0x7ff0_0000;
export const STALE_LO = 0x0000_0002;
const STALE_BYTES = new Uint8Array([0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]);

/** The largest integer a fixed-point value may reach (exact in a double, with room for a delta). */
export const MAX_FIXED = 2 ** 51;
/** Powers of ten for fixed-point scales 0–15. */
export const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);
