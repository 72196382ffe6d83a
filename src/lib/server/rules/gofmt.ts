/**
 * Number and value formatting as Go's fmt package does it, for rule templates: `{{ $value }}`
 * prints like `fmt.Sprint(float64)`, `printf` follows Go's verbs and flags, and the humanize
 * functions reuse Go's `%.4g`. Rounding is done on the exact decimal value of the double, half to
 * even, as Go does (JavaScript's toFixed rounds ties away from zero).
 */
import { goQuote } from '../promql';

/** Decimal digits of a non-negative finite number: value = 0.d * 10^dp; no trailing zeros. */
interface Digits {
	d: string;
	dp: number;
}

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);

/** The exact decimal expansion of |x| (finite). */
function exactDigits(x: number): Digits {
	x = Math.abs(x);
	if (x === 0) return { d: '', dp: 0 };
	F64[0] = x;
	const bits = U64[0]!;
	const biased = Number((bits >> 52n) & 0x7ffn);
	let mant = bits & 0xfffffffffffffn;
	let exp: number;
	if (biased === 0) exp = -1074;
	else {
		mant |= 1n << 52n;
		exp = biased - 1075;
	}
	let digits: string;
	let dp: number;
	if (exp >= 0) {
		digits = (mant << BigInt(exp)).toString();
		dp = digits.length;
	} else {
		digits = (mant * 5n ** BigInt(-exp)).toString();
		dp = digits.length + exp;
	}
	return trim({ d: digits, dp });
}

function trim(g: Digits): Digits {
	let end = g.d.length;
	while (end > 0 && g.d[end - 1] === '0') end--;
	let start = 0;
	while (start < end && g.d[start] === '0') start++;
	if (start === end) return { d: '', dp: 0 };
	return { d: g.d.slice(start, end), dp: g.dp - start };
}

/** Shortest digits that read back as the same double (as Go's and JavaScript's shortest forms). */
function shortestDigits(x: number): Digits {
	x = Math.abs(x);
	if (x === 0) return { d: '', dp: 0 };
	const [mant, e] = x.toExponential().split('e') as [string, string];
	return trim({ d: mant.replace('.', ''), dp: Number(e) + 1 });
}

/** Rounds to `nd` digits (half to even on the exact value), as Go's decimal.Round. */
function roundTo(g: Digits, nd: number): Digits {
	if (nd < 0 || nd >= g.d.length) return g;
	const next = g.d.charCodeAt(nd) - 48;
	let up: boolean;
	if (next === 5 && nd + 1 === g.d.length) up = nd > 0 && (g.d.charCodeAt(nd - 1) - 48) % 2 === 1;
	else up = next >= 5;
	if (!up) return trim({ d: g.d.slice(0, nd), dp: g.dp });
	let i = nd - 1;
	while (i >= 0 && g.d[i] === '9') i--;
	if (i < 0) return { d: '1', dp: g.dp + 1 };
	return trim({ d: g.d.slice(0, i) + String.fromCharCode(g.d.charCodeAt(i) + 1), dp: g.dp });
}

function digitAt(g: Digits, i: number): string {
	return i >= 0 && i < g.d.length ? g.d[i]! : '0';
}

