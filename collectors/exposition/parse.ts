/**
 * Strict parser for metrics expositions: the Prometheus text format 0.0.4 and the OpenMetrics 1.0 text format.
 * Pure (no I/O), never throws, and linear in the size of the input: a hand-written scanner over character
 * codes, no regular expressions per line. A malformed line is skipped and reported with its line number and
 * what was expected where; a sample that repeats a series already seen is reported apart and dropped.
 */

import type { CachedSeries, ScrapeCache } from './cache';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'gaugehistogram' | 'info' | 'stateset' | 'unknown';

/** One sample line of an exposition. */
export interface ParsedSample {
	/** The full sample name, e.g. `http_request_duration_seconds_bucket`, `orders_total`. */
	name: string;
	labels: Record<string, string>;
	/** NaN, +Infinity and -Infinity are allowed. */
	value: number;
	/** Epoch ms when the exposition gives a timestamp (text format: integer ms; OpenMetrics: float seconds, converted to ms and rounded). */
	timestampMs?: number;
	/** With a scrape cache: the cache's entry for the line's series text (its `labels` are this sample's), unless the cache is full. */
	series?: CachedSeries;
}

/** The samples of one metric family, with its metadata. */
export interface MetricFamily {
	/** Family name: for OpenMetrics counters without the `_total` suffix; for histograms/summaries the base name. */
	name: string;
	/** Samples with no TYPE line form an 'unknown' family named after the sample. */
	type: MetricType;
	help?: string;
	unit?: string;
	samples: ParsedSample[];
}

/** A malformed line; `line` is 1-based. */
export interface ExpositionProblem {
	line: number;
	message: string;
}

/** What parseExposition found. */
export interface ParseResult {
	/** Families in the order they first appear. */
	families: MetricFamily[];
	/**
	 * Malformed lines: each skipped, named by line number with what is wrong (e.g. `expected a label value in double quotes`).
	 * At most 100 are kept.
	 */
	problems: ExpositionProblem[];
	/** Samples that repeat a series (same name and label set) already seen in this exposition; the first is kept. */
	duplicates: Array<{ line: number; series: string }>;
}

export type ExpositionFormat = 'prometheus-text' | 'openmetrics';

/** The Accept header a scraper should send: prefer OpenMetrics 1.0.0, accept text 0.0.4 (and anything, last, as Prometheus sends). */
export const SCRAPE_ACCEPT = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** 'openmetrics' for `application/openmetrics-text...`, else 'prometheus-text'. */
export function formatFromContentType(contentType: string | null | undefined): ExpositionFormat {
	if (typeof contentType !== 'string') return 'prometheus-text';
	const semicolon = contentType.indexOf(';');
	const mediaType = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
	return mediaType === 'application/openmetrics-text' ? 'openmetrics' : 'prometheus-text';
}

/**
 * Parses an exposition in the given format. Never throws: malformed lines become `problems`, repeated series
 * become `duplicates`, and everything else is returned grouped into families. With a `cache` (one per target),
 * the series text of a line met in a recent scrape is not parsed again: its name and labels come from the
 * cache (frozen, shared across scrapes), and the result is the same as without it.
 */
export function parseExposition(text: string, format: ExpositionFormat, cache?: ScrapeCache): ParseResult {
	const parser = new Parser(typeof text === 'string' ? text : '', format === 'openmetrics', cache);
	cache?.begin(format);
	try {
		parser.run();
	} catch (err) {
		// Not expected to happen (the fuzz tests look for this message); kept so that a bug costs a problem, not a scrape.
		parser.report(Math.max(1, parser.line), `internal parser error: ${err instanceof Error ? err.message : String(err)}`);
	}
	cache?.end();
	return { families: parser.families.map((f) => f.family), problems: parser.problems, duplicates: parser.duplicates };
}

/** Most problems kept in a result; further malformed lines are still skipped, just not listed. */
const MAX_PROBLEMS = 100;
/** Longest problem message kept; longer ones (quoting huge input) are cut. */
const MAX_MESSAGE_LENGTH = 500;
/** Series with one hash compared one by one before they are keyed by string instead. */
const MAX_COLLISIONS = 8;
/** OpenMetrics: the label names and values of an exemplar together may have at most this many code points. */
const MAX_EXEMPLAR_RUNES = 128;

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const HASH = 35;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const DIGIT_0 = 48;
const DIGIT_9 = 57;
const EQUALS = 61;
const BACKSLASH = 92;
const UNDERSCORE = 95;
const BRACE_OPEN = 123;
const BRACE_CLOSE = 125;

/** Character classes of UTF-16 code units, as bit flags (a table over all 65,536 spares a range check per character). */
const NAME_START = 1; // [a-zA-Z_:]
const NAME_CHAR = 2; // [a-zA-Z0-9_:]
const LABEL_START = 4; // [a-zA-Z_]
const LABEL_CHAR = 8; // [a-zA-Z0-9_]
const CHAR_CLASS = new Uint8Array(65536);
for (let c = 0; c < 128; c++) {
	const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
	const digit = c >= DIGIT_0 && c <= DIGIT_9;
	if (letter || c === UNDERSCORE || c === 58) CHAR_CLASS[c] = NAME_START | NAME_CHAR;
	if (digit) CHAR_CLASS[c] = NAME_CHAR | LABEL_CHAR;
	if (letter || c === UNDERSCORE) CHAR_CLASS[c] = (CHAR_CLASS[c] ?? 0) | LABEL_START | LABEL_CHAR;
}

/** Whether the code unit `c` (from charCodeAt; NaN past the end) is in the class. */
function hasClass(c: number, flag: number): boolean {
	return ((CHAR_CLASS[c] ?? 0) & flag) !== 0;
}

const TEXT_TYPES: Record<string, MetricType> = {
	counter: 'counter',
	gauge: 'gauge',
	histogram: 'histogram',
	summary: 'summary',
	untyped: 'unknown'
};
const OM_TYPES: Record<string, MetricType> = {
	counter: 'counter',
	gauge: 'gauge',
	histogram: 'histogram',
	gaugehistogram: 'gaugehistogram',
	summary: 'summary',
	info: 'info',
	stateset: 'stateset',
	unknown: 'unknown'
};

/** Sample name suffixes of each family type; '' is the bare family name. */
const TEXT_SUFFIXES: Record<MetricType, readonly string[]> = {
	counter: [''],
	gauge: [''],
	histogram: ['_bucket', '_sum', '_count'],
	summary: ['', '_sum', '_count'],
	unknown: [''],
	gaugehistogram: [],
	info: [],
	stateset: []
};
const OM_SUFFIXES: Record<MetricType, readonly string[]> = {
	counter: ['_total', '_created'],
	gauge: [''],
	histogram: ['_bucket', '_count', '_sum', '_created'],
	gaugehistogram: ['_bucket', '_gcount', '_gsum'],
	summary: ['', '_count', '_sum', '_created'],
	info: ['_info'],
	stateset: [''],
	unknown: ['']
};
const TEXT_ALL_SUFFIXES = ['_bucket', '_sum', '_count'];
const OM_ALL_SUFFIXES = ['_total', '_created', '_bucket', '_count', '_sum', '_gcount', '_gsum', '_info'];

