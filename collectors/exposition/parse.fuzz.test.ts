/**
 * Property tests of the exposition parser with fast-check: random families serialised by a small writer of our own
 * must parse back to themselves in both formats; mutated and arbitrary input must never make it throw, and what it
 * returns must stay well-formed (valid names, numbers, line numbers in range, no repeated series).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExposition, type ExpositionFormat, type MetricFamily, type MetricType, type ParsedSample, type ParseResult } from './parse';

// ---- Generated families and their serialisation ----

const TEXT_TYPES: MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'unknown'];
const OM_TYPES: MetricType[] = ['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'unknown'];

/** One character of a label value or HELP text: the troublesome ones often, any code point otherwise. */
const textChar = fc.oneof(
	{ weight: 1, arbitrary: fc.constantFrom('"', '\\', '\n', 'n', '\\n', ' ', '\t', '{', '}', ',', '=', '#', '\u0000', 'é', '🙂') },
	{ weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }
);
const labelValue = fc.string({ unit: textChar, maxLength: 12 });
// A HELP line must not end in a carriage return, also once the text format has trimmed its trailing blanks.
const helpText = fc.string({ unit: textChar, maxLength: 30 }).filter((h) => !/\r[ \t]*$/.test(h));
const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/).filter((n) => !n.startsWith('__') && !['le', 'quantile', 'm'].includes(n));
const labelSet = fc.uniqueArray(fc.tuple(labelName, labelValue), { selector: ([name]) => name, maxLength: 3 });

const value = fc.oneof(
	fc.double(),
	fc.integer(),
	fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 1e-300, 1e300, 0.1, 2 ** 53 + 2)
);

interface GenMetric {
	labels: Array<[string, string]>;
	values: number[];
	timestampMs: number | undefined;
	created: boolean;
	braces: boolean;
}

interface GenFamily {
	base: string;
	typeIndex: number;
	help: string | undefined;
	unit: string | undefined;
	declare: boolean;
	metrics: GenMetric[];
	buckets: string[];
	quantiles: string[];
	states: string[];
	exemplar: { labels: Array<[string, string]>; value: number; timestampMs: number | undefined } | undefined;
	style: number;
}

const timestampMs = fc.option(fc.integer({ min: -1e15, max: 1e15 }), { nil: undefined });

const genFamily: fc.Arbitrary<GenFamily> = fc.record({
	base: fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,10}$/),
	typeIndex: fc.nat(),
	help: fc.option(helpText, { nil: undefined }),
	unit: fc.option(fc.constantFrom('seconds', 'bytes', 'ratio'), { nil: undefined }),
	declare: fc.boolean(),
	metrics: fc.array(
		fc.record({
			labels: labelSet,
			values: fc.array(value, { minLength: 16, maxLength: 16 }),
			timestampMs,
			created: fc.boolean(),
			braces: fc.boolean()
		}),
		{ minLength: 1, maxLength: 3 }
	),
	buckets: fc.uniqueArray(fc.double({ noNaN: true, noDefaultInfinity: true }).map(String), { maxLength: 4 }),
	quantiles: fc.uniqueArray(fc.double({ min: 0, max: 1, noNaN: true }).map(String), { maxLength: 3 }),
	states: fc.uniqueArray(labelValue, { minLength: 1, maxLength: 3 }),
	exemplar: fc.option(fc.record({ labels: labelSet, value, timestampMs }), { nil: undefined }),
	style: fc.nat()
});

/** A family as it should parse, with the details the writer needs. */
interface Planned {
	family: MetricFamily;
	declare: boolean;
	exemplar: GenFamily['exemplar'];
	style: number;
	braces: boolean[];
}