function fmtE(neg: boolean, g: Digits, prec: number, e: 'e' | 'E'): string {
	let out = neg ? '-' : '';
	out += g.d.length ? g.d[0] : '0';
	if (prec > 0) {
		out += '.';
		for (let i = 1; i <= prec; i++) out += digitAt(g, i);
	}
	const exp = g.d.length === 0 ? 0 : g.dp - 1;
	const abs = Math.abs(exp);
	return `${out}${e}${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
}

function fmtF(neg: boolean, g: Digits, prec: number): string {
	let out = neg ? '-' : '';
	if (g.dp > 0) {
		for (let i = 0; i < g.dp; i++) out += digitAt(g, i);
	} else out += '0';
	if (prec > 0) {
		out += '.';
		for (let i = 1; i <= prec; i++) out += digitAt(g, g.dp + i - 1);
	}
	return out;
}

/** Go's strconv.FormatFloat(x, verb, prec, 64); prec -1 is the shortest form. Sign from strconv. */
export function formatFloat(x: number, verb: 'e' | 'E' | 'f' | 'F' | 'g' | 'G', prec: number): string {
	if (Number.isNaN(x)) return 'NaN';
	if (x === Infinity) return '+Inf';
	if (x === -Infinity) return '-Inf';
	const neg = x < 0 || Object.is(x, -0);
	const shortest = prec < 0;
	let g: Digits;
	if (shortest) {
		g = shortestDigits(x);
		if (verb === 'e' || verb === 'E') prec = Math.max(g.d.length - 1, 0);
		else if (verb === 'f' || verb === 'F') prec = Math.max(g.d.length - g.dp, 0);
		else prec = g.d.length;
	} else {
		const exact = exactDigits(x);
		if (verb === 'e' || verb === 'E') g = roundTo(exact, prec + 1);
		else if (verb === 'f' || verb === 'F') g = roundTo(exact, exact.dp + prec);
		else {
			if (prec === 0) prec = 1;
			g = roundTo(exact, prec);
		}
	}
	switch (verb) {
		case 'e':
		case 'E':
			return fmtE(neg, g, prec, verb);
		case 'f':
		case 'F':
			return fmtF(neg, g, prec);
		default: {
			let eprec = prec;
			if (eprec > g.d.length && g.d.length >= g.dp) eprec = g.d.length;
			if (shortest) eprec = 6;
			const exp = g.dp - 1;
			if (exp < -4 || exp >= eprec) {
				if (prec > g.d.length) prec = g.d.length;
				return fmtE(neg, g, prec - 1, verb === 'g' ? 'e' : 'E');
			}
			if (prec > g.dp) prec = g.d.length;
			return fmtF(neg, g, Math.max(prec - g.dp, 0));
		}
	}
}

/** `fmt.Sprint(float64)`: Go's %v, e.g. 1e+06, 1.234567e+06, 0.0001, 1e-05, +Inf, NaN. */
export function formatGoFloat(x: number): string {
	return formatFloat(x, 'g', -1);
}

/** A value in a template: Go's float64, int, string or map[string]string. */
export type GoValue =
	| { kind: 'float'; value: number }
	| { kind: 'int'; value: number }
	| { kind: 'string'; value: string }
	| { kind: 'map'; value: Record<string, string> };

export function goTypeName(v: GoValue): string {
	return v.kind === 'float' ? 'float64' : v.kind === 'int' ? 'int' : v.kind === 'string' ? 'string' : 'map[string]string';
}

/** `fmt.Sprint(v)`: how `{{ v }}` prints. */
export function sprint(v: GoValue): string {
	switch (v.kind) {
		case 'float':
			return formatGoFloat(v.value);
		case 'int':
			return String(v.value);
		case 'string':
			return v.value;
		case 'map':
			return `map[${Object.keys(v.value)
				.sort()
				.map((k) => `${k}:${v.value[k]}`)
				.join(' ')}]`;
	}
}

interface Flags {
	minus: boolean;
	plus: boolean;
	space: boolean;
	zero: boolean;
	width?: number;
	prec?: number;
}

function pad(s: string, f: Flags, zeroOk = true): string {
	const n = [...s].length;
	if (f.width === undefined || n >= f.width) return s;
	const fill = f.width - n;
	if (f.minus) return s + ' '.repeat(fill);
	if (f.zero && zeroOk) {
		// The sign goes before the zeros.
		const sign = s[0] === '-' || s[0] === '+' || s[0] === ' ' ? s[0] : '';
		return sign + '0'.repeat(fill) + s.slice(sign.length);
	}
	return ' '.repeat(fill) + s;
}

function fmtFloatVerb(x: number, verb: 'e' | 'E' | 'f' | 'F' | 'g' | 'G', f: Flags): string {
	let num = formatFloat(x, verb, f.prec ?? (verb === 'g' || verb === 'G' ? -1 : 6));
	if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
	if (f.space && num[0] === '+' && !f.plus) num = ' ' + num.slice(1);
	if (num[1] === 'I' || num[1] === 'N') {
		if (num[1] === 'N' && !f.space && !f.plus) num = num.slice(1);
		return pad(num, f, false);
	}
	if (f.plus || num[0] !== '+') return pad(num, f);
	return pad(num.slice(1), f);
}

function fmtInt(n: number, f: Flags, base: 10 | 16, upper = false): string {
	let digits = Math.abs(n).toString(base);
	if (upper) digits = digits.toUpperCase();
	if (f.prec !== undefined) {
		if (f.prec === 0 && n === 0) digits = '';
		digits = digits.padStart(f.prec, '0');
	}
	const sign = n < 0 ? '-' : f.plus ? '+' : f.space ? ' ' : '';
	// Go ignores the 0 flag when a precision is given for integers.
	return pad(sign + digits, f.prec === undefined ? f : { ...f, zero: false });
}

function fmtString(s: string, f: Flags): string {
	if (f.prec !== undefined) s = [...s].slice(0, f.prec).join('');
	return pad(s, f);
}

/** The printf verbs templates may use. */
export const PRINTF_VERBS = 'vdsfFeEgGqxX';

function badVerb(verb: string, v: GoValue): string {
	return `%!${verb}(${goTypeName(v)}=${sprint(v)})`;
}

function formatOne(verb: string, v: GoValue, f: Flags): string {
	switch (verb) {
		case 'v':
			if (v.kind === 'float') return fmtFloatVerb(v.value, 'g', f);
			if (v.kind === 'int') return fmtInt(v.value, f, 10);
			return fmtString(sprint(v), f);
		case 'd':
			return v.kind === 'int' ? fmtInt(v.value, f, 10) : badVerb(verb, v);
		case 'x':
		case 'X':
			if (v.kind === 'int') return fmtInt(v.value, f, 16, verb === 'X');
			if (v.kind === 'string') {
				const hex = Buffer.from(v.value, 'utf8').toString('hex');
				return fmtString(verb === 'X' ? hex.toUpperCase() : hex, { ...f, prec: undefined });
			}
			return badVerb(verb, v);
		case 's':
			return v.kind === 'string' || v.kind === 'map' ? fmtString(sprint(v), f) : badVerb(verb, v);
		case 'q':
			return v.kind === 'string' ? pad(goQuote(v.value), f) : badVerb(verb, v);
		case 'e':
		case 'E':
		case 'f':
		case 'F':
		case 'g':
		case 'G':
			return v.kind === 'float' ? fmtFloatVerb(v.value, verb, f) : badVerb(verb, v);
		default:
			return badVerb(verb, v);
	}
}

export interface FormatVerb {
	/** Offset of the `%` in the format. */
	at: number;
	verb: string;
}

export class FormatError extends Error {
	constructor(
		message: string,
		readonly offset: number
	) {
		super(message);
	}
}

const SPEC = /%([-+ 0#]*)(\d+)?(?:\.(\d*))?(.|$)/y;

/** The verbs of a printf format (`%%` excluded); throws FormatError for what templates refuse. */
export function parseFormat(format: string): FormatVerb[] {
	const verbs: FormatVerb[] = [];
	for (let i = 0; i < format.length; i++) {
		if (format[i] !== '%') continue;
		SPEC.lastIndex = i;
		const m = SPEC.exec(format)!;
		const verb = m[4]!;
		if (verb === '%' && m[0] === '%%') {
			i++;
			continue;
		}
		if (m[1]!.includes('#')) throw new FormatError(`printf: the # flag is not supported (at "${m[0]}")`, i);
		if (verb === '') throw new FormatError('printf: the format ends with an incomplete verb', i);
		if (verb === '[' || verb === '*') throw new FormatError(`printf: argument indexes and * widths are not supported (at "${m[0]}")`, i);
		if (!PRINTF_VERBS.includes(verb)) {
			throw new FormatError(`printf: unsupported verb %${verb}; use one of ${[...PRINTF_VERBS].map((v) => `%${v}`).join(' ')}`, i);
		}
		verbs.push({ at: i, verb });
		i = SPEC.lastIndex - 1;
	}
	return verbs;
}