interface FamilyState {
	family: MetricFamily;
	typed: boolean;
	helpSeen: boolean;
	unitSeen: boolean;
	/** OpenMetrics: lines of another family came after this one's, so no more may come. */
	closed: boolean;
	/** OpenMetrics: the labels of the last sample and the label that is not part of its metric (le, quantile, the state). */
	metricLabels: Record<string, string> | undefined;
	metricSkip: string | undefined;
	/** OpenMetrics: keys (labelsKey) of the metrics whose samples are finished. */
	doneMetrics: Set<string> | undefined;
	/** The sample names of the family with their suffixes, built when first needed (and again if the type changes). */
	sampleNames: Map<string, string> | undefined;
}

/** A float that failed to parse: bad syntax, or a finite literal beyond float64 (Go's ParseFloat refuses those too). */
type FloatError = 'syntax' | 'range';

/*
 * Choices where the specifications leave room ("Prometheus" means its parsers in model/textparse):
 * - A sample belongs to the current family (the one the previous line was about) when its name fits it, as Prometheus
 *   matches samples to the last TYPE; else to a family of exactly its name, else to the family its name is a suffix
 *   form of (`x_bucket` of histogram `x`); else it starts an 'unknown' family. A bare `x` for histogram `x` is a problem.
 * - Escapes other than `\\`, `\n` and `\"` keep their backslash (Prometheus does; the OpenMetrics ABNF has `BS normal-char`).
 *   Text HELP resolves only `\\` and `\n`, as Prometheus; OpenMetrics HELP also `\"`.
 * - Values: Go's decimal ParseFloat syntax plus `Inf`/`Infinity`/`NaN` in any case; no hex or `_` (Prometheus refuses
 *   `p` and `_`), and a finite literal beyond float64 (`1e400`) is a problem, as Go's ParseFloat errs on it.
 * - Text format: `#HELP` (no blank) and `# HELP` alone are plain comments and types are lower case only, as in Prometheus;
 *   a family may come back later and is merged (Prometheus accepts it); TYPE after the family's samples is a problem, HELP is not;
 *   a missing final line feed is a problem but the line is kept (Prometheus appends one itself).
 * - OpenMetrics is read to the letter of its ABNF: single spaces, no trailing comma in a label set (Prometheus allows one),
 *   no blank lines, no other `#` lines, metadata before samples, families and metrics not interleaved.
 * - Timestamps: text format, ParseInt syntax (a sign is allowed) within the safe integers; OpenMetrics, seconds moved to
 *   milliseconds in decimal and rounded half up (Prometheus truncates).
 * - Families declared without samples are kept. Semantic checks are limited to what one line shows: `le` a float and not
 *   NaN, `quantile` a float (OpenMetrics: in [0, 1]), info value 1, stateset value 0 or 1 with its state label.
 * - A series repeated with another timestamp is a duplicate too (OpenMetrics would allow increasing timestamps). Label
 *   values are compared as given: an empty value is not the same as no label.
 */
class Parser {
	readonly families: FamilyState[] = [];
	readonly problems: ExpositionProblem[] = [];
	readonly duplicates: Array<{ line: number; series: string }> = [];
	line = 0;
	private readonly byName = new Map<string, FamilyState>();
	/**
	 * Series seen so far, by a hash of name and labels computed while scanning, so that no string is built per sample.
	 * A hit is checked for equality. A bucket of colliding series that grows past a few (an exposition crafted to
	 * collide) switches to exact string keys, so the work stays linear.
	 */
	private readonly seen = new Map<number, ParsedSample | ParsedSample[] | Set<string>>();
	/** Label names by hash, with where each was first read: one string per distinct name is a cheaper property key than fresh slices. */
	private readonly labelNames = new Map<number, { name: string; at: number }>();
	/** Order-independent hash of the label set parseLabels read last. */
	private labelHash = 0;
	/** The hash of the metric name scanMetricName read last. */
	private nameHash = 0;
	/** The value parseSampleValue read last. */
	private sampleValue = 0;
	/** The timestamp parseOmTail or parseTextTail read last, if the line has one. */
	private sampleTimestamp: number | undefined;
	/** The hash of the label value scanLabelValue read last, and whether it had escapes. */
	private valueHash = 0;
	private valueEscaped = false;
	/** The suffix familyOf matched the sample's name with ('' for none). */
	private sampleSuffix = '';
	private current: FamilyState | undefined;
	private lineStart = 0;

	/** The hash of the raw series text scanSeriesText read last. */
	private rawHash = 0;

	constructor(
		private readonly src: string,
		private readonly om: boolean,
		private readonly cache: ScrapeCache | undefined
	) {}

	report(line: number, message: string): void {
		if (this.problems.length >= MAX_PROBLEMS) return;
		// Messages quote the input: a 50 MB name must not make a 50 MB message.
		if (message.length > MAX_MESSAGE_LENGTH) message = `${message.slice(0, MAX_MESSAGE_LENGTH)}… (${message.length} characters)`;
		this.problems.push({ line, message });
	}

	/** Reports a problem on the current line; returns -1 so that scanners can `return this.fail(...)`. */
	private fail(message: string): -1 {
		this.report(this.line, message);
		return -1;
	}

	run(): void {
		const src = this.src;
		const n = src.length;
		let start = 0;
		let sawEof = false;
		while (start < n) {
			let end = src.indexOf('\n', start);
			const terminated = end !== -1;
			if (!terminated) end = n;
			this.line++;
			this.lineStart = start;
			if (this.om && end - start === 5 && src.startsWith('# EOF', start)) {
				sawEof = true;
				if (end + 1 < n) this.report(this.line + 1, 'unexpected text after "# EOF": it must be the last line');
				return;
			}
			this.parseLine(start, end);
			if (!terminated && !this.om && skipBlanks(src, start, end) < end) {
				// The 0.0.4 spec requires it; Prometheus itself now tolerates it, so the sample is kept.
				this.report(this.line, 'the last line does not end with a line feed ("\\n")');
			}
			start = end + 1;
		}
		if (this.om && !sawEof) this.report(Math.max(1, this.line), 'missing "# EOF" at the end of the exposition');
	}

	private parseLine(s: number, e: number): void {
		const src = this.src;
		if (e > s && src.charCodeAt(e - 1) === CR) {
			this.fail('line ends with a carriage return ("\\r"): lines must end with "\\n" only');
			return;
		}
		if (this.om) {
			if (s === e) {
				this.fail('blank line: OpenMetrics does not allow empty lines');
				return;
			}
			const c = src.charCodeAt(s);
			if (c === HASH) this.parseOmDescriptor(s, e);
			else if (c === SPACE || c === TAB) this.fail('unexpected whitespace at the start of the line: OpenMetrics does not allow it');
			else this.parseSample(s, e);
			return;
		}
		const i = skipBlanks(src, s, e);
		if (i === e) return;
		if (src.charCodeAt(i) === HASH) this.parseTextComment(i + 1, e);
		else this.parseSample(i, e);
	}

	// ---- Metadata lines ----