/** Builds the expected families of a generated exposition; names are made unique with `_f<index>`. */
function plan(format: ExpositionFormat, generated: GenFamily[]): Planned[] {
	const om = format === 'openmetrics';
	return generated.map((g, index) => {
		const type = (om ? OM_TYPES : TEXT_TYPES)[g.typeIndex % (om ? OM_TYPES.length : TEXT_TYPES.length)] as MetricType;
		const unit = om && type !== 'info' && type !== 'stateset' ? g.unit : undefined;
		// A stateset's name is also a label name (its samples carry a label named after the family): no ':' there.
		const base = type === 'stateset' ? `s${g.base.replace(/:/g, '_')}` : g.base;
		const name = `${base}_f${index}${unit === undefined ? '' : `_${unit}`}`;
		const samples: ParsedSample[] = [];
		const braces: boolean[] = [];
		g.metrics.forEach((metric, k) => {
			const own = Object.fromEntries([...metric.labels.filter(([n]) => n !== name), ['m', String(k)]]);
			let next = 0;
			const add = (sampleName: string, extra: Record<string, string>, v?: number) => {
				const sampleValue = v ?? (metric.values[next++ % 16] as number);
				const sample: ParsedSample = { name: sampleName, labels: { ...own, ...extra }, value: sampleValue };
				if (metric.timestampMs !== undefined) sample.timestampMs = metric.timestampMs;
				samples.push(sample);
				braces.push(metric.braces);
			};
			if (type === 'counter') {
				add(om ? `${name}_total` : name, {});
				if (om && metric.created) add(`${name}_created`, {});
			} else if (type === 'histogram' || type === 'gaugehistogram') {
				for (const le of [...g.buckets, '+Inf']) add(`${name}_bucket`, { le });
				add(`${name}${type === 'histogram' ? '_count' : '_gcount'}`, {});
				add(`${name}${type === 'histogram' ? '_sum' : '_gsum'}`, {});
				if (om && type === 'histogram' && metric.created) add(`${name}_created`, {});
			} else if (type === 'summary') {
				for (const quantile of g.quantiles) add(name, { quantile });
				add(`${name}_sum`, {});
				add(`${name}_count`, {});
				if (om && metric.created) add(`${name}_created`, {});
			} else if (type === 'info') {
				add(`${name}_info`, {}, 1);
			} else if (type === 'stateset') {
				g.states.forEach((state, i) => add(name, { [name]: state }, (metric.values[i] as number) > 0 ? 1 : 0));
			} else {
				add(name, {});
			}
		});
		// A family without TYPE is 'unknown' (named after its sample, which is its name here); in OpenMetrics an empty
		// HELP counts as none; the text format trims the blanks around HELP.
		const declare = type !== 'unknown' || g.declare;
		let help = g.help;
		if (help !== undefined && !om) help = help.replace(/^[ \t]+|[ \t]+$/g, '');
		if (help === '' && om) help = undefined;
		const family: MetricFamily = { name, type, samples };
		if (help !== undefined) family.help = help;
		if (unit !== undefined) family.unit = unit;
		return { family, declare, exemplar: g.exemplar, style: g.style, braces };
	});
}

