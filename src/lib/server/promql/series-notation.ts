/**
 * The input-series notation of `promtool test rules` and of PromQL's own test scripts (`load`): a series as `name{a="b"}` and its values in
 * the expanding notation, one item per sample interval, separated by spaces:
 *
 *   `7`          one sample
 *   `_`          no sample at this step
 *   `stale`      a stale marker (the series ends here)
 *   `_xN`        N steps without samples
 *   `axN`        N+1 samples of the value a
 *   `a+bxN`      N+1 samples: a, a+b, a+2b, ... (added step by step, as Prometheus does)
 *   `a-bxN`      N+1 samples: a, a-b, a-2b, ...
 *
 * Numbers are signed decimals (`-1.5`, `1e3`, `.5`), `Inf` or `NaN`; as in Prometheus, a leading
 * 0 makes an octal integer (`010` is 8) and hexadecimal is not allowed.
 */
import { LABEL_NAME, METRIC_NAME, type Labels } from '../../shared/series';

/** A value at one step: a number, no sample (null), or a stale marker. */
export type SeriesValue = number | null | 'stale';

export class NotationError extends Error {
	override name = 'NotationError';
	constructor(
		readonly reason: string,
		/** 1-based column in the text. */
		readonly column: number
	) {
		super(`${reason} at column ${column}`);
	}
}

type Tok =
	| { t: 'space' | 'add' | 'sub' | 'times' | 'blank' | 'eof'; at: number }
	| { t: 'number'; text: string; at: number }
	| { t: 'ident'; text: string; at: number };

function tokenize(text: string): Tok[] {
	const out: Tok[] = [];
	let i = 0;
	while (i < text.length) {
		const c = text[i]!;
		const at = i;
		if (/\s/.test(c)) {
			while (i < text.length && /\s/.test(text[i]!)) i++;
			out.push({ t: 'space', at });
			continue;
		}
		if (c === '+' || c === '-' || c === 'x' || c === '_') {
			out.push({ t: c === '+' ? 'add' : c === '-' ? 'sub' : c === 'x' ? 'times' : 'blank', at });
			i++;
			continue;
		}
		if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
			const m = /^[0-9]*(\.[0-9]*)?([eE][-+]?[0-9]*)?/.exec(text.slice(i))!;
			i += m[0].length;
			const next = text[i];
			if (next !== undefined && /[A-Za-z0-9_]/.test(next) && next !== 'x') {
				throw new NotationError(`bad number syntax: "${m[0]}${next}"`, at + 1);
			}
			out.push({ t: 'number', text: m[0], at });
			continue;
		}
		if (/[A-Za-z]/.test(c)) {
			const m = /^[A-Za-z0-9_:]+/.exec(text.slice(i))!;
			i += m[0].length;
			out.push({ t: 'ident', text: m[0], at });
			continue;
		}
		throw new NotationError(`unexpected character in series values: ${JSON.stringify(c)}`, at + 1);
	}
	out.push({ t: 'eof', at: text.length });
	return out;
}