	/** Text format: `# HELP name docstring`, `# TYPE name type`; any other `#` line is a comment (as in Prometheus's lexer). */
	private parseTextComment(i: number, e: number): void {
		const src = this.src;
		const k = skipBlanks(src, i, e);
		if (k === i || k + 4 >= e) return;
		const keyword = src.slice(k, k + 4);
		if ((keyword !== 'HELP' && keyword !== 'TYPE') || !isBlank(src.charCodeAt(k + 4))) return;
		const nameStart = skipBlanks(src, k + 4, e);
		const nameEnd = scanMetricName(src, nameStart, e);
		if (nameEnd === nameStart) {
			this.fail(`expected a metric name after "# ${keyword}", ${this.found(nameStart, e)}`);
			return;
		}
		const name = src.slice(nameStart, nameEnd);
		if (nameEnd < e && !isBlank(src.charCodeAt(nameEnd))) {
			this.fail(`expected whitespace after the metric name "${name}" in ${keyword}, ${this.found(nameEnd, e)}`);
			return;
		}
		const rest = skipBlanks(src, nameEnd, e);
		let restEnd = e;
		while (restEnd > rest && isBlank(src.charCodeAt(restEnd - 1))) restEnd--;
		if (keyword === 'HELP') {
			const help = this.unescape(rest, restEnd, false, 'the HELP text');
			if (help !== undefined) this.setHelp(name, help);
			return;
		}
		if (rest === restEnd) {
			this.fail(`expected a metric type after "# TYPE ${name}", found end of line`);
			return;
		}
		let typeEnd = rest;
		while (typeEnd < restEnd && !isBlank(src.charCodeAt(typeEnd))) typeEnd++;
		if (typeEnd < restEnd) {
			this.fail(`unexpected text after the type in "# TYPE ${name}", ${this.found(skipBlanks(src, typeEnd, restEnd), e)}`);
			return;
		}
		const word = src.slice(rest, restEnd);
		const type = Object.hasOwn(TEXT_TYPES, word) ? TEXT_TYPES[word] : undefined;
		if (type === undefined) {
			this.fail(`unknown metric type ${quote(word)} for "${name}": expected counter, gauge, histogram, summary or untyped`);
			return;
		}
		this.setType(name, type);
	}

	/** OpenMetrics: `# TYPE name type`, `# UNIT name unit`, `# HELP name text`, separated by single spaces; no other `#` lines. */
	private parseOmDescriptor(s: number, e: number): void {
		const src = this.src;
		const keyword = src.slice(s + 2, s + 6);
		if (
			src.charCodeAt(s + 1) !== SPACE ||
			(keyword !== 'HELP' && keyword !== 'TYPE' && keyword !== 'UNIT') ||
			s + 6 >= e ||
			src.charCodeAt(s + 6) !== SPACE
		) {
			this.fail('expected "# HELP ", "# TYPE ", "# UNIT " or "# EOF": OpenMetrics allows no other lines starting with "#"');
			return;
		}
		const nameStart = s + 7;
		const nameEnd = scanMetricName(src, nameStart, e);
		if (nameEnd === nameStart) {
			this.fail(`expected a metric name after "# ${keyword} ", ${this.found(nameStart, e)}`);
			return;
		}
		const name = src.slice(nameStart, nameEnd);
		if (nameEnd >= e || src.charCodeAt(nameEnd) !== SPACE) {
			const what = keyword === 'TYPE' ? 'the type' : keyword === 'UNIT' ? 'the unit' : 'the help text';
			this.fail(`expected a space and ${what} after the metric name "${name}", ${this.found(nameEnd, e)}`);
			return;
		}
		const rest = nameEnd + 1;
		if (keyword === 'HELP') {
			const help = this.unescape(rest, e, true, 'the HELP text');
			if (help !== undefined) this.setHelp(name, help);
			return;
		}
		const word = src.slice(rest, e);
		if (keyword === 'TYPE') {
			const type = Object.hasOwn(OM_TYPES, word) ? OM_TYPES[word] : undefined;
			if (type === undefined) {
				const expected = 'counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown';
				this.fail(`unknown metric type ${quote(word)} for "${name}": expected ${expected}`);
				return;
			}
			if (type === 'counter' && name.endsWith('_total')) {
				this.fail(`counter family name "${name}" must not end in "_total": name the family without it, its samples add "_total"`);
				return;
			}
			this.setType(name, type);
			return;
		}
		for (let i = rest; i < e; i++) {
			if (!hasClass(src.charCodeAt(i), NAME_CHAR)) {
				this.fail(`invalid character in the unit of "${name}", ${this.found(i, e)}: a unit uses [a-zA-Z0-9_:] only`);
				return;
			}
		}
		if (word !== '' && !name.endsWith(`_${word}`)) {
			this.fail(`unit ${quote(word)} is not a suffix of the metric name "${name}": the name must end in "_${word}"`);
			return;
		}
		this.setUnit(name, word);
	}

	/** The family a metadata line describes, created if new; undefined (after a problem) when the line may not come here. */
	private familyForMetadata(name: string, keyword: string): FamilyState | undefined {
		const state = this.byName.get(name);
		if (state === undefined) return this.enter(this.createFamily(name, 'unknown'));
		if (this.om) {
			if (state.closed) {
				this.fail(`${keyword} line for "${name}" comes after lines of another family: the lines of a metric family must be together`);
				return undefined;
			}
			if (state.family.samples.length > 0) {
				this.fail(`${keyword} line for "${name}" comes after its samples: metadata must come first`);
				return undefined;
			}
		}
		return state;
	}

	private setType(name: string, type: MetricType): void {
		const existing = this.byName.get(name);
		if (existing?.typed) {
			this.fail(`second TYPE line for "${name}": only one is allowed`);
			return;
		}
		if (existing && existing.family.samples.length > 0) {
			this.fail(`TYPE line for "${name}" comes after its samples: it must come first`);
			return;
		}
		if (this.om && (type === 'info' || type === 'stateset') && existing?.family.unit !== undefined) {
			this.fail(`a ${type} family must not have a unit, and "${name}" has the unit ${quote(existing.family.unit)}`);
			return;
		}
		const state = this.familyForMetadata(name, 'TYPE');
		if (state === undefined) return;
		state.typed = true;
		state.family.type = type;
		state.sampleNames = undefined;
		this.enter(state);
	}

	private setHelp(name: string, help: string): void {
		if (this.byName.get(name)?.helpSeen) {
			this.fail(`second HELP line for "${name}": only one is allowed`);
			return;
		}
		const state = this.familyForMetadata(name, 'HELP');
		if (state === undefined) return;
		state.helpSeen = true;
		// OpenMetrics: an empty HELP "MUST be treated as if no metadata line for the MetricFamily existed".
		if (help !== '' || !this.om) state.family.help = help;
		this.enter(state);
	}

	private setUnit(name: string, unit: string): void {
		const existing = this.byName.get(name);
		if (existing?.unitSeen) {
			this.fail(`second UNIT line for "${name}": only one is allowed`);
			return;
		}
		const type = existing?.family.type;
		if (unit !== '' && (type === 'info' || type === 'stateset')) {
			this.fail(`a ${type} family must not have a unit, and "${name}" is one`);
			return;
		}
		const state = this.familyForMetadata(name, 'UNIT');
		if (state === undefined) return;
		state.unitSeen = true;
		if (unit !== '') state.family.unit = unit;
		this.enter(state);
	}

	// ---- Sample lines ----