/** Go's fmt.Sprintf for the supported verbs; the format must have passed parseFormat. */
export function sprintf(format: string, args: readonly GoValue[]): string {
	let out = '';
	let arg = 0;
	for (let i = 0; i < format.length; i++) {
		const c = format[i]!;
		if (c !== '%') {
			out += c;
			continue;
		}
		SPEC.lastIndex = i;
		const m = SPEC.exec(format)!;
		i = SPEC.lastIndex - 1;
		const verb = m[4]!;
		if (m[0] === '%%') {
			out += '%';
			continue;
		}
		const flags: Flags = {
			minus: m[1]!.includes('-'),
			plus: m[1]!.includes('+'),
			space: m[1]!.includes(' '),
			zero: m[1]!.includes('0') && !m[1]!.includes('-'),
			width: m[2] === undefined ? undefined : Number(m[2]),
			prec: m[3] === undefined ? undefined : m[3] === '' ? 0 : Number(m[3])
		};
		const v = args[arg++];
		out += v === undefined ? `%!${verb}(MISSING)` : formatOne(verb, v, flags);
	}
	if (arg < args.length) out += `%!(EXTRA ${args.slice(arg).map((v) => `${goTypeName(v)}=${sprint(v)}`).join(', ')})`;
	return out;
}

/** Go's strconv.ParseFloat for decimal text (the humanize functions accept label values). */
export function parseGoFloat(text: string): number | null {
	if (/^[+-]?(inf|infinity)$/i.test(text)) return text[0] === '-' ? -Infinity : Infinity;
	if (/^nan$/i.test(text)) return NaN;
	if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return null;
	const v = Number(text);
	return Number.isFinite(v) ? v : null;
}