const escapeLabel = (v: string): string => v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
const escapeHelp = (v: string, om: boolean): string => v.replace(om ? /[\\"\n]/g : /[\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));

/** A value in one of the spellings both formats accept, picked by `style`. */
function writeValue(v: number, style: number): string {
	if (Number.isNaN(v)) return ['NaN', 'nan', 'NAN'][style % 3] as string;
	if (v === Infinity) return ['+Inf', 'Inf', '+inf', 'Infinity'][style % 4] as string;
	if (v === -Infinity) return ['-Inf', '-inf', '-Infinity'][style % 3] as string;
	switch (style % 3) {
		case 0:
			return String(v);
		case 1:
			return v.toExponential();
		default:
			return v.toPrecision(17);
	}
}

/** OpenMetrics timestamps: exact decimal seconds from integer milliseconds. */
function writeSeconds(ms: number, style: number): string {
	const sign = ms < 0 ? '-' : '';
	const abs = Math.abs(ms);
	if (style % 2 === 1) return `${sign}${abs}e-3`;
	return `${sign}${Math.floor(abs / 1000)}.${String(abs % 1000).padStart(3, '0')}`;
}

/** A label set; `loose` (text format only) adds the blanks, tabs and trailing comma that format allows. */
function writeLabels(labels: Record<string, string>, braces: boolean, loose = false): string {
	const entries = Object.entries(labels);
	if (entries.length === 0) return braces ? (loose ? '{ \t}' : '{}') : '';
	if (loose) return `{ ${entries.map(([n, v]) => `${n} =\t"${escapeLabel(v)}" `).join(', ')},}`;
	return `{${entries.map(([n, v]) => `${n}="${escapeLabel(v)}"`).join(',')}}`;
}

/** Our own small writer of both formats. */
function write(format: ExpositionFormat, planned: Planned[]): string {
	const om = format === 'openmetrics';
	let out = '';
	for (const { family, declare, exemplar, style, braces } of planned) {
		if (declare) out += `# TYPE ${family.name} ${family.type === 'unknown' && !om ? 'untyped' : family.type}\n`;
		if (family.unit !== undefined) out += `# UNIT ${family.name} ${family.unit}\n`;
		if (family.help !== undefined) out += `# HELP ${family.name} ${escapeHelp(family.help, om)}\n`;
		// The text format also takes any blanks and tabs between tokens, around the line and inside label sets.
		const loose = !om && style % 3 === 2;
		const gap = loose ? ' \t ' : ' ';
		family.samples.forEach((sample, i) => {
			const labels = writeLabels(sample.labels, braces[i] ?? false, loose);
			let line = `${loose ? '\t' : ''}${sample.name}${labels}${gap}${writeValue(sample.value, style + i)}`;
			if (sample.timestampMs !== undefined) line += `${gap}${om ? writeSeconds(sample.timestampMs, style + i) : sample.timestampMs}`;
			if (loose) line += ' ';
			if (om && exemplar && (sample.name.endsWith('_total') || sample.name.endsWith('_bucket'))) {
				line += ` # ${writeLabels(Object.fromEntries(exemplar.labels), true)} ${writeValue(exemplar.value, style)}`;
				if (exemplar.timestampMs !== undefined) line += ` ${writeSeconds(exemplar.timestampMs, style)}`;
			}
			out += `${line}\n`;
		});
	}
	return om ? `${out}# EOF\n` : out;
}

/** Values with -0 as 0: the writer may lose the sign of zero. */
function normalised(families: MetricFamily[]): MetricFamily[] {
	return families.map((f) => ({ ...f, samples: f.samples.map((s) => ({ ...s, value: s.value === 0 ? 0 : s.value })) }));
}

// ---- Invariants of any result ----

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<string>(OM_TYPES);

/** What is wrong with a result (nothing, normally): checked in plain code and asserted once, which is much faster. */
function violations(input: string, result: ParseResult): string[] {
	const wrong: string[] = [];
	const lineCount = Math.max(1, input.split('\n').length);
	if (result.problems.length > 100) wrong.push(`${result.problems.length} problems kept`);
	for (const { line, message } of [...result.problems, ...result.duplicates.map((d) => ({ line: d.line, message: d.series }))]) {
		if (!Number.isInteger(line) || line < 1 || line > lineCount) wrong.push(`line ${line} of ${lineCount}: ${message}`);
		if (message === '' || message.startsWith('internal parser error')) wrong.push(`message: ${message}`);
	}
	const series = new Set<string>();
	let count = 0;
	for (const family of result.families) {
		if (!TYPES.has(family.type)) wrong.push(`type ${family.type}`);
		if (!METRIC_NAME.test(family.name)) wrong.push(`family name ${family.name}`);
		for (const sample of family.samples) {
			count++;
			if (!METRIC_NAME.test(sample.name)) wrong.push(`sample name ${sample.name}`);
			if (typeof sample.value !== 'number') wrong.push(`value ${String(sample.value)}`);
			if (sample.timestampMs !== undefined && !Number.isSafeInteger(sample.timestampMs)) wrong.push(`timestamp ${sample.timestampMs}`);
			for (const [name, v] of Object.entries(sample.labels)) {
				if (!LABEL_NAME.test(name) || name.startsWith('__')) wrong.push(`label name ${name}`);
				if (typeof v !== 'string') wrong.push(`label value ${String(v)}`);
			}
			const keys = Object.keys(sample.labels).sort();
			series.add(JSON.stringify([sample.name, ...keys.map((k) => [k, sample.labels[k]])]));
		}
	}
	if (series.size !== count) wrong.push(`${count - series.size} repeated series`);
	return wrong;
}

// ---- Properties ----

const FORMATS: ExpositionFormat[] = ['prometheus-text', 'openmetrics'];

/** Each property does a fixed number of runs: 2 to 6 s on a busy 2-core machine, past vitest's 5 s default. */
const PROPERTY_TIMEOUT_MS = 30_000;

describe('parseExposition (property tests)', () => {
	for (const format of FORMATS) {
		it(`round-trips generated families through our writer (${format})`, () => {
			fc.assert(
				fc.property(fc.array(genFamily, { maxLength: 6 }), (generated) => {
					const planned = plan(format, generated);
					const exposition = write(format, planned);
					const result = parseExposition(exposition, format);
					expect(result.problems).toEqual([]);
					expect(result.duplicates).toEqual([]);
					expect(normalised(result.families)).toEqual(normalised(planned.map((p) => p.family)));
				}),
				{ numRuns: 500 }
			);
		}, PROPERTY_TIMEOUT_MS);
	}

	const mutationChar = fc.oneof(
		fc.constantFrom('{', '}', '"', '\\', '=', ',', '#', '\n', ' ', '\t', '\r', '_', 'a', '1', '.', '-', '+', 'e', '\ud800', '\udc00'),
		fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })
	);
	const mutation = fc.record({ op: fc.constantFrom('delete', 'insert', 'replace'), at: fc.nat(), char: mutationChar });
	const mutations = fc.array(mutation, { minLength: 1, maxLength: 8 });

	for (const format of FORMATS) {
		it(`never throws on mutated expositions, and returns well-formed results (${format})`, () => {
			fc.assert(
				fc.property(fc.array(genFamily, { minLength: 1, maxLength: 4 }), mutations, (generated, edits) => {
					let input = write(format, plan(format, generated));
					for (const { op, at, char } of edits) {
						const i = at % (input.length + 1);
						if (op === 'delete') input = input.slice(0, i) + input.slice(i + 1);
						else if (op === 'insert') input = input.slice(0, i) + char + input.slice(i);
						else input = input.slice(0, i) + char + input.slice(i + 1);
					}
					expect(violations(input, parseExposition(input, format))).toEqual([]);
				}),
				{ numRuns: 1000 }
			);
		}, PROPERTY_TIMEOUT_MS);
	}

	const tokens = fc.constantFrom(
		'# HELP ',
		'# TYPE ',
		'# UNIT ',
		'# EOF',
		'counter',
		'histogram',
		'summary',
		'info',
		'stateset',
		' gauge',
		'm',
		'm_bucket',
		'm_total',
		'm_info',
		'_sum',
		'{',
		'}',
		'le="',
		'quantile="',
		'm="',
		'"',
		',',
		' ',
		'\t',
		'\n',
		'\\',
		'1.5',
		'+Inf',
		'NaN',
		' # {',
		'1e400',
		'-0'
	);
	const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
	const arbitraryInputs: Array<[string, fc.Arbitrary<string>]> = [
		['any code points', fc.string({ unit: 'binary', maxLength: 200 })],
		['any UTF-16 code units, lone surrogates included', fc.string({ unit: codeUnit, maxLength: 200 })],
		['exposition-like tokens', fc.string({ unit: tokens, maxLength: 80 })]
	];
	for (const [what, input] of arbitraryInputs) {
		it(`never throws on arbitrary strings: ${what}`, () => {
			fc.assert(
				fc.property(input, (text) => {
					for (const format of FORMATS) expect(violations(text, parseExposition(text, format))).toEqual([]);
				}),
				{ numRuns: 2000 }
			);
		}, PROPERTY_TIMEOUT_MS);
	}
});
