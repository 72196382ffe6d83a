/**
 * Literals as Prometheus reads them: numbers (Go's ParseInt with base prefixes first, then
 * ParseFloat: hex, octal, exponents, Inf, NaN), durations (`1h30m`, `500ms`, y = 365 d, w = 7 d)
 * and quoted strings (Go escapes; single, double and back quotes).
 */

const DEC_INT = /^[+-]?[0-9]+$/;
const HEX_INT = /^[+-]?0[xX][0-9a-fA-F]+$/;
const OCT_INT = /^[+-]?0[oO]?[0-7]+$/;
const BIN_INT = /^[+-]?0[bB][01]+$/;
const DEC_FLOAT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const HEX_FLOAT = /^[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+$/;
const MAX_INT64 = 9223372036854775807n;
const MIN_INT64 = -9223372036854775808n;

/**
 * Go's strconv.ParseFloat(s, 64): undefined when Go reports an error (bad syntax, or a finite
 * number out of range). Underscores are refused (Go accepts them only after a base prefix, which
 * decimal floats do not have; hex floats with underscores are too rare to matter).
 */
export function goParseFloat(s: string): number | undefined {
	const special = /^([+-]?)(inf|infinity)$/i.exec(s);
	if (special) return special[1] === '-' ? -Infinity : Infinity;
	if (/^nan$/i.test(s)) return NaN;
	if (DEC_FLOAT.test(s)) {
		const v = Number(s);
		return Number.isFinite(v) ? v : undefined;
	}
	if (HEX_FLOAT.test(s)) {
		const v = parseHexFloat(s);
		return Number.isFinite(v) ? v : undefined;
	}
	return undefined;
}

function parseHexFloat(s: string): number {
	let i = 0;
	let sign = 1;
	if (s[0] === '+' || s[0] === '-') {
		if (s[0] === '-') sign = -1;
		i = 1;
	}
	const body = s.slice(i + 2);
	const p = body.search(/[pP]/);
	const mant = body.slice(0, p);
	const exp = Number(body.slice(p + 1));
	const dot = mant.indexOf('.');
	const digits = dot < 0 ? mant : mant.slice(0, dot) + mant.slice(dot + 1);
	const fracDigits = dot < 0 ? 0 : mant.length - dot - 1;
	// Exact while the mantissa fits 53 bits; longer hex mantissas are not used in practice.
	const m = digits === '' ? 0 : Number(BigInt('0x' + digits));
	return sign * m * Math.pow(2, exp - 4 * fracDigits);
}

/** Go's strconv.ParseInt(s, 0, 64): base prefixes 0x, 0o, 0b and a leading 0 for octal. */
function goParseInt(s: string): number | undefined {
	let digits = s;
	let neg = false;
	if (digits[0] === '+' || digits[0] === '-') {
		neg = digits[0] === '-';
		digits = digits.slice(1);
	}
	let n: bigint;
	if (HEX_INT.test(s)) n = BigInt('0x' + digits.slice(2));
	else if (BIN_INT.test(s)) n = BigInt('0b' + digits.slice(2));
	else if (OCT_INT.test(s) && digits.length > 1) n = BigInt('0o' + digits.replace(/^0[oO]?/, ''));
	else if (DEC_INT.test(s)) n = BigInt(digits);
	else return undefined;
	if (neg) n = -n;
	if (n > MAX_INT64 || n < MIN_INT64) return undefined;
	return Number(n);
}

/** A PromQL number literal as Prometheus parses it, or undefined when it refuses it. */
export function parseNumber(text: string): number | undefined {
	return goParseInt(text) ?? goParseFloat(text);
}

const UNIT_MS: Record<string, number> = { y: 365 * 86_400_000, w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const DURATION = /^(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?$/;
const UNITS = ['y', 'w', 'd', 'h', 'm', 's', 'ms'] as const;

/** A Prometheus duration (`5m`, `1h30m`, `0`) in ms, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
	if (text === '0') return 0;
	if (text === '') return undefined;
	const m = DURATION.exec(text);
	if (!m) return undefined;
	let ms = 0;
	for (let i = 0; i < UNITS.length; i++) {
		const part = m[i + 1];
		if (part !== undefined) ms += Number(part) * UNIT_MS[UNITS[i]!]!;
	}
	return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Whether the text has the shape of a duration with a unit (as opposed to a plain number). */
export function isDurationText(text: string): boolean {
	return /[a-z]$/i.test(text) && !/^0x/i.test(text) && !/^(inf|nan)$/i.test(text) && DURATION.test(text);
}

/** Formats a duration in ms as Prometheus prints it (`1h30m`, `500ms`). */
export function formatDuration(ms: number): string {
	if (ms === 0) return '0s';
	const sign = ms < 0 ? '-' : '';
	let rest = Math.abs(ms);
	let out = '';
	for (const u of UNITS) {
		const size = UNIT_MS[u]!;
		const n = Math.floor(rest / size);
		if (n > 0) {
			out += `${n}${u}`;
			rest -= n * size;
		}
	}
	return sign + out;
}

/**
 * Unquotes a PromQL string literal (with its quotes). Returns an error text instead when the
 * literal is unterminated or has a bad escape.
 */
export function unquote(lit: string): { value: string } | { error: string } {
	const q = lit[0];
	if (lit.length < 2 || lit[lit.length - 1] !== q) return { error: 'unterminated quoted string' };
	const body = lit.slice(1, -1);
	if (q === '`') return { value: body };
	let out = '';
	for (let i = 0; i < body.length; i++) {
		const c = body[i]!;
		if (c === q) return { error: 'unterminated quoted string' };
		if (c === '\n') return { error: 'unterminated quoted string' };
		if (c !== '\\') {
			out += c;
			continue;
		}
		const e = body[++i];
		switch (e) {
			case 'a':
				out += '\x07';
				break;
			case 'b':
				out += '\b';
				break;
			case 'f':
				out += '\f';
				break;
			case 'n':
				out += '\n';
				break;
			case 'r':
				out += '\r';
				break;
			case 't':
				out += '\t';
				break;
			case 'v':
				out += '\v';
				break;
			case '\\':
				out += '\\';
				break;
			case "'":
			case '"':
				if (e !== q) return { error: `invalid escape sequence "\\${e}"` };
				out += e;
				break;
			case 'x':
			case 'u':
			case 'U': {
				const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
				const hex = body.slice(i + 1, i + 1 + len);
				if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) return { error: `invalid escape sequence "\\${e}${hex}"` };
				const code = parseInt(hex, 16);
				if (e === 'x') out += String.fromCharCode(code);
				else {
					if (code > 0x10ffff || (code >= 0xd800 && code < 0xe000)) return { error: `invalid escape sequence "\\${e}${hex}"` };
					out += String.fromCodePoint(code);
				}
				i += len;
				break;
			}
			default: {
				const oct = body.slice(i, i + 3);
				if (/^[0-7]{3}$/.test(oct) && parseInt(oct, 8) < 256) {
					out += String.fromCharCode(parseInt(oct, 8));
					i += 2;
					break;
				}
				return { error: `invalid escape sequence "\\${e ?? ''}"` };
			}
		}
	}
	return { value: out };
}