function goPrintf4g(v: number): string {
	return fmtFloatVerb(v, 'g', { minus: false, plus: false, space: false, zero: false, prec: 4 });
}

const BIG = ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
const SMALL = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
const BINARY = ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi'];

/** Prometheus's humanize: SI prefixes, 4 significant digits. */
export function humanize(v: number): string {
	if (v === 0 || !Number.isFinite(v)) return goPrintf4g(v);
	let prefix = '';
	if (Math.abs(v) >= 1) {
		for (const p of BIG) {
			if (Math.abs(v) < 1000) break;
			prefix = p;
			v /= 1000;
		}
		return goPrintf4g(v) + prefix;
	}
	for (const p of SMALL) {
		if (Math.abs(v) >= 1) break;
		prefix = p;
		v *= 1000;
	}
	return goPrintf4g(v) + prefix;
}

/** Prometheus's humanize1024: binary prefixes. */
export function humanize1024(v: number): string {
	if (Math.abs(v) <= 1 || !Number.isFinite(v)) return goPrintf4g(v);
	let prefix = '';
	for (const p of BINARY) {
		if (Math.abs(v) < 1024) break;
		prefix = p;
		v /= 1024;
	}
	return goPrintf4g(v) + prefix;
}

/** Prometheus's humanizeDuration: seconds as `1d 2h 3m 4s`, or with a sub-second prefix. */
export function humanizeDuration(v: number): string {
	if (!Number.isFinite(v)) return goPrintf4g(v);
	if (v === 0) return goPrintf4g(v) + 's';
	if (Math.abs(v) >= 1) {
		let sign = '';
		if (v < 0) {
			sign = '-';
			v = -v;
		}
		const whole = Math.trunc(v);
		const seconds = whole % 60;
		const minutes = Math.trunc(whole / 60) % 60;
		const hours = Math.trunc(whole / 3600) % 24;
		const days = Math.trunc(whole / 86400);
		if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
		if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
		if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
		return `${sign}${goPrintf4g(v)}s`;
	}
	let prefix = '';
	for (const p of SMALL) {
		if (Math.abs(v) >= 1) break;
		prefix = p;
		v *= 1000;
	}
	return `${goPrintf4g(v)}${prefix}s`;
}

/** Prometheus's humanizePercentage: a ratio as a percentage, 4 significant digits. */
export function humanizePercentage(v: number): string {
	return goPrintf4g(v * 100) + '%';
}

function isSeparator(ch: string): boolean {
	const c = ch.codePointAt(0)!;
	if (c <= 0x7f) return !/[0-9A-Za-z_]/.test(ch);
	if (/[\p{L}\p{Nd}]/u.test(ch)) return false;
	return /\s/u.test(ch);
}

/** Maps each code point on its own, keeping it when the mapping is not one code point (as Go). */
function mapRunes(s: string, f: (ch: string) => string): string {
	let out = '';
	for (const ch of s) {
		const m = f(ch);
		out += [...m].length === 1 ? m : ch;
	}
	return out;
}

/** Go's strings.Title: upper-cases the first letter of each word. */
export function goTitle(s: string): string {
	let prev = ' ';
	let out = '';
	for (const ch of s) {
		out += isSeparator(prev) ? mapRunes(ch, (c) => c.toUpperCase()) : ch;
		prev = ch;
	}
	return out;
}

export function goToUpper(s: string): string {
	return mapRunes(s, (c) => c.toUpperCase());
}

export function goToLower(s: string): string {
	return mapRunes(s, (c) => c.toLowerCase());
}
