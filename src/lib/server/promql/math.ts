/**
 * Arithmetic as Go computes it where JavaScript differs: Go's math.Pow (its own algorithm, with
 * different special cases), Kahan-Neumaier summation as Prometheus uses it, and the quantile of
 * a set of values.
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE ? 1 : 0;
const LO = LITTLE ? 0 : 1;

/** Go's math.Frexp: frac in [0.5, 1) and exp with f = frac × 2^exp. */
export function frexp(f: number): [number, number] {
	if (f === 0 || !Number.isFinite(f)) return [f, 0];
	let exp = 0;
	if (Math.abs(f) < 2.2250738585072014e-308) {
		f *= 4503599627370496; // 2^52
		exp = -52;
	}
	f64[0] = f;
	const hi = u32[HI]!;
	exp += ((hi >>> 20) & 0x7ff) - 1022;
	u32[HI] = (hi & ~(0x7ff << 20)) | (1022 << 20);
	return [f64[0]!, exp];
}

/** Go's math.Ldexp: frac × 2^exp, rounding once for subnormal results. */
export function ldexp(frac: number, exp: number): number {
	if (frac === 0 || !Number.isFinite(frac)) return frac;
	const [nf, e] = frexp(frac);
	exp += e;
	f64[0] = nf;
	const hi = u32[HI]!;
	exp += ((hi >>> 20) & 0x7ff) - 1023;
	if (exp < -1075) return frac < 0 ? -0 : 0;
	if (exp > 1023) return frac < 0 ? -Infinity : Infinity;
	let m = 1;
	if (exp < -1022) {
		exp += 53;
		m = 1 / 9007199254740992; // 2^-53
	}
	u32[HI] = (hi & ~(0x7ff << 20)) | ((exp + 1023) << 20);
	return m * f64[0]!;
}

function isOddInt(x: number): boolean {
	if (Math.abs(x) >= 9007199254740992) return false; // 2^53: all even
	return Number.isInteger(x) && Math.abs(x % 2) === 1;
}

/** Go's math.Pow, special cases and algorithm both (results match Go's to the bit). */
export function goPow(x: number, y: number): number {
	if (y === 0 || x === 1) return 1;
	if (y === 1) return x;
	if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
	if (x === 0) {
		if (y < 0) {
			if (Object.is(x, -0) && isOddInt(y)) return -Infinity;
			return Infinity;
		}
		if (Object.is(x, -0) && isOddInt(y)) return x;
		return 0;
	}
	if (!Number.isFinite(y)) {
		if (x === -1) return 1;
		if (Math.abs(x) < 1 === (y > 0)) return 0;
		return Infinity;
	}
	if (!Number.isFinite(x)) {
		if (x < 0) return goPow(1 / x, -y); // Pow(-0, -y)
		return y < 0 ? 0 : Infinity;
	}
	if (y === 0.5) return Math.sqrt(x);
	if (y === -0.5) return 1 / Math.sqrt(x);

	let yi = Math.trunc(Math.abs(y));
	let yf = Math.abs(y) - yi;
	if (yf !== 0 && x < 0) return NaN;
	if (yi >= 9223372036854775808) {
		// yi is a large even int that will lead to overflow (or underflow to 0) for all x except -1.
		if (x === -1) return 1;
		if (Math.abs(x) < 1 === (y > 0)) return 0;
		return Infinity;
	}

	let a1 = 1.0;
	let ae = 0;
	if (yf !== 0) {
		if (yf > 0.5) {
			yf--;
			yi++;
		}
		a1 = goExp(yf * goLog(x));
	}

	let [x1, xe] = frexp(x);
	// yi < 2^63 here; walk its bits from the lowest.
	let i = BigInt(yi);
	while (i !== 0n) {
		if (xe < -(1 << 12) || 1 << 12 < xe) {
			// catastrophic overflow - let ldexp handle it
			ae += xe;
			break;
		}
		if ((i & 1n) === 1n) {
			a1 *= x1;
			ae += xe;
		}
		x1 *= x1;
		xe <<= 1;
		if (x1 < 0.5) {
			x1 += x1;
			xe--;
		}
		i >>= 1n;
	}

	if (y < 0) {
		a1 = 1 / a1;
		ae = -ae;
	}
	return ldexp(a1, ae);
}