	private parseSample(s: number, e: number): void {
		const src = this.src;
		const cache = this.cache;
		let rawEnd = -1;
		if (cache !== undefined) {
			rawEnd = this.scanSeriesText(s, e);
			const hit = rawEnd > s ? cache.lookup(src, s, rawEnd, this.rawHash) : undefined;
			if (hit !== undefined) {
				this.completeSample(hit.name, hit.labels, hit.seriesHash, rawEnd, e, hit.braced, hit);
				return;
			}
		}
		const nameEnd = this.scanMetricName(s, e);
		if (nameEnd === s) {
			this.failMetricName(s, e);
			return;
		}
		const nameHash = this.nameHash;
		const name = src.slice(s, nameEnd);
		const labels: Record<string, string> = {};
		let i = nameEnd;
		const braceAt = this.om ? i : skipBlanks(src, i, e);
		const braced = braceAt < e && src.charCodeAt(braceAt) === BRACE_OPEN;
		let labelHash = 0;
		if (braced) {
			i = this.parseLabels(braceAt, e, labels, name, false);
			if (i < 0) return;
			labelHash = this.labelHash;
		}
		const seriesHash = mix((nameHash + labelHash) | 0);
		// Cached only when the quick scan and the full parse agree on where the series text ends.
		const series = i === rawEnd ? cache?.add(src.slice(s, i), this.rawHash, name, labels, braced, seriesHash) : undefined;
		this.completeSample(name, labels, seriesHash, i, e, braced, series);
	}

	/** The rest of a sample line after its series text (which ends at i): the value, the tail, then the checks of addSample. */
	private completeSample(name: string, labels: Record<string, string>, seriesHash: number, i: number, e: number, braced: boolean, series: CachedSeries | undefined): void {
		const src = this.src;
		const om = this.om;
		if (!braced && i < e && !(om ? src.charCodeAt(i) === SPACE : isBlank(src.charCodeAt(i)))) {
			this.fail(`unexpected character after the metric name "${name}", ${this.found(i, e)}: expected "{" or a space`);
			return;
		}
		const valueEnd = this.parseSampleValue(i, e, name, braced);
		if (valueEnd < 0) return;
		const value = this.sampleValue;
		// The timestamp and, in OpenMetrics, the exemplar.
		if (!(om ? this.parseOmTail(valueEnd, e, name) : this.parseTextTail(valueEnd, e, name))) return;
		const timestampMs = this.sampleTimestamp;
		const sample: ParsedSample = { name, labels, value };
		if (timestampMs !== undefined) sample.timestampMs = timestampMs;
		if (series !== undefined) sample.series = series;
		this.addSample(sample, seriesHash);
	}

	/**
	 * Where the raw series text from s ends (after the name, or after the `}` of its label set, quotes and
	 * escapes respected), hashing it into rawHash; s when there is no name. A quick scan that checks
	 * nothing: only texts that also parsed in full are cached, so a hit is one.
	 */
	private scanSeriesText(s: number, e: number): number {
		const src = this.src;
		let i = s;
		let hash = FNV_OFFSET;
		for (; i < e; i++) {
			const c = src.charCodeAt(i);
			if (!hasClass(c, i === s ? NAME_START : NAME_CHAR)) break;
			hash = Math.imul(hash ^ c, FNV_PRIME);
		}
		if (i === s) return s;
		const braceAt = this.om ? i : skipBlanks(src, i, e);
		if (braceAt < e && src.charCodeAt(braceAt) === BRACE_OPEN) {
			let quoted = false;
			let j = i;
			for (; j < e; j++) {
				const c = src.charCodeAt(j);
				hash = Math.imul(hash ^ c, FNV_PRIME);
				if (quoted) {
					if (c === QUOTE) quoted = false;
					else if (c === BACKSLASH && j + 1 < e) hash = Math.imul(hash ^ src.charCodeAt(++j), FNV_PRIME);
				} else if (c === QUOTE) quoted = true;
				else if (c === BRACE_CLOSE) break;
			}
			if (j >= e) return s;
			i = j + 1;
		}
		this.rawHash = mix(hash);
		return i;
	}

	/** The metric name from s, hashed into nameHash as it is read; returns where it ends (s when there is none). */
	private scanMetricName(s: number, e: number): number {
		const src = this.src;
		let nameEnd = s;
		let nameHash = FNV_OFFSET;
		if (hasClass(src.charCodeAt(s), NAME_START)) {
			for (; nameEnd < e; nameEnd++) {
				const c = src.charCodeAt(nameEnd);
				if (!hasClass(c, NAME_CHAR)) break;
				nameHash = Math.imul(nameHash ^ c, FNV_PRIME);
			}
		}
		this.nameHash = nameHash;
		return nameEnd;
	}

	private failMetricName(s: number, e: number): void {
		const src = this.src;
		let tokenEnd = s;
		while (tokenEnd < e && !isBlank(src.charCodeAt(tokenEnd)) && src.charCodeAt(tokenEnd) !== BRACE_OPEN) tokenEnd++;
		if (tokenEnd === s) this.fail(`expected a metric name, ${this.found(s, e)}`);
		else this.fail(`invalid metric name ${quote(src.slice(s, tokenEnd))}: a metric name must match [a-zA-Z_:][a-zA-Z0-9_:]*`);
	}

	/** The sample's value after the name and labels, into sampleValue; returns where it ends, or -1 after reporting a problem. */
	private parseSampleValue(i: number, e: number, name: string, braced: boolean): number {
		const src = this.src;
		const om = this.om;
		let valueStart: number;
		if (om) {
			if (i >= e || src.charCodeAt(i) !== SPACE) {
				return this.fail(`expected a space and a value after ${afterName(name, braced)}, ${this.found(i, e)}`);
			}
			valueStart = i + 1;
		} else {
			valueStart = skipBlanks(src, i, e);
		}
		const valueEnd = om ? scanToSpace(src, valueStart, e) : scanToBlank(src, valueStart, e);
		if (valueEnd === valueStart) {
			return this.fail(`expected a value after ${afterName(name, braced)}, ${this.found(valueStart, e)}`);
		}
		const value = parseFloatToken(src, valueStart, valueEnd);
		if (typeof value === 'string') return this.fail(this.badFloat(value, 'value', src.slice(valueStart, valueEnd), name));
		this.sampleValue = value;
		return valueEnd;
	}

	/** OpenMetrics: the optional timestamp (into sampleTimestamp) and exemplar after the value; false after reporting a problem. */
	private parseOmTail(i: number, e: number, name: string): boolean {
		const src = this.src;
		this.sampleTimestamp = undefined;
		if (i >= e) return true;
		i++; // the space scanToSpace stopped at
		if (src.charCodeAt(i) !== HASH) {
			const tsEnd = scanToSpace(src, i, e);
			if (tsEnd === i) {
				this.fail(`expected a timestamp or " # " and an exemplar after the value of "${name}", ${this.found(i, e)}`);
				return false;
			}
			const ts = parseOmTimestamp(src, i, tsEnd);
			if (typeof ts === 'string') {
				this.fail(this.badTimestamp(ts, src.slice(i, tsEnd), name));
				return false;
			}
			this.sampleTimestamp = ts;
			i = tsEnd;
			if (i < e) {
				i++;
				if (src.charCodeAt(i) !== HASH) {
					this.fail(`expected end of line or " # " and an exemplar after the timestamp of "${name}", ${this.found(i, e)}`);
					return false;
				}
			}
		}
		return !(i < e && this.parseExemplar(i, e, name) < 0);
	}

