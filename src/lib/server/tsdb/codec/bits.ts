/**
 * Bit-level output and input, most significant bit first, for values up to 53 bits wide.
 * The writer keeps up to 32 pending bits in an integer and flushes whole bytes.
 */
import { CorruptDataError, type ByteWriter } from './bytes';

const TWO32 = 0x1_0000_0000;

export class BitWriter {
	private acc = 0;
	private n = 0;

	constructor(private readonly out: ByteWriter) {}

	/** Writes the low `width` bits of a non-negative integer `v` (0 <= width <= 53). */
	write(v: number, width: number): void {
		if (width > 24) {
			const hiWidth = width - 24;
			this.write(Math.floor(v / 0x100_0000), hiWidth);
			this.write(v % 0x100_0000, 24);
			return;
		}
		if (width === 0) return;
		// acc holds n < 8 bits after each flush; n + width <= 31 fits a 32-bit integer.
		this.acc = (this.acc << width) | (v & ((1 << width) - 1));
		this.n += width;
		while (this.n >= 8) {
			this.n -= 8;
			this.out.u8((this.acc >>> this.n) & 0xff);
		}
		this.acc &= (1 << this.n) - 1;
	}

	bit(b: number): void {
		this.write(b, 1);
	}

	/** Pads to a byte boundary with zeros. */
	flush(): void {
		if (this.n > 0) {
			this.out.u8((this.acc << (8 - this.n)) & 0xff);
			this.acc = 0;
			this.n = 0;
		}
	}
}

export class BitReader {
	private acc = 0;
	private n = 0;
	pos: number;

	constructor(
		private readonly buf: Uint8Array,
		start: number,
		private readonly end: number
	) {
		this.pos = start;
	}

	read(width: number): number {
		if (width > 24) {
			const hi = this.read(width - 24);
			return hi * 0x100_0000 + this.read(24);
		}
		if (width === 0) return 0;
		while (this.n < width) {
			if (this.pos >= this.end) throw new CorruptDataError('bit stream ended early');
			this.acc = ((this.acc << 8) | this.buf[this.pos++]!) >>> 0;
			this.n += 8;
		}
		this.n -= width;
		const v = (this.acc >>> this.n) & (width === 32 ? 0xffffffff : (1 << width) - 1);
		this.acc &= this.n === 0 ? 0 : (1 << this.n) - 1;
		return v;
	}

	bit(): number {
		return this.read(1);
	}

	/** Skips `n` bits. */
	skip(n: number): void {
		while (n > 24) {
			this.read(24);
			n -= 24;
		}
		this.read(n);
	}

	/** Drops the bits left in the current byte; returns the next byte offset. */
	align(): number {
		this.acc = 0;
		this.n = 0;
		return this.pos;
	}
}

/** Bits needed to write a non-negative integer (0 needs 0 bits). */
export function bitWidth(v: number): number {
	if (v < TWO32) return 32 - Math.clz32(v);
	return 32 + bitWidth(Math.floor(v / TWO32));
}