/** Splits a finite non-zero double into an integer mantissa and a power of two. */
function decompose(x: number): [bigint, number] {
	const [f, e] = frexp(x);
	return [BigInt(f * 9007199254740992), e - 53];
}

/** The nearest double to n × 2^e (ties to even). */
function toDouble(n: bigint, e: number): number {
	const neg = n < 0n;
	let m = neg ? -n : n;
	const bits = m.toString(2).length;
	if (bits > 60) {
		const shift = bits - 60;
		const sticky = (m & ((1n << BigInt(shift)) - 1n)) !== 0n;
		m = (m >> BigInt(shift)) | (sticky ? 1n : 0n);
		e += shift;
	}
	let v = Number(m);
	while (e > 1000) {
		v *= 2 ** 1000;
		e -= 1000;
	}
	while (e < -1000) {
		v *= 2 ** -1000;
		e += 1000;
	}
	v *= 2 ** e;
	return neg ? -v : v;
}

/** Fused multiply-add, rounded once (as the FMA instruction Go's Exp uses where the CPU has it). */
export function fma(a: number, b: number, c: number): number {
	if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c) || a === 0 || b === 0) return a * b + c;
	const [ma, ea] = decompose(a);
	const [mb, eb] = decompose(b);
	const prod = ma * mb;
	const ep = ea + eb;
	if (c === 0) return toDouble(prod, ep);
	const [mc, ec] = decompose(c);
	const e = Math.min(ep, ec);
	const sum = (prod << BigInt(ep - e)) + (mc << BigInt(ec - e));
	if (sum === 0n) return 0;
	return toDouble(sum, e);
}

const LOG2E = 1.442695040888963407359924681001892;
const LN2U = 0.69314718055966295651160180568695068359375;
const LN2L = 0.28235290563031577122588448175013436025525412068e-12;
const EXP_C = [2.4801587301587301587e-5, 1.984126984126984127e-4, 1.3888888888888888889e-3, 8.3333333333333333333e-3, 4.1666666666666666667e-2, 1.6666666666666666667e-1, 0.5, 1.0];

/** Round half to even, as the CPU converts a double to an int32 (out of range: -2^31). */
function cvtsd2sl(x: number): number {
	if (!(x >= -2147483648.5 && x < 2147483647.5)) return -2147483648;
	const r = Math.round(x);
	return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Go's math.Exp on amd64 with FMA (its assembly: a SLEEF-derived method, not fdlibm's). */
export function goExp(x: number): number {
	if (Number.isNaN(x) || x === Infinity) return x;
	if (x === -Infinity) return 0;
	if (x > 7.09782712893384e2) return Infinity;
	const k = cvtsd2sl(x * LOG2E);
	let r = fma(-k, LN2U, x);
	r = fma(-k, LN2L, r);
	r *= 0.0625;
	let p = EXP_C[0]!;
	for (let i = 1; i < EXP_C.length; i++) p = fma(p, r, EXP_C[i]!);
	r *= p;
	for (let i = 0; i < 3; i++) {
		p = r + 2;
		r *= p;
	}
	p = r + 2;
	r = fma(r, p, 1);
	const bx = k + 1023;
	if (bx >= 0x7ff) return Infinity;
	if (bx > 0) return r * 2 ** k;
	// A subnormal result (x below about -708.4), as Go's denormal path makes it: scaled to
	// 2^(k+1022) exactly, then by 2^-1022 with one rounding; 0 from k < -1075 (x below about -745.1).
	if (bx < -52) return 0;
	return r * 2 ** (k + 1022) * 2 ** -1022;
}