	/** The text format: the optional timestamp (into sampleTimestamp) after the value; false after reporting a problem. */
	private parseTextTail(i: number, e: number, name: string): boolean {
		const src = this.src;
		this.sampleTimestamp = undefined;
		i = skipBlanks(src, i, e);
		if (i >= e) return true;
		const tsEnd = scanToBlank(src, i, e);
		const ts = parseTextTimestamp(src, i, tsEnd);
		if (typeof ts === 'string') {
			this.fail(this.badTimestamp(ts, src.slice(i, tsEnd), name));
			return false;
		}
		this.sampleTimestamp = ts;
		i = skipBlanks(src, tsEnd, e);
		if (i < e) {
			this.fail(`unexpected text after the timestamp of "${name}", ${this.found(i, e)}`);
			return false;
		}
		return true;
	}

	/** Parses `{name="value",...}` starting at the brace; returns the index after `}`, or -1 after reporting a problem. */
	private parseLabels(i: number, e: number, labels: Record<string, string>, name: string, exemplar: boolean): number {
		const src = this.src;
		const om = this.om;
		this.labelHash = 0;
		i++;
		for (;;) {
			if (!om) i = skipBlanks(src, i, e);
			if (i >= e) return this.fail(`unterminated label set of ${owner(name, exemplar)}: expected a label name or "}", found end of line`);
			let c = src.charCodeAt(i);
			if (c === BRACE_CLOSE) return i + 1;
			if (!hasClass(c, LABEL_START)) {
				return this.fail(`expected a label name or "}" in the labels of ${owner(name, exemplar)}, ${this.found(i, e)}`);
			}
			const nameStart = i;
			let nameHash = Math.imul(FNV_OFFSET ^ c, FNV_PRIME);
			for (i++; i < e; i++) {
				c = src.charCodeAt(i);
				if (!hasClass(c, LABEL_CHAR)) break;
				nameHash = Math.imul(nameHash ^ c, FNV_PRIME);
			}
			const label = this.labelName(nameStart, i, nameHash);
			if (label.charCodeAt(0) === UNDERSCORE && label.charCodeAt(1) === UNDERSCORE) {
				return this.fail(`label name "${label}" is reserved: names starting with "__" are not allowed`);
			}
			if (!om) i = skipBlanks(src, i, e);
			if (i >= e || src.charCodeAt(i) !== EQUALS) return this.fail(`expected "=" after label name "${label}", ${this.found(i, e)}`);
			i++;
			if (!om) i = skipBlanks(src, i, e);
			if (i >= e || src.charCodeAt(i) !== QUOTE) {
				return this.fail(`expected a label value in double quotes after "${label}=", ${this.found(i, e)}`);
			}
			const valueStart = i + 1;
			const valueSeed = Math.imul(nameHash ^ EQUALS, FNV_PRIME);
			const j = this.scanLabelValue(valueStart, e, label, valueSeed);
			if (j < 0) return -1;
			if (j >= e) return this.fail(`unterminated value of label "${label}": expected a closing double quote before the end of the line`);
			if (Object.hasOwn(labels, label)) return this.fail(`label "${label}" appears twice in the labels of ${owner(name, exemplar)}`);
			let hash = this.valueHash;
			let value: string;
			if (this.valueEscaped) {
				// The hash must be of the value, and different escapes can spell one value (`\\a` and `\a`).
				value = this.unescape(valueStart, j, true, '') ?? '';
				hash = hashString(value, valueSeed);
			} else value = src.slice(valueStart, j);
			labels[label] = value;
			// A sum, so that the hash of a label set does not depend on the order of its labels.
			this.labelHash = (this.labelHash + mix(hash)) | 0;
			i = j + 1;
			if (!om) i = skipBlanks(src, i, e);
			c = i < e ? src.charCodeAt(i) : -1;
			if (c === COMMA) {
				i++;
				if (om && i < e && src.charCodeAt(i) === BRACE_CLOSE) {
					return this.fail(`trailing comma before "}" in the labels of ${owner(name, exemplar)}: OpenMetrics does not allow it`);
				}
				continue;
			}
			if (c === BRACE_CLOSE) return i + 1;
			return this.fail(`expected "," or "}" after the value of label "${label}", ${this.found(i, e)}`);
		}
	}

	/**
	 * Scans a quoted label value from just after its opening quote, hashing it from seed into valueHash and noting
	 * escapes in valueEscaped. Returns the index of the closing quote (e when there is none), or -1 after a problem.
	 */
	private scanLabelValue(j: number, e: number, label: string, seed: number): number {
		const src = this.src;
		let escaped = false;
		let hash = seed;
		while (j < e) {
			const c = src.charCodeAt(j);
			if (c === QUOTE) break;
			hash = Math.imul(hash ^ c, FNV_PRIME);
			if (c === BACKSLASH) {
				escaped = true;
				const next = src.charCodeAt(j + 1);
				// `\"` and `\\` are consumed whole; `\n` and unknown escapes are resolved by unescape().
				j += next === QUOTE || next === BACKSLASH ? 2 : 1;
				continue;
			}
			if (c >= 0xd800 && c <= 0xdfff) {
				if (c <= 0xdbff && j + 1 < e && isLowSurrogate(src.charCodeAt(j + 1))) {
					hash = Math.imul(hash ^ src.charCodeAt(j + 1), FNV_PRIME);
					j += 2;
					continue;
				}
				return this.fail(`the value of label "${label}" is not valid Unicode (a lone surrogate at column ${j - this.lineStart + 1})`);
			}
			j++;
		}
		this.valueHash = hash;
		this.valueEscaped = escaped;
		return j;
	}

	/** OpenMetrics: ` # {labels} value [timestamp]` from the `#`; checked and discarded. Returns -1 after a problem. */
	private parseExemplar(i: number, e: number, name: string): number {
		const src = this.src;
		if (src.charCodeAt(i + 1) !== SPACE || src.charCodeAt(i + 2) !== BRACE_OPEN) {
			return this.fail(`expected " # {" to start the exemplar of "${name}", ${this.found(i + 1, e)}`);
		}
		const labels: Record<string, string> = {};
		i = this.parseLabels(i + 2, e, labels, name, true);
		if (i < 0) return -1;
		let runes = 0;
		for (const key of Object.keys(labels)) runes += codePointLength(key) + codePointLength(labels[key] ?? '');
		if (runes > MAX_EXEMPLAR_RUNES) {
			return this.fail(`the exemplar labels of "${name}" have ${runes} characters: at most ${MAX_EXEMPLAR_RUNES} are allowed`);
		}
		if (i >= e || src.charCodeAt(i) !== SPACE) {
			return this.fail(`expected a space and a value after the exemplar labels of "${name}", ${this.found(i, e)}`);
		}
		const valueEnd = scanToSpace(src, i + 1, e);
		if (valueEnd === i + 1) return this.fail(`expected an exemplar value for "${name}", ${this.found(i + 1, e)}`);
		const value = parseFloatToken(src, i + 1, valueEnd);
		if (typeof value === 'string') return this.fail(this.badFloat(value, 'exemplar value', src.slice(i + 1, valueEnd), name));
		if (valueEnd < e) {
			const tsEnd = scanToSpace(src, valueEnd + 1, e);
			const ts = tsEnd === valueEnd + 1 ? 'syntax' : parseOmTimestamp(src, valueEnd + 1, tsEnd);
			if (typeof ts === 'string') return this.fail(this.badTimestamp(ts, src.slice(valueEnd + 1, tsEnd), name, true));
			if (tsEnd < e) return this.fail(`unexpected text after the exemplar timestamp of "${name}", ${this.found(tsEnd, e)}`);
		}
		return e;
	}