function numberValue(tok: { text: string; at: number }): number {
	const { text } = tok;
	if (/^0[0-7]+$/.test(text)) return parseInt(text, 8);
	if (/^[0-9]+$/.test(text)) return Number(text);
	if (!/^([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$/.test(text)) throw new NotationError(`cannot parse number "${text}"`, tok.at + 1);
	return Number(text);
}

/** Expands the values text into one entry per step. */
export function parseSeriesValues(text: string): SeriesValue[] {
	return new ValuesReader(text).read();
}

/** Reads the tokens of a series' values, term by term, into one entry per step. */
class ValuesReader {
	private readonly toks: Tok[];
	private p = 0;
	private readonly out: SeriesValue[] = [];

	constructor(private readonly text: string) {
		this.toks = tokenize(text);
	}

	read(): SeriesValue[] {
		this.skipSpace();
		while (this.peek().t !== 'eof') {
			if (this.peek().t === 'blank') this.blanks();
			else this.term();
			const sep = this.peek();
			if (sep.t === 'eof') break;
			if (sep.t !== 'space') this.fail(sep, `unexpected ${this.describe(sep)} in series values`);
			this.skipSpace();
		}
		return this.out;
	}

	private peek(): Tok {
		return this.toks[this.p]!;
	}

	private skipSpace(): void {
		while (this.peek().t === 'space') this.p++;
	}

	private fail(tok: Tok, what: string): never {
		throw new NotationError(what, tok.at + 1);
	}

	private describe(tok: Tok): string {
		return tok.t === 'eof' ? 'end of input' : 'text' in tok ? `"${tok.text}"` : `"${this.text[tok.at]}"`;
	}

	/** `_` or `_xN`: one or N missing steps. */
	private blanks(): void {
		this.p++;
		if (this.peek().t === 'times') {
			this.p++;
			for (let n = this.times(); n > 0; n--) this.out.push(null);
		} else this.out.push(null);
	}

	/** A value, `VxN` (N + 1 times), or `V+SxN` / `V-SxN` (N + 1 values, S apart). */
	private term(): void {
		const v = this.value();
		const next = this.peek();
		if (next.t === 'times') {
			this.p++;
			const n = this.times();
			if (v === 'stale') this.fail(next, '"stale" cannot be repeated');
			for (let k = 0; k <= n; k++) this.out.push(v);
		} else if (next.t === 'add' || next.t === 'sub') this.steps(v);
		else this.out.push(v);
	}

	private steps(v: number | 'stale'): void {
		const step = this.signed();
		const x = this.peek();
		if (x.t !== 'times') this.fail(x, `expected "x" after ${v}${step < 0 ? '' : '+'}${step}, got ${this.describe(x)}`);
		this.p++;
		const n = this.times();
		this.out.push(v);
		// A stale marker plus a step is NaN, as in Prometheus.
		let cur = v === 'stale' ? NaN : v;
		for (let k = 1; k <= n; k++) {
			cur += step;
			this.out.push(cur);
		}
	}

	private times(): number {
		const tok = this.peek();
		if (tok.t !== 'number' || !/^[0-9]+$/.test(tok.text)) this.fail(tok, `expected a whole number after "x", got ${this.describe(tok)}`);
		this.p++;
		const n = Number(tok.text);
		if (!Number.isSafeInteger(n) || n > 10_000_000) this.fail(tok, `too many repetitions: ${n}`);
		return n;
	}

	/** A value: stale, a number, or a signed number. */
	private value(): number | 'stale' {
		const tok = this.peek();
		if (tok.t === 'ident') {
			this.p++;
			const w = tok.text.toLowerCase();
			if (w === 'stale' && tok.text === 'stale') return 'stale';
			if (w === 'inf') return Infinity;
			if (w === 'nan') return NaN;
			return this.fail(tok, `unexpected identifier "${tok.text}" in series values, expected a number or "stale"`);
		}
		return this.signed();
	}

	private signed(): number {
		const tok = this.peek();
		let sign = 1;
		if (tok.t === 'add' || tok.t === 'sub') {
			sign = tok.t === 'sub' ? -1 : 1;
			this.p++;
		}
		const n = this.peek();
		this.p++;
		if (n.t === 'number') return sign * numberValue(n);
		if (n.t === 'ident' && /^(inf|nan)$/i.test(n.text)) return n.text.toLowerCase() === 'inf' ? sign * Infinity : NaN;
		return this.fail(n, `unexpected ${this.describe(n)} in series values, expected a number`);
	}
}

function unquote(text: string, i: number): { value: string; end: number } {
	const q = text[i]!;
	let j = i + 1;
	if (q === '`') {
		const end = text.indexOf('`', j);
		if (end < 0) throw new NotationError('unterminated label value', i + 1);
		return { value: text.slice(j, end), end: end + 1 };
	}
	let out = '';
	const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', "'": "'", '\\': '\\', a: '\x07', b: '\b', f: '\f', v: '\v' };
	for (;;) {
		const c = text[j];
		if (c === undefined || c === '\n') throw new NotationError('unterminated label value', i + 1);
		j++;
		if (c === q) return { value: out, end: j };
		if (c !== '\\') {
			out += c;
			continue;
		}
		const e = text[j++] ?? '';
		if (e in simple) out += simple[e];
		else if (e === 'x' && /^[0-9a-fA-F]{2}/.test(text.slice(j))) {
			out += String.fromCharCode(parseInt(text.slice(j, j + 2), 16));
			j += 2;
		} else if ((e === 'u' && /^[0-9a-fA-F]{4}/.test(text.slice(j))) || (e === 'U' && /^[0-9a-fA-F]{8}/.test(text.slice(j)))) {
			const n = e === 'u' ? 4 : 8;
			out += String.fromCodePoint(parseInt(text.slice(j, j + n), 16));
			j += n;
		} else throw new NotationError(`invalid escape \\${e} in label value`, j - 1);
	}
}

/** Parses `name{a="b", c="d"}` (or `{__name__="name", ...}`) into labels with `__name__`. */
export function parseSeriesDescription(text: string): Labels {
	const labels: Labels = {};
	let i = 0;
	const ws = () => {
		while (i < text.length && /\s/.test(text[i]!)) i++;
	};
	ws();
	const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(text.slice(i));
	if (name) {
		labels.__name__ = name[0];
		i += name[0].length;
	}
	const braces = text[i] === '{';
	if (braces) {
		i++;
		ws();
		while (text[i] !== '}') {
			const ln = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i));
			if (!ln) throw new NotationError('expected a label name', i + 1);
			i += ln[0].length;
			ws();
			if (text[i] !== '=' || text[i + 1] === '~') {
				throw new NotationError(`unexpected ${JSON.stringify(text.slice(i, i + 2))} in label set, expected "="`, i + 1);
			}
			i++;
			ws();
			if (!['"', "'", '`'].includes(text[i] ?? '')) throw new NotationError('expected a quoted label value', i + 1);
			const v = unquote(text, i);
			i = v.end;
			if (ln[0] in labels) throw new NotationError(`label ${ln[0]} is given twice`, i + 1);
			labels[ln[0]] = v.value;
			ws();
			if (text[i] === ',') {
				i++;
				ws();
			} else if (text[i] !== '}') throw new NotationError('expected "," or "}" in label set', i + 1);
		}
		i++;
	}
	ws();
	if (i < text.length) throw new NotationError(`unexpected ${JSON.stringify(text[i])} after the series`, i + 1);
	// `{}` is a description without labels (how promtool's exp_samples write an aggregated result).
	if (!braces && labels.__name__ === undefined) throw new NotationError('empty series description', 1);
	if (labels.__name__ !== undefined && !METRIC_NAME.test(labels.__name__)) throw new NotationError(`invalid metric name ${JSON.stringify(labels.__name__)}`, 1);
	for (const k of Object.keys(labels)) if (!LABEL_NAME.test(k)) throw new NotationError(`invalid label name ${JSON.stringify(k)}`, 1);
	// Empty label values mean "no label", as in Prometheus.
	for (const k of Object.keys(labels)) if (labels[k] === '') delete labels[k];
	return labels;
}

/** Samples of one input series: times from 0 at `intervalMs`; stale markers as NaN with their indexes. */
export interface NotationSamples {
	labels: Labels;
	ts: number[];
	values: number[];
	stale?: number[];
}

export function expandSeries(labels: Labels, values: readonly SeriesValue[], intervalMs: number, startMs = 0): NotationSamples {
	const out: NotationSamples = { labels, ts: [], values: [] };
	const stale: number[] = [];
	values.forEach((v, k) => {
		if (v === null) return;
		if (v === 'stale') {
			stale.push(out.ts.length);
			out.values.push(NaN);
		} else out.values.push(v);
		out.ts.push(startMs + k * intervalMs);
	});
	if (stale.length) out.stale = stale;
	return out;
}