/** Go's math.Log on amd64 (its assembly, the same method as its Go code). */
export function goLog(x: number): number {
	if (x === 0) return -Infinity;
	if (x < 0 || Number.isNaN(x)) return NaN;
	if (x === Infinity) return x;
	f64[0] = x;
	const hi = u32[HI]!;
	let k = ((hi >>> 20) & 0x7ff) - 0x3fe;
	u32[HI] = (hi & 0x000fffff) | 0x3fe00000;
	let f1 = f64[0]!;
	if (!(0.7071067811865476 < f1)) {
		k -= 1;
		f1 *= 2;
	}
	const f = f1 - 1;
	const s = f / (2 + f);
	const s2 = s * s;
	const s4 = s2 * s2;
	const t1 = s2 * (0.666666666666673513 + s4 * (0.2857142874366239149 + s4 * (0.1818357216161805012 + s4 * 0.1479819860511658591)));
	const t2 = s4 * (0.3999999999940941908 + s4 * (0.2222219843214978396 + s4 * 0.1531383769920937332));
	const R = t1 + t2;
	const hfsq = 0.5 * f * f;
	return k * 6.9314718036912381649e-1 - (hfsq - (s * (hfsq + R) + k * 1.90821492927058770002e-10) - f);
}

/** Go's math.Max: +Inf wins over NaN. */
export function goMax(x: number, y: number): number {
	if (x === Infinity || y === Infinity) return Infinity;
	return Math.max(x, y);
}

/** Go's math.Min: -Inf wins over NaN. */
export function goMin(x: number, y: number): number {
	if (x === -Infinity || y === -Infinity) return -Infinity;
	return Math.min(x, y);
}

/** One step of Kahan-Neumaier summation: returns [sum, compensation]. */
export function kahanSumInc(inc: number, sum: number, c: number): [number, number] {
	const t = sum + inc;
	if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
	else c += inc - t + sum;
	return [t, c];
}

/** Sorts ascending with NaN first, as Prometheus' sample heaps order them. */
export function sortNaNFirst(values: number[]): number[] {
	return values.sort((a, b) => {
		if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
		if (Number.isNaN(b)) return 1;
		return a < b ? -1 : a > b ? 1 : 0;
	});
}

/**
 * The q-quantile of the values (q in [0, 1]; below gives -Inf, above +Inf), interpolating
 * between the two nearest ranks, as Prometheus' quantile() and quantile_over_time(). Sorts
 * `values` in place.
 */
export function quantile(q: number, values: number[]): number {
	if (values.length === 0 || Number.isNaN(q)) return NaN;
	if (q < 0) return -Infinity;
	if (q > 1) return Infinity;
	sortNaNFirst(values);
	const n = values.length;
	const rank = q * (n - 1);
	const lower = Math.max(0, Math.floor(rank));
	const upper = Math.min(n - 1, lower + 1);
	const weight = rank - Math.floor(rank);
	return values[lower]! * (1 - weight) + values[upper]! * weight;
}

/** Go's time.Duration.Seconds() of a whole number of ms. */
export function durationSeconds(ms: number): number {
	const sec = Math.trunc(ms / 1000);
	const nsec = (ms - sec * 1000) * 1e6;
	return sec + nsec / 1e9;
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): the shortest digits that read back as v, never an exponent. */
export function formatFloatFixed(v: number): string {
	if (Number.isNaN(v)) return 'NaN';
	if (v === Infinity) return '+Inf';
	if (v === -Infinity) return '-Inf';
	if (v === 0) return Object.is(v, -0) ? '-0' : '0';
	const [mant, e] = v.toExponential().split('e') as [string, string];
	const neg = mant.startsWith('-');
	const digits = mant.replace('-', '').replace('.', '');
	const exp = Number(e);
	let out: string;
	if (exp >= digits.length - 1) out = digits + '0'.repeat(exp - digits.length + 1);
	else if (exp >= 0) out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
	else out = `0.${'0'.repeat(-exp - 1)}${digits}`;
	return neg ? `-${out}` : out;
}