	private labelName(s: number, e: number, hash: number): string {
		const cached = this.labelNames.get(hash);
		if (cached !== undefined && cached.name.length === e - s && sameRange(this.src, cached.at, s, e - s)) return cached.name;
		const name = this.src.slice(s, e);
		if (cached === undefined) this.labelNames.set(hash, { name, at: s });
		return name;
	}

	// ---- Families, checks and duplicates ----

	private addSample(sample: ParsedSample, hash: number): void {
		const { name, labels } = sample;
		let state = this.familyOf(name);
		if (state === null) return;
		const suffix = this.sampleSuffix;
		const type = state?.family.type ?? 'unknown';
		const familyName = state?.family.name ?? name;
		const metricLabel = this.checkByType(sample, type, suffix, familyName);
		if (metricLabel === null) return;

		const prior = this.seen.get(hash);
		if (prior !== undefined && this.isDuplicate(prior, sample)) {
			this.duplicates.push({ line: this.line, series: seriesKey(name, labels) });
			return;
		}
		const newMetric = this.om && state ? this.checkTogether(state, sample, familyName, metricLabel) : undefined;
		if (newMetric === null) return;

		// Accepted: commit.
		if (state === undefined) state = this.createFamily(name, 'unknown');
		this.enter(state);
		if (this.om) {
			if (newMetric !== undefined && state.metricLabels !== undefined) {
				(state.doneMetrics ??= new Set()).add(labelsKey(state.metricLabels, state.metricSkip));
			}
			state.metricLabels = labels;
			state.metricSkip = metricLabel;
		}
		this.remember(prior, hash, sample);
		state.family.samples.push(sample);
	}

	/**
	 * The family a sample belongs to: the current one, one of its own name, or one its name ends a suffix of (the
	 * suffix into sampleSuffix). Undefined for a new family; null after reporting a problem.
	 */
	private familyOf(name: string): FamilyState | undefined | null {
		this.sampleSuffix = '';
		const current = this.current;
		const currentSuffix = current ? this.fit(current, name) : undefined;
		if (current && currentSuffix !== undefined) {
			this.sampleSuffix = currentSuffix;
			return current;
		}
		const direct = this.byName.get(name);
		if (direct && this.fit(direct, name) === '') return direct;
		for (const candidate of this.om ? OM_ALL_SUFFIXES : TEXT_ALL_SUFFIXES) {
			if (name.length <= candidate.length || !name.endsWith(candidate)) continue;
			const base = this.byName.get(name.slice(0, name.length - candidate.length));
			if (base && this.fit(base, name) === candidate) {
				this.sampleSuffix = candidate;
				return base;
			}
		}
		if (direct) {
			this.fail(`sample "${name}" does not fit the ${direct.family.type} family "${name}": expected ${this.expectedNames(direct)}`);
			return null;
		}
		return undefined;
	}

	/** Checks by family type. Returns the label that tells a metric's samples apart (le, quantile, state), or null after a problem. */
	private checkByType(sample: ParsedSample, type: string, suffix: string, familyName: string): string | undefined | null {
		const { name, labels } = sample;
		if ((type === 'histogram' || type === 'gaugehistogram') && suffix === '_bucket') {
			return this.checkBound(labels, 'le', name) ? 'le' : null;
		}
		if (type === 'summary' && suffix === '') return this.checkBound(labels, 'quantile', name) ? 'quantile' : null;
		if (this.om && type === 'info') {
			if (sample.value === 1) return undefined;
			this.fail(`info sample "${name}" must have the value 1, not ${formatNumber(sample.value)}`);
			return null;
		}
		if (this.om && type === 'stateset') {
			if (!Object.hasOwn(labels, familyName)) {
				this.fail(`stateset sample "${name}" needs a label "${familyName}" naming its state`);
				return null;
			}
			if (sample.value !== 0 && sample.value !== 1) {
				this.fail(`stateset sample "${name}" must have the value 0 or 1, not ${formatNumber(sample.value)}`);
				return null;
			}
			return familyName;
		}
		return undefined;
	}

	/**
	 * OpenMetrics: the lines of a family, and the samples of a metric (a label set, le/quantile/state aside), must be together.
	 * Info samples are each their own metric. Keys of metrics are built only when the metric changes: returns the new metric's
	 * key when this sample starts one, undefined when it does not, null after reporting a problem.
	 */
	private checkTogether(state: FamilyState, sample: ParsedSample, familyName: string, metricLabel: string | undefined): string | undefined | null {
		const { name, labels } = sample;
		if (state !== this.current && state.closed) {
			this.fail(`sample "${name}" of family "${familyName}" comes after lines of another family: the lines of a metric family must be together`);
			return null;
		}
		const last = state.metricLabels;
		if (state.family.type === 'info' || last === undefined || sameMetric(last, state.metricSkip, labels, metricLabel)) return undefined;
		const newMetric = labelsKey(labels, metricLabel);
		if (state.doneMetrics?.has(newMetric)) {
			const series = seriesKey(name, labels);
			this.fail(`sample "${series}" comes after samples of another metric of "${familyName}": the samples of a metric must be together`);
			return null;
		}
		return newMetric;
	}

	/** Records an accepted sample under its hash for the duplicate check. */
	private remember(prior: ParsedSample | ParsedSample[] | Set<string> | undefined, hash: number, sample: ParsedSample): void {
		if (prior === undefined) this.seen.set(hash, sample);
		else if (prior instanceof Set) prior.add(seriesKey(sample.name, sample.labels));
		else if (!Array.isArray(prior)) this.seen.set(hash, [prior, sample]);
		else if (prior.length < MAX_COLLISIONS) prior.push(sample);
		else this.seen.set(hash, new Set([...prior, sample].map((p) => seriesKey(p.name, p.labels))));
	}

	private isDuplicate(prior: ParsedSample | ParsedSample[] | Set<string>, sample: ParsedSample): boolean {
		if (prior instanceof Set) return prior.has(seriesKey(sample.name, sample.labels));
		if (Array.isArray(prior)) return prior.some((p) => sameSeries(p, sample));
		return sameSeries(prior, sample);
	}

	/** The suffix with which `name` is a sample name of the family, or undefined when it is not one. */
	private fit(state: FamilyState, name: string): string | undefined {
		let names = state.sampleNames;
		if (names === undefined) {
			names = new Map();
			for (const suffix of (this.om ? OM_SUFFIXES : TEXT_SUFFIXES)[state.family.type]) names.set(state.family.name + suffix, suffix);
			state.sampleNames = names;
		}
		return names.get(name);
	}

	private expectedNames(state: FamilyState): string {
		const suffixes = (this.om ? OM_SUFFIXES : TEXT_SUFFIXES)[state.family.type];
		const names = suffixes.map((suffix) => state.family.name + suffix);
		return names.length === 1 ? `"${names[0]}"` : `one of ${names.map((n) => `"${n}"`).join(', ')}`;
	}

	/** `le` of a bucket or `quantile` of a summary: present and a float (OpenMetrics: le not NaN, quantile in [0, 1]). */
	private checkBound(labels: Record<string, string>, label: 'le' | 'quantile', name: string): boolean {
		if (!Object.hasOwn(labels, label)) {
			this.fail(`${label === 'le' ? 'histogram bucket' : 'summary quantile'} "${name}" has no "${label}" label`);
			return false;
		}
		const text = labels[label] ?? '';
		const bound = parseFloatToken(text, 0, text.length);
		if (typeof bound === 'string') {
			this.fail(`invalid "${label}" value ${quote(text)} on "${name}": expected a float${label === 'le' ? ' or "+Inf"' : ''}`);
			return false;
		}
		if (label === 'le' && Number.isNaN(bound)) {
			this.fail(`invalid "le" value ${quote(text)} on "${name}": a bucket bound must not be NaN`);
			return false;
		}
		if (label === 'quantile' && this.om && !(bound >= 0 && bound <= 1)) {
			this.fail(`invalid "quantile" value ${quote(text)} on "${name}": a quantile must be between 0 and 1`);
			return false;
		}
		return true;
	}

	private createFamily(name: string, type: MetricType): FamilyState {
		const state: FamilyState = {
			family: { name, type, samples: [] },
			typed: false,
			helpSeen: false,
			unitSeen: false,
			closed: false,
			metricLabels: undefined,
			metricSkip: undefined,
			doneMetrics: undefined,
			sampleNames: undefined
		};
		this.byName.set(name, state);
		this.families.push(state);
		return state;
	}

	/** Makes `state` the current family; in OpenMetrics the one it replaces is closed for good. */
	private enter(state: FamilyState): FamilyState {
		if (this.current !== state) {
			if (this.current) this.current.closed = true;
			this.current = state;
		}
		return state;
	}

	// ---- Small helpers that need the line ----

	/** `found "x" at column 7` or `found end of line`, for messages. */
	private found(i: number, e: number): string {
		if (i >= e) return 'found end of line';
		const cp = this.src.codePointAt(i) ?? 0;
		return `found ${quote(String.fromCodePoint(cp))} at column ${i - this.lineStart + 1}`;
	}

	private badFloat(error: FloatError, what: string, token: string, owner: string): string {
		return error === 'range'
			? `${what} ${quote(token)} of "${owner}" is out of range for a 64-bit float`
			: `invalid ${what} ${quote(token)} for "${owner}": expected a float such as 1, -2.5, 1e-3, NaN, +Inf or -Inf`;
	}

	private badTimestamp(error: FloatError, token: string, name: string, exemplar = false): string {
		if (error === 'range') return `timestamp ${quote(token)} of ${owner(name, exemplar)} is out of range`;
		return this.om
			? `invalid timestamp ${quote(token)} for ${owner(name, exemplar)}: expected seconds since the epoch, e.g. 1700000000.123`
			: `invalid timestamp ${quote(token)} for ${owner(name, exemplar)}: expected integer milliseconds since the epoch`;
	}

	/**
	 * Resolves escapes in a label value or HELP text between s and e: `\\` and `\n` always, `\"` in label values
	 * and OpenMetrics HELP. Other backslashes are kept as they are, as Prometheus's parsers and the OpenMetrics
	 * ABNF (`BS normal-char`) do. Returns undefined, after a problem, for text with a lone surrogate.
	 */
	private unescape(s: number, e: number, quotes: boolean, what: string): string | undefined {
		const src = this.src;
		let out = '';
		let from = s;
		for (let i = s; i < e; i++) {
			const c = src.charCodeAt(i);
			if (c === BACKSLASH && i + 1 < e) {
				const next = src.charCodeAt(i + 1);
				const replacement = next === BACKSLASH ? '\\' : next === 110 ? '\n' : next === QUOTE && quotes ? '"' : undefined;
				if (replacement !== undefined) {
					out += src.slice(from, i) + replacement;
					i++;
					from = i + 1;
				}
			} else if (what !== '' && c >= 0xd800 && c <= 0xdfff) {
				if (c <= 0xdbff && i + 1 < e && isLowSurrogate(src.charCodeAt(i + 1))) i++;
				else {
					this.fail(`${what} is not valid Unicode (a lone surrogate at column ${i - this.lineStart + 1})`);
					return undefined;
				}
			}
		}
		return from === s ? src.slice(s, e) : out + src.slice(from, e);
	}
}

// ---- Scanners (pure functions over the source string) ----

function isBlank(c: number): boolean {
	return c === SPACE || c === TAB;
}

function isLowSurrogate(c: number): boolean {
	return c >= 0xdc00 && c <= 0xdfff;
}

function skipBlanks(src: string, i: number, e: number): number {
	while (i < e && isBlank(src.charCodeAt(i))) i++;
	return i;
}

function scanToBlank(src: string, i: number, e: number): number {
	while (i < e && !isBlank(src.charCodeAt(i))) i++;
	return i;
}

function scanToSpace(src: string, i: number, e: number): number {
	while (i < e && src.charCodeAt(i) !== SPACE) i++;
	return i;
}

/** The end of the metric name starting at i, or i when there is none. */
function scanMetricName(src: string, i: number, e: number): number {
	if (i >= e || !hasClass(src.charCodeAt(i), NAME_START)) return i;
	i++;
	while (i < e && hasClass(src.charCodeAt(i), NAME_CHAR)) i++;
	return i;
}

/**
 * Checks `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?` over the whole of [s, e): the decimal
 * floats of Go's ParseFloat (Prometheus refuses its hex and `_` forms) and the OpenMetrics `realnumber`.
 * Returns the index of the exponent marker (e when there is none), or -1 when the syntax is wrong.
 */
function scanDecimal(src: string, s: number, e: number): number {
	let i = s;
	let c = i < e ? src.charCodeAt(i) : -1;
	if (c === PLUS || c === MINUS) i++;
	let digits = 0;
	while (i < e && isDigit(src.charCodeAt(i))) {
		i++;
		digits++;
	}
	if (i < e && src.charCodeAt(i) === DOT) {
		i++;
		while (i < e && isDigit(src.charCodeAt(i))) {
			i++;
			digits++;
		}
	}
	if (digits === 0) return -1;
	if (i === e) return e;
	c = src.charCodeAt(i);
	if (c !== 101 && c !== 69) return -1;
	const exponentAt = i;
	i++;
	c = i < e ? src.charCodeAt(i) : -1;
	if (c === PLUS || c === MINUS) i++;
	const exponentDigits = i;
	while (i < e && isDigit(src.charCodeAt(i))) i++;
	return i === e && i > exponentDigits ? exponentAt : -1;
}

function isDigit(c: number): boolean {
	return c >= DIGIT_0 && c <= DIGIT_9;
}

/**
 * A sample value: a decimal float, or `NaN`, `Inf`, `Infinity` in any case, the infinities with an optional sign
 * (what Go's ParseFloat accepts, and the OpenMetrics ABNF's case-insensitive `number`).
 */
function parseFloatToken(src: string, s: number, e: number): number | FloatError {
	if (s >= e) return 'syntax';
	const first = src.charCodeAt(s);
	const signed = first === PLUS || first === MINUS;
	if (signed && s + 1 === e) return 'syntax';
	const c = src.charCodeAt(signed ? s + 1 : s) | 0x20;
	if (c === 105 || c === 110) {
		// 'i' or 'n'
		if (e - s > 9) return 'syntax';
		const word = src.slice(signed ? s + 1 : s, e).toLowerCase();
		if (word === 'inf' || word === 'infinity') return first === MINUS ? -Infinity : Infinity;
		if (word === 'nan' && !signed) return NaN;
		return 'syntax';
	}
	const exponentAt = scanDecimal(src, s, e);
	if (exponentAt < 0) return 'syntax';
	const value = fastDecimal(src, s, e, exponentAt) ?? Number(src.slice(s, e));
	return Number.isFinite(value) ? value : 'range';
}

/** Exact powers of ten as float64 (up to 1e22, the largest that is exact). */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * Clinger's fast path for a checked decimal: with at most 15 significant digits the mantissa is an exact integer,
 * and one multiplication or division by an exact power of ten (at most 1e22) is correctly rounded, so this
 * equals Number(text). Undefined when the fast path does not apply (then Number() does the work).
 */
function fastDecimal(src: string, s: number, e: number, exponentAt: number): number | undefined {
	let i = s;
	const first = src.charCodeAt(i);
	if (first === PLUS || first === MINUS) i++;
	let mantissa = 0;
	let digits = 0;
	let scale = 0;
	let fraction = false;
	for (; i < exponentAt; i++) {
		const c = src.charCodeAt(i);
		if (c === DOT) {
			fraction = true;
			continue;
		}
		if (fraction) scale--;
		if (digits > 0 || c !== DIGIT_0) {
			if (++digits > 15) return undefined;
			mantissa = mantissa * 10 + (c - DIGIT_0);
		}
	}
	if (exponentAt < e) {
		if (e - exponentAt > 5) return undefined;
		scale += Number(src.slice(exponentAt + 1, e));
	}
	let value: number;
	if (mantissa === 0) value = 0;
	else if (scale === 0) value = mantissa;
	else if (scale > 0 && scale <= 22) value = mantissa * (POWERS_OF_TEN[scale] as number);
	else if (scale < 0 && scale >= -22) value = mantissa / (POWERS_OF_TEN[-scale] as number);
	else return undefined;
	return first === MINUS ? -value : value;
}

/** Text format: integer milliseconds, as Go's ParseInt (an optional sign), within the safe integers. */
function parseTextTimestamp(src: string, s: number, e: number): number | FloatError {
	let i = s;
	const c = src.charCodeAt(i);
	if (c === PLUS || c === MINUS) i++;
	if (i === e) return 'syntax';
	for (; i < e; i++) if (!isDigit(src.charCodeAt(i))) return 'syntax';
	const ms = Number(src.slice(s, e));
	return Math.abs(ms) <= Number.MAX_SAFE_INTEGER ? ms + 0 : 'range';
}

/**
 * OpenMetrics: a `realnumber` of seconds, to milliseconds rounded half up. The decimal point is moved in the
 * text (`1.0005` is read as `1.0005e3`), so that the scaling adds no binary rounding error of its own.
 */
function parseOmTimestamp(src: string, s: number, e: number): number | FloatError {
	const exponentAt = scanDecimal(src, s, e);
	if (exponentAt < 0) return 'syntax';
	let exponent = exponentAt < e ? Number(src.slice(exponentAt + 1, e)) : 0;
	// Beyond this the result is 0 or out of range anyway; clamping keeps the exponent a plain integer.
	exponent = Math.max(-100_000, Math.min(100_000, exponent));
	const ms = Math.round(Number(`${src.slice(s, exponentAt)}e${exponent + 3}`));
	return Number.isFinite(ms) && Math.abs(ms) <= Number.MAX_SAFE_INTEGER ? ms + 0 : 'range';
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the code units of `text`, continuing from `seed`. */
function hashString(text: string, seed: number): number {
	let hash = seed;
	for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
	return hash;
}

/** Whether src[a, a + length) and src[b, b + length) are the same text. */
function sameRange(src: string, a: number, b: number, length: number): boolean {
	for (let k = 0; k < length; k++) if (src.charCodeAt(a + k) !== src.charCodeAt(b + k)) return false;
	return true;
}

/** Murmur3's finaliser: spreads the bits of an FNV hash before hashes are summed or used as keys. */
function mix(hash: number): number {
	hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
	hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
	return (hash ^ (hash >>> 16)) | 0;
}

function sameSeries(a: ParsedSample, b: ParsedSample): boolean {
	return a.name === b.name && sameMetric(a.labels, undefined, b.labels, undefined);
}

function codePointLength(text: string): number {
	let n = text.length;
	for (let i = 0; i < text.length - 1; i++) {
		const c = text.charCodeAt(i);
		if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
			n--;
			i++;
		}
	}
	return n;
}

/** A quoted excerpt of input for a message, cut to 40 characters. */
function quote(text: string): string {
	return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function formatNumber(value: number): string {
	return Number.isNaN(value) ? 'NaN' : value === Infinity ? '+Inf' : value === -Infinity ? '-Inf' : String(value);
}

function escapeLabelValue(value: string): string {
	let needs = false;
	for (let i = 0; i < value.length; i++) {
		const c = value.charCodeAt(i);
		if (c === BACKSLASH || c === QUOTE || c === LF) {
			needs = true;
			break;
		}
	}
	return needs ? value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`)) : value;
}

/** `name{a="1",b="2"}` with label names sorted (just `name` without labels); `skip` leaves one label out. */
function seriesKey(name: string, labels: Record<string, string>): string {
	return name + labelsKey(labels, undefined);
}

/** `{a="1",b="2"}` with label names sorted and `skip` left out; '' for no labels. */
function labelsKey(labels: Record<string, string>, skip: string | undefined): string {
	const keys = sortedKeys(labels);
	let out = '';
	for (const key of keys) {
		if (key === skip) continue;
		out += (out === '' ? '{' : ',') + key + '="' + escapeLabelValue(labels[key] as string) + '"';
	}
	return out === '' ? '' : out + '}';
}

/** Label names in code unit order. Insertion sort for the usual handful (Array.prototype.sort costs more there). */
function sortedKeys(labels: Record<string, string>): string[] {
	const keys = Object.keys(labels);
	const n = keys.length;
	if (n > 16) return keys.sort();
	for (let i = 1; i < n; i++) {
		const key = keys[i] as string;
		let j = i - 1;
		while (j >= 0 && (keys[j] as string) > key) {
			keys[j + 1] = keys[j] as string;
			j--;
		}
		keys[j + 1] = key;
	}
	return keys;
}

/** Whether two label sets are equal once `skipA` is left out of `a` and `skipB` out of `b`. */
function sameMetric(a: Record<string, string>, skipA: string | undefined, b: Record<string, string>, skipB: string | undefined): boolean {
	let count = 0;
	for (const key in a) {
		if (key === skipA) continue;
		if (key === skipB || !Object.hasOwn(b, key) || b[key] !== a[key]) return false;
		count++;
	}
	for (const key in b) if (key !== skipB) count--;
	return count === 0;
}

/** How messages name the owner of labels or a timestamp: `"foo"`, or `the exemplar of "foo"`. */
function owner(name: string, exemplar: boolean): string {
	return exemplar ? `the exemplar of "${name}"` : `"${name}"`;
}

function afterName(name: string, hasLabels: boolean): string {
	return hasLabels ? `the labels of "${name}"` : `the metric name "${name}"`;
}
