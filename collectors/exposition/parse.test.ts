/**
 * Unit tests of the exposition parser: each rule of the Prometheus text format 0.0.4 and OpenMetrics 1.0 with
 * concrete expositions and the exact families, problems and duplicates expected, plus the content type helpers.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatFromContentType, parseExposition, SCRAPE_ACCEPT, type ExpositionFormat, type ParsedSample, type ParseResult } from './parse';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** Lines joined with "\n", with the final newline. */
const lines = (...text: string[]): string => `${text.join('\n')}\n`;
/** Lines of an OpenMetrics exposition, `# EOF` added. */
const om = (...text: string[]): string => lines(...text, '# EOF');

const text = (exposition: string): ParseResult => parseExposition(exposition, 'prometheus-text');
const openMetrics = (exposition: string): ParseResult => parseExposition(exposition, 'openmetrics');

function s(name: string, labels: Record<string, string>, value: number, timestampMs?: number): ParsedSample {
	return timestampMs === undefined ? { name, labels, value } : { name, labels, value, timestampMs };
}

/** All samples of a result, in family order. */
const samples = (result: ParseResult): ParsedSample[] => result.families.flatMap((f) => f.samples);

/** The problems of parsing one malformed line among good ones: the good lines must still parse. */
function problemsOf(format: ExpositionFormat, line: string, prelude: string[] = []): ParseResult['problems'] {
	const body = [...prelude, line, 'after_the_bad_line 1'];
	const result = format === 'openmetrics' ? openMetrics(om(...body)) : text(lines(...body));
	expect(samples(result).at(-1)).toEqual(s('after_the_bad_line', {}, 1));
	return result.problems;
}

describe('parseExposition: Prometheus text format 0.0.4', () => {
	it('parses a complete exposition: counters, a histogram, a summary, gauges, escapes, timestamps and a duplicate', () => {
		const result = text(fixture('text-0.0.4.prom'));
		expect(result.problems).toEqual([]);
		expect(result.duplicates).toEqual([{ line: 31, series: 'http_requests_total{code="200",method="post"}' }]);
		expect(result.families).toEqual([
			{
				name: 'http_requests_total',
				type: 'counter',
				help: 'The total number of HTTP requests.',
				samples: [
					s('http_requests_total', { method: 'post', code: '200' }, 1027, 1395066363000),
					s('http_requests_total', { method: 'post', code: '400' }, 3, 1395066363000)
				]
			},
			{
				name: 'http_request_duration_seconds',
				type: 'histogram',
				help: 'Request duration.\nIn seconds, from C:\\timer.',
				samples: [
					s('http_request_duration_seconds_bucket', { le: '0.05' }, 24054),
					s('http_request_duration_seconds_bucket', { le: '0.1' }, 33444),
					s('http_request_duration_seconds_bucket', { le: '1' }, 133988),
					s('http_request_duration_seconds_bucket', { le: '+Inf' }, 144320),
					s('http_request_duration_seconds_sum', {}, 53423),
					s('http_request_duration_seconds_count', {}, 144320)
				]
			},
			{
				name: 'rpc_duration_seconds',
				type: 'summary',
				help: 'A summary of the RPC duration in seconds.',
				samples: [
					s('rpc_duration_seconds', { quantile: '0.01' }, 3102),
					s('rpc_duration_seconds', { quantile: '0.5' }, 4773),
					s('rpc_duration_seconds', { quantile: '0.99' }, 76656),
					s('rpc_duration_seconds_sum', {}, 17560473),
					s('rpc_duration_seconds_count', {}, 2693)
				]
			},
			{
				name: 'room_temperature_celsius',
				type: 'gauge',
				samples: [
					s('room_temperature_celsius', { room: 'attic' }, NaN),
					s('room_temperature_celsius', { room: 'boiler' }, Infinity),
					s('room_temperature_celsius', { room: 'cellar' }, -Infinity),
					s('room_temperature_celsius', { room: 'den' }, -1.25)
				]
			},
			{
				name: 'msdos_file_access_time_seconds',
				type: 'unknown',
				samples: [s('msdos_file_access_time_seconds', { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' }, 1458255915)]
			},
			{ name: 'metric_without_timestamp_and_labels', type: 'unknown', samples: [s('metric_without_timestamp_and_labels', {}, 12.47)] },
			{ name: 'something_weird', type: 'unknown', samples: [s('something_weird', { problem: 'division by zero' }, Infinity, -3982045)] }
		]);
		expect(Object.is(result.families[3]?.samples[0]?.value, NaN)).toBe(true);
	});

	it('resolves the escapes of HELP: \\\\ and \\n, other backslashes kept as Prometheus does', () => {
		const result = text(lines(String.raw`# HELP a_metric One\\two\nthree \"four\" \t five`, 'a_metric 1'));
		expect(result.problems).toEqual([]);
		expect(result.families[0]?.help).toBe('One\\two\nthree \\"four\\" \\t five');
	});

	it('resolves the escapes of label values: \\\\, \\" and \\n, other backslashes kept', () => {
		const result = text(lines(String.raw`m{a="\\",b="\"",c="\n",d="x\\\"y\\n",e="\t",f="",g="é 🙂 \u0000"} 1`));
		expect(result.problems).toEqual([]);
		expect(samples(result)[0]?.labels).toEqual({ a: '\\', b: '"', c: '\n', d: 'x\\"y\\n', e: '\\t', f: '', g: 'é 🙂 \\u0000' });
	});

	it('takes HELP and TYPE in either order, ignores other comments, blank lines and # UNIT / # EOF lines', () => {
		const result = text(
			lines(
				'# TYPE jobs_queued gauge',
				'#HELP jobs_queued not a HELP line: no space after #',
				'# HELP jobs_queued   Jobs waiting.  ',
				'# UNIT jobs_queued jobs',
				'   ',
				'# some comment',
				'#',
				'# HELP',
				'jobs_queued 4',
				'# EOF'
			)
		);
		expect(result).toEqual({
			families: [{ name: 'jobs_queued', type: 'gauge', help: 'Jobs waiting.', samples: [s('jobs_queued', {}, 4)] }],
			problems: [],
			duplicates: []
		});
	});

	it('separates tokens by any blanks and tabs, allows leading and trailing blanks, a trailing comma and empty braces', () => {
		const result = text(
			lines(' \t a{ x = "1" ,\ty="2", }\t 5 \t 1700000000000 \t', 'b{} 6', 'c {x="1"} 7', 'd{x="1"}8', 'e{x="1",} 9', 'f 10 ')
		);
		expect(result.problems).toEqual([]);
		expect(samples(result)).toEqual([
			s('a', { x: '1', y: '2' }, 5, 1700000000000),
			s('b', {}, 6),
			s('c', { x: '1' }, 7),
			s('d', { x: '1' }, 8),
			s('e', { x: '1' }, 9),
			s('f', {}, 10)
		]);
	});

	it('maps untyped to unknown, and a HELP without TYPE gives an unknown family with its help', () => {
		const result = text(lines('# TYPE legacy untyped', 'legacy 1', '# HELP described Has help only.', 'described 2'));
		expect(result.families).toEqual([
			{ name: 'legacy', type: 'unknown', samples: [s('legacy', {}, 1)] },
			{ name: 'described', type: 'unknown', help: 'Has help only.', samples: [s('described', {}, 2)] }
		]);
	});

	it('keeps families declared without samples', () => {
		expect(text(lines('# HELP lonely Nobody reports me.', '# TYPE lonely counter')).families).toEqual([
			{ name: 'lonely', type: 'counter', help: 'Nobody reports me.', samples: [] }
		]);
	});

	it('groups _bucket/_sum/_count into histograms and _sum/_count into summaries; other samples form unknown families', () => {
		const result = text(
			lines(
				'# TYPE lat histogram',
				'lat_bucket{le="1"} 1',
				'lat_sum 2',
				'lat_count 1',
				'lat_total 3',
				'# TYPE size summary',
				'size_count 4',
				'size_sum 5',
				'size_bucket{le="1"} 6',
				'# TYPE orders counter',
				'orders_total 7'
			)
		);
		expect(result.problems).toEqual([]);
		expect(result.families.map((f) => [f.name, f.type, f.samples.map((x) => x.name)])).toEqual([
			['lat', 'histogram', ['lat_bucket', 'lat_sum', 'lat_count']],
			['lat_total', 'unknown', ['lat_total']],
			['size', 'summary', ['size_count', 'size_sum']],
			['size_bucket', 'unknown', ['size_bucket']],
			['orders', 'counter', []],
			['orders_total', 'unknown', ['orders_total']]
		]);
	});

	it('merges a family whose lines are split (Prometheus accepts it in the text format)', () => {
		const result = text(lines('# TYPE a gauge', 'a{x="1"} 1', 'b 2', 'a{x="2"} 3'));
		expect(result.problems).toEqual([]);
		expect(result.families).toEqual([
			{ name: 'a', type: 'gauge', samples: [s('a', { x: '1' }, 1), s('a', { x: '2' }, 3)] },
			{ name: 'b', type: 'unknown', samples: [s('b', {}, 2)] }
		]);
	});

	it('reports a repeated series in duplicates, whatever the label order, and keeps the first', () => {
		const result = text(
			lines('a{x="1",y="2"} 1', 'a{y="2",x="1"} 2', 'a{x="1"} 3', 'a 4', 'a 5', String.raw`a{x="q\"\n"} 6`, String.raw`a{x="q\"\n"} 7`)
		);
		expect(result.problems).toEqual([]);
		expect(result.duplicates).toEqual([
			{ line: 2, series: 'a{x="1",y="2"}' },
			{ line: 5, series: 'a' },
			{ line: 7, series: 'a{x="q\\"\\n"}' }
		]);
		expect(samples(result).map((x) => x.value)).toEqual([1, 3, 4, 6]);
	});

	it('reads values as Go floats (decimal forms, exponents, NaN and infinities in any case)', () => {
		const values: Array<[string, number]> = [
			['0', 0],
			['-0', -0],
			['+7', 7],
			['0042', 42],
			['1.', 1],
			['.5', 0.5],
			['-.5e-3', -0.0005],
			['1e3', 1000],
			['1E+3', 1000],
			['1.7976931348623157e308', Number.MAX_VALUE],
			['5e-324', 5e-324],
			['1e-400', 0],
			['123456789012345678901234567890', 1.2345678901234568e29],
			['0.1000000000000000055511151231257827', 0.1],
			['NaN', NaN],
			['nan', NaN],
			['Inf', Infinity],
			['+inf', Infinity],
			['-Inf', -Infinity],
			['Infinity', Infinity],
			['-INFINITY', -Infinity]
		];
		const result = text(lines(...values.map(([v], i) => `v${i} ${v}`)));
		expect(result.problems).toEqual([]);
		expect(samples(result).map((x) => x.value)).toEqual(values.map(([, v]) => v));
		expect(Object.is(samples(result)[1]?.value, -0)).toBe(true);
	});

	it('refuses values Go would not parse, and finite values beyond float64', () => {
		const bad = ['abc', '1,5', '0x10', '0x1p-2', '1_000', '1e', '1e+', '--1', '+NaN', 'Infin', '+', '.', '1.2.3', '١'];
		const result = text(lines(...bad.map((v, i) => `v${i} ${v}`), 'huge 1e400'));
		expect(samples(result)).toEqual([]);
		expect(result.problems).toEqual([
			...bad.map((v, i) => ({
				line: i + 1,
				message: `invalid value ${JSON.stringify(v)} for "v${i}": expected a float such as 1, -2.5, 1e-3, NaN, +Inf or -Inf`
			})),
			{ line: bad.length + 1, message: 'value "1e400" of "huge" is out of range for a 64-bit float' }
		]);
	});

	it('reads timestamps as integer milliseconds, with an optional sign', () => {
		const result = text(lines('a 1 1700000000123', 'b 1 -3982045', 'c 1 +5', 'd 1 0'));
		expect(samples(result).map((x) => x.timestampMs)).toEqual([1700000000123, -3982045, 5, 0]);
		const bad = text(lines('a 1 1.5', 'b 1 12a', 'c 1 9007199254740993', 'd 1 -'));
		expect(bad.problems).toEqual([
			{ line: 1, message: 'invalid timestamp "1.5" for "a": expected integer milliseconds since the epoch' },
			{ line: 2, message: 'invalid timestamp "12a" for "b": expected integer milliseconds since the epoch' },
			{ line: 3, message: 'timestamp "9007199254740993" of "c" is out of range' },
			{ line: 4, message: 'invalid timestamp "-" for "d": expected integer milliseconds since the epoch' }
		]);
	});

	describe('malformed lines are skipped with a specific problem, and parsing goes on', () => {
		const cases: Array<[string, string, string[]?]> = [
			['foo', 'expected a value after the metric name "foo", found end of line'],
			['foo{a="1"}', 'expected a value after the labels of "foo", found end of line'],
			['foo abc', 'invalid value "abc" for "foo": expected a float such as 1, -2.5, 1e-3, NaN, +Inf or -Inf'],
			['foo{a="1} 2', 'unterminated value of label "a": expected a closing double quote before the end of the line'],
			['foo{a="1\\"} 2', 'unterminated value of label "a": expected a closing double quote before the end of the line'],
			['foo{code} 1', 'expected "=" after label name "code", found "}" at column 9'],
			['foo{code 1', 'expected "=" after label name "code", found "1" at column 10'],
			['foo{code=200} 1', 'expected a label value in double quotes after "code=", found "2" at column 10'],
			['foo{a="1" b="2"} 1', 'expected "," or "}" after the value of label "a", found "b" at column 11'],
			['foo{a="1",,b="2"} 1', 'expected a label name or "}" in the labels of "foo", found "," at column 11'],
			['foo{1a="1"} 1', 'expected a label name or "}" in the labels of "foo", found "1" at column 5'],
			['foo{a="1"', 'expected "," or "}" after the value of label "a", found end of line'],
			['foo{a="1",', 'unterminated label set of "foo": expected a label name or "}", found end of line'],
			['1abc 2', 'invalid metric name "1abc": a metric name must match [a-zA-Z_:][a-zA-Z0-9_:]*'],
			['{a="1"} 2', 'expected a metric name, found "{" at column 1'],
			['foo-bar 1', 'unexpected character after the metric name "foo", found "-" at column 4: expected "{" or a space'],
			['foo{__reserved="x"} 1', 'label name "__reserved" is reserved: names starting with "__" are not allowed'],
			['foo{a="1",b="2",a="3"} 1', 'label "a" appears twice in the labels of "foo"'],
			['foo{a="\ud800"} 1', 'the value of label "a" is not valid Unicode (a lone surrogate at column 8)'],
			['foo 1 2 3', 'unexpected text after the timestamp of "foo", found "3" at column 9'],
			['foo 1\r', 'line ends with a carriage return ("\\r"): lines must end with "\\n" only'],
			['h_bucket{le="abc"} 1', 'invalid "le" value "abc" on "h_bucket": expected a float or "+Inf"', ['# TYPE h histogram']],
			['h_bucket{le="NaN"} 1', 'invalid "le" value "NaN" on "h_bucket": a bucket bound must not be NaN', ['# TYPE h histogram']],
			['h_bucket{a="1"} 1', 'histogram bucket "h_bucket" has no "le" label', ['# TYPE h histogram']],
			['h 1', 'sample "h" does not fit the histogram family "h": expected one of "h_bucket", "h_sum", "h_count"', ['# TYPE h histogram']],
			['q{a="1"} 1', 'summary quantile "q" has no "quantile" label', ['# TYPE q summary']],
			['q{quantile="high"} 1', 'invalid "quantile" value "high" on "q": expected a float', ['# TYPE q summary']],
			['# TYPE x gaugehistogram', 'unknown metric type "gaugehistogram" for "x": expected counter, gauge, histogram, summary or untyped'],
			['# TYPE x Counter', 'unknown metric type "Counter" for "x": expected counter, gauge, histogram, summary or untyped'],
			['# TYPE x', 'expected a metric type after "# TYPE x", found end of line'],
			['# TYPE x counter gauge', 'unexpected text after the type in "# TYPE x", found "g" at column 18'],
			['# TYPE 1x counter', 'expected a metric name after "# TYPE", found "1" at column 8'],
			['# HELP ', 'expected a metric name after "# HELP", found end of line'],
			['# HELP x-y z', 'expected whitespace after the metric name "x" in HELP, found "-" at column 9'],
			['# HELP x bad \ud800', 'the HELP text is not valid Unicode (a lone surrogate at column 14)'],
			['# TYPE t gauge', 'second TYPE line for "t": only one is allowed', ['# TYPE t counter']],
			['# HELP t again', 'second HELP line for "t": only one is allowed', ['# HELP t once']],
			['# TYPE t gauge', 'TYPE line for "t" comes after its samples: it must come first', ['t 1']]
		];
		for (const [line, message, prelude] of cases) {
			it(`${JSON.stringify(line)}: ${message}`, () => {
				expect(problemsOf('prometheus-text', line, prelude)).toEqual([{ line: (prelude?.length ?? 0) + 1, message }]);
			});
		}
	});

	it('reports a last line without a line feed, and keeps its sample', () => {
		const result = text('a 1\nb 2');
		expect(result.problems).toEqual([{ line: 2, message: 'the last line does not end with a line feed ("\\n")' }]);
		expect(samples(result)).toEqual([s('a', {}, 1), s('b', {}, 2)]);
		expect(text('a 1\n   ').problems).toEqual([]);
	});

	it('keeps at most 100 problems', () => {
		const result = text(lines(...Array.from({ length: 150 }, () => 'bad{'), 'good 1'));
		expect(result.problems).toHaveLength(100);
		expect(result.problems[0]?.line).toBe(1);
		expect(result.problems[99]?.line).toBe(100);
		expect(samples(result)).toEqual([s('good', {}, 1)]);
	});

	it('returns nothing for empty and blank input', () => {
		for (const input of ['', '\n', '\n\n\n', ' \t \n']) expect(text(input)).toEqual({ families: [], problems: [], duplicates: [] });
	});
});

const OM_TYPE_LIST = 'expected counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown';
const TOGETHER = 'comes after lines of another family: the lines of a metric family must be together';

describe('parseExposition: OpenMetrics 1.0', () => {
	it('parses a complete exposition: summary with UNIT, counter with _total/_created, exemplars, gaugehistogram, info, stateset', () => {
		const result = openMetrics(fixture('openmetrics-1.0.txt'));
		expect(result.problems).toEqual([]);
		expect(result.duplicates).toEqual([]);
		const v1 = { path: '/api/v1', method: 'GET' };
		const v2 = { path: '/api/v2', method: 'POST' };
		expect(result.families).toEqual([
			{
				name: 'acme_http_router_request_seconds',
				type: 'summary',
				unit: 'seconds',
				help: "Latency though all of ACME's HTTP request router.",
				samples: [
					s('acme_http_router_request_seconds_sum', v1, 9036.32),
					s('acme_http_router_request_seconds_count', v1, 807283),
					s('acme_http_router_request_seconds_created', v1, 1605281325),
					s('acme_http_router_request_seconds_sum', v2, 479.3),
					s('acme_http_router_request_seconds_count', v2, 34),
					s('acme_http_router_request_seconds_created', v2, 1605281325)
				]
			},
			{
				name: 'go_goroutines',
				type: 'gauge',
				help: 'Number of goroutines that "currently" exist.\nSee also: C:\\go.',
				samples: [s('go_goroutines', {}, 69)]
			},
			{
				name: 'process_cpu_seconds',
				type: 'counter',
				unit: 'seconds',
				help: 'Total user and system CPU time spent in seconds.',
				samples: [s('process_cpu_seconds_total', {}, 4200722.46), s('process_cpu_seconds_created', {}, 1605281325.5)]
			},
			{
				name: 'rpc_latency_seconds',
				type: 'histogram',
				samples: [
					s('rpc_latency_seconds_bucket', { le: '0.01' }, 0),
					s('rpc_latency_seconds_bucket', { le: '0.1' }, 8),
					s('rpc_latency_seconds_bucket', { le: '1' }, 11),
					s('rpc_latency_seconds_bucket', { le: '10' }, 17),
					s('rpc_latency_seconds_bucket', { le: '+Inf' }, 17),
					s('rpc_latency_seconds_count', {}, 17),
					s('rpc_latency_seconds_sum', {}, 324789.3),
					s('rpc_latency_seconds_created', {}, 1520430000.123)
				]
			},
			{
				name: 'queue_wait_seconds',
				type: 'gaugehistogram',
				samples: [
					s('queue_wait_seconds_bucket', { le: '1.0' }, 20),
					s('queue_wait_seconds_bucket', { le: '+Inf' }, 42),
					s('queue_wait_seconds_gcount', {}, 42),
					s('queue_wait_seconds_gsum', {}, 3289.3)
				]
			},
			{ name: 'build', type: 'info', samples: [s('build_info', { version: '1.2.3', revision: 'abc' }, 1)] },
			{ name: 'door', type: 'stateset', samples: [s('door', { door: 'open' }, 1), s('door', { door: 'closed' }, 0)] },
			{
				name: 'temperature_celsius',
				type: 'gauge',
				samples: [
					s('temperature_celsius', { room: 'say "hi"\\ok\nbye' }, 21.5, 1520879607789),
					s('temperature_celsius', { room: 'b' }, NaN, 1520879607000),
					s('temperature_celsius', { room: 'c' }, -Infinity)
				]
			}
		]);
	});

	it('requires # EOF at the end: its absence is a problem on the last line', () => {
		expect(openMetrics('a 1\nb 2\n').problems).toEqual([{ line: 2, message: 'missing "# EOF" at the end of the exposition' }]);
		expect(openMetrics('a 1\nb 2').problems).toEqual([{ line: 2, message: 'missing "# EOF" at the end of the exposition' }]);
		expect(openMetrics('').problems).toEqual([{ line: 1, message: 'missing "# EOF" at the end of the exposition' }]);
		expect(samples(openMetrics('a 1\n'))).toEqual([s('a', {}, 1)]);
		expect(openMetrics('a 1\n# EOF').problems).toEqual([]);
		expect(openMetrics('# EOF\n')).toEqual({ families: [], problems: [], duplicates: [] });
	});

	it('refuses text after # EOF, and reads nothing from it', () => {
		const result = openMetrics('a 1\n# EOF\nb 2\n');
		expect(result.problems).toEqual([{ line: 3, message: 'unexpected text after "# EOF": it must be the last line' }]);
		expect(samples(result)).toEqual([s('a', {}, 1)]);
		expect(openMetrics('# EOF\n\n').problems).toEqual([{ line: 2, message: 'unexpected text after "# EOF": it must be the last line' }]);
	});

	it('refuses blank lines and leading whitespace', () => {
		const result = openMetrics(om('a 1', '', ' b 2', '\tc 3'));
		expect(result.problems).toEqual([
			{ line: 2, message: 'blank line: OpenMetrics does not allow empty lines' },
			{ line: 3, message: 'unexpected whitespace at the start of the line: OpenMetrics does not allow it' },
			{ line: 4, message: 'unexpected whitespace at the start of the line: OpenMetrics does not allow it' }
		]);
		expect(samples(result)).toEqual([s('a', {}, 1)]);
	});

	it('names a counter family without _total; its samples are _total and _created', () => {
		const result = openMetrics(
			om('# TYPE orders counter', '# HELP orders Orders placed.', 'orders_total{shop="eu"} 12', 'orders_created{shop="eu"} 1700000000.5')
		);
		expect(result).toEqual({
			families: [
				{
					name: 'orders',
					type: 'counter',
					help: 'Orders placed.',
					samples: [s('orders_total', { shop: 'eu' }, 12), s('orders_created', { shop: 'eu' }, 1700000000.5)]
				}
			],
			problems: [],
			duplicates: []
		});
	});

	it('converts float-second timestamps to milliseconds, rounded', () => {
		const stamps: Array<[string, number]> = [
			['1520879607.789', 1520879607789],
			['1520879607', 1520879607000],
			['1.0005', 1001],
			['1.0004', 1000],
			['0.0001', 0],
			['1e3', 1000000],
			['1.5E-1', 150],
			['-1.5', -1500],
			['1604676851.123456789', 1604676851123],
			['0', 0]
		];
		const result = openMetrics(om(...stamps.map(([t], i) => `g{i="${i}"} 1 ${t}`)));
		expect(result.problems).toEqual([]);
		expect(samples(result).map((x) => x.timestampMs)).toEqual(stamps.map(([, ms]) => ms));
	});

	it('refuses timestamps that are not real numbers of seconds', () => {
		const result = openMetrics(om('a 1 NaN', 'b 1 +Inf', 'c 1 12:00', 'd 1 1e400'));
		expect(result.problems).toEqual([
			{ line: 1, message: 'invalid timestamp "NaN" for "a": expected seconds since the epoch, e.g. 1700000000.123' },
			{ line: 2, message: 'invalid timestamp "+Inf" for "b": expected seconds since the epoch, e.g. 1700000000.123' },
			{ line: 3, message: 'invalid timestamp "12:00" for "c": expected seconds since the epoch, e.g. 1700000000.123' },
			{ line: 4, message: 'timestamp "1e400" of "d" is out of range' }
		]);
	});

	it('reads UNIT, which must be a suffix of the family name', () => {
		const result = openMetrics(
			om(
				'# TYPE disk_bytes gauge',
				'# UNIT disk_bytes bytes',
				'disk_bytes 5',
				'# TYPE wait gauge',
				'# UNIT wait seconds',
				'# UNIT empty_unit '
			)
		);
		expect(result.families).toEqual([
			{ name: 'disk_bytes', type: 'gauge', unit: 'bytes', samples: [s('disk_bytes', {}, 5)] },
			{ name: 'wait', type: 'gauge', samples: [] },
			{ name: 'empty_unit', type: 'unknown', samples: [] }
		]);
		expect(result.problems).toEqual([
			{ line: 5, message: 'unit "seconds" is not a suffix of the metric name "wait": the name must end in "_seconds"' }
		]);
	});

	it('treats an empty HELP as absent, and resolves \\" in HELP', () => {
		const result = openMetrics(om('# HELP quiet ', 'quiet 1', String.raw`# HELP loud Say \"hi\"\\\n`, 'loud 2'));
		expect(result.problems).toEqual([]);
		expect(result.families).toEqual([
			{ name: 'quiet', type: 'unknown', samples: [s('quiet', {}, 1)] },
			{ name: 'loud', type: 'unknown', help: 'Say "hi"\\\n', samples: [s('loud', {}, 2)] }
		]);
	});

	it('parses exemplars for syntax and discards them', () => {
		const result = openMetrics(
			om(
				'# TYPE req counter',
				'req_total{a="1"} 5 # {trace_id="abc",span_id="d"} 1.5 1700000000.001',
				'req_total{a="2"} 6 1700000000 # {} 2',
				'req_total{a="3"} 7 # {x="y"} NaN'
			)
		);
		expect(result.problems).toEqual([]);
		expect(samples(result)).toEqual([
			s('req_total', { a: '1' }, 5),
			s('req_total', { a: '2' }, 6, 1700000000000),
			s('req_total', { a: '3' }, 7)
		]);
	});

	describe('malformed lines are skipped with a specific problem, and parsing goes on', () => {
		const cases: Array<[string, string, string[]?]> = [
			['foo  1', 'expected a value after the metric name "foo", found " " at column 5'],
			['foo\t1', 'unexpected character after the metric name "foo", found "\\t" at column 4: expected "{" or a space'],
			['foo 1 ', 'expected a timestamp or " # " and an exemplar after the value of "foo", found end of line'],
			['foo{a="1"}1', 'expected a space and a value after the labels of "foo", found "1" at column 11'],
			['foo{a="1",} 1', 'trailing comma before "}" in the labels of "foo": OpenMetrics does not allow it'],
			['foo{a="1", b="2"} 1', 'expected a label name or "}" in the labels of "foo", found " " at column 11'],
			['foo{a ="1"} 1', 'expected "=" after label name "a", found " " at column 6'],
			['foo abc', 'invalid value "abc" for "foo": expected a float such as 1, -2.5, 1e-3, NaN, +Inf or -Inf'],
			['foo 1 2 3', 'expected end of line or " # " and an exemplar after the timestamp of "foo", found "3" at column 9'],
			['foo 1 # {a="1"}', 'expected a space and a value after the exemplar labels of "foo", found end of line'],
			['foo 1 # {a="1"} x', 'invalid exemplar value "x" for "foo": expected a float such as 1, -2.5, 1e-3, NaN, +Inf or -Inf'],
			['foo 1 # {a="1"} 1 2 3', 'unexpected text after the exemplar timestamp of "foo", found " " at column 20'],
			['foo 1 # a', 'expected " # {" to start the exemplar of "foo", found " " at column 8'],
			['foo{__name__="x"} 1', 'label name "__name__" is reserved: names starting with "__" are not allowed'],
			['foo{a="1",a="1"} 1', 'label "a" appears twice in the labels of "foo"'],
			['# some comment', 'expected "# HELP ", "# TYPE ", "# UNIT " or "# EOF": OpenMetrics allows no other lines starting with "#"'],
			['#TYPE foo gauge', 'expected "# HELP ", "# TYPE ", "# UNIT " or "# EOF": OpenMetrics allows no other lines starting with "#"'],
			['# EOF ', 'expected "# HELP ", "# TYPE ", "# UNIT " or "# EOF": OpenMetrics allows no other lines starting with "#"'],
			['# TYPE foo untyped', `unknown metric type "untyped" for "foo": ${OM_TYPE_LIST}`],
			['# TYPE foo  gauge', `unknown metric type " gauge" for "foo": ${OM_TYPE_LIST}`],
			['# TYPE foo', 'expected a space and the type after the metric name "foo", found end of line'],
			['# HELP foo', 'expected a space and the help text after the metric name "foo", found end of line'],
			['# UNIT foo_s s-x', 'invalid character in the unit of "foo_s", found "-" at column 15: a unit uses [a-zA-Z0-9_:] only'],
			[
				'# TYPE foo_total counter',
				'counter family name "foo_total" must not end in "_total": name the family without it, its samples add "_total"'
			],
			['c 1', 'sample "c" does not fit the counter family "c": expected one of "c_total", "c_created"', ['# TYPE c counter']],
			['i_info 2', 'info sample "i_info" must have the value 1, not 2', ['# TYPE i info']],
			['i 1', 'sample "i" does not fit the info family "i": expected "i_info"', ['# TYPE i info']],
			['# UNIT i_s s', 'a info family must not have a unit, and "i_s" is one', ['# TYPE i_s info']],
			['# TYPE st_s stateset', 'a stateset family must not have a unit, and "st_s" has the unit "s"', ['# UNIT st_s s']],
			['st{other="a"} 1', 'stateset sample "st" needs a label "st" naming its state', ['# TYPE st stateset']],
			['st{st="a"} 0.5', 'stateset sample "st" must have the value 0 or 1, not 0.5', ['# TYPE st stateset']],
			['q{quantile="1.5"} 1', 'invalid "quantile" value "1.5" on "q": a quantile must be between 0 and 1', ['# TYPE q summary']],
			['g_bucket{le="x"} 1', 'invalid "le" value "x" on "g_bucket": expected a float or "+Inf"', ['# TYPE g gaugehistogram']],
			['g_gsum 1', `sample "g_gsum" of family "g" ${TOGETHER}`, ['# TYPE g gaugehistogram', 'g_gcount 1', 'other 1']],
			['# TYPE t gauge', 'second TYPE line for "t": only one is allowed', ['# TYPE t gauge']],
			['# HELP t x', 'HELP line for "t" comes after its samples: metadata must come first', ['t 1']],
			['# UNIT t_s s', 'second UNIT line for "t_s": only one is allowed', ['# UNIT t_s s']],
			['a 2', `sample "a" of family "a" ${TOGETHER}`, ['a{x="1"} 1', 'b 1']],
			['# HELP a x', `HELP line for "a" ${TOGETHER}`, ['# TYPE a gauge', '# TYPE b gauge']],
			['foo 1 # {a=1} 1', 'expected a label value in double quotes after "a=", found "1" at column 12'],
			['foo 1 # {a="1",a="2"} 1', 'label "a" appears twice in the labels of the exemplar of "foo"'],
			['foo 1 # {__a="1"} 1', 'label name "__a" is reserved: names starting with "__" are not allowed'],
			['foo 1 # {a="1",} 1', 'trailing comma before "}" in the labels of the exemplar of "foo": OpenMetrics does not allow it'],
			['foo 1 # {a="1"} 1 x', 'invalid timestamp "x" for the exemplar of "foo": expected seconds since the epoch, e.g. 1700000000.123'],
			['foo 1 # {a="1"} 1 1e999', 'timestamp "1e999" of the exemplar of "foo" is out of range'],
			['foo 1 1 # {a="1"} 1e999', 'exemplar value "1e999" of "foo" is out of range for a 64-bit float'],
			['foo 1 1 #', 'expected " # {" to start the exemplar of "foo", found end of line'],
			['foo 1 x # {} 1', 'invalid timestamp "x" for "foo": expected seconds since the epoch, e.g. 1700000000.123'],
			['foo NaN 1e400', 'timestamp "1e400" of "foo" is out of range'],
			['foo 1\r', 'line ends with a carriage return ("\\r"): lines must end with "\\n" only'],
			['foo{a="\udfff"} 1', 'the value of label "a" is not valid Unicode (a lone surrogate at column 8)'],
			['le_bucket 1', 'histogram bucket "le_bucket" has no "le" label', ['# TYPE le histogram']],
			['q 1', 'summary quantile "q" has no "quantile" label', ['# TYPE q summary']],
			[
				'h_bucket{x="1",le="+Inf"} 1',
				'sample "h_bucket{le="+Inf",x="1"}" comes after samples of another metric of "h": the samples of a metric must be together',
				['# TYPE h histogram', 'h_bucket{x="1",le="1"} 1', 'h_bucket{x="2",le="1"} 1']
			]
		];
		for (const [line, message, prelude] of cases) {
			it(`${JSON.stringify(line)}: ${message}`, () => {
				expect(problemsOf('openmetrics', line, prelude)).toEqual([{ line: (prelude?.length ?? 0) + 1, message }]);
			});
		}
	});

	it('accepts exemplar labels of exactly 128 characters', () => {
		const labels = `{trace_id="${'x'.repeat(120)}"}`;
		expect(openMetrics(om(`a 1 # ${labels} 1`)).problems).toEqual([]);
		expect(openMetrics(om(`a 1 # {trace_id="${'x'.repeat(121)}"} 1`)).problems).toEqual([
			{ line: 1, message: 'the exemplar labels of "a" have 129 characters: at most 128 are allowed' }
		]);
	});

	it('keeps the samples of one metric together across suffixes: buckets, count, sum and created of one label set', () => {
		const result = openMetrics(
			om(
				'# TYPE h histogram',
				'h_bucket{x="1",le="1"} 1',
				'h_bucket{x="1",le="+Inf"} 2',
				'h_count{x="1"} 2',
				'h_sum{x="1"} 3',
				'h_created{x="1"} 4',
				'h_bucket{x="2",le="+Inf"} 0',
				'h_count{x="2"} 0'
			)
		);
		expect(result.problems).toEqual([]);
		expect(samples(result)).toHaveLength(7);
	});

	it('reports a repeated series in duplicates', () => {
		const result = openMetrics(om('# TYPE g gauge', 'g{a="1"} 1 100', 'g{a="1"} 2 200'));
		expect(result.duplicates).toEqual([{ line: 3, series: 'g{a="1"}' }]);
		expect(samples(result)).toEqual([s('g', { a: '1' }, 1, 100000)]);
	});
});

describe('parseExposition: robustness and size', () => {
	it('never throws on junk, binary data, lone surrogates or a very long line, and reports it', () => {
		const junk = [
			'\u0000\u0001\u0002\uffff',
			'\ud800\udc00\ud800 {}"\\',
			'{'.repeat(100_000),
			`a{${'b="c",'.repeat(50_000)}`,
			`a{b="${'\\'.repeat(100_001)}`,
			`${'a'.repeat(1_000_000)} 1`,
			`a ${'9'.repeat(100_000)}`,
			`a 1 ${'9'.repeat(100_000)}`,
			'#'.repeat(10_000)
		];
		for (const input of junk) {
			for (const format of ['prometheus-text', 'openmetrics'] as const) {
				const result = parseExposition(input, format);
				expect(result.problems.length).toBeGreaterThan(0);
				for (const problem of result.problems) expect(problem.message.length).toBeLessThan(300);
			}
		}
		expect(parseExposition(`a ${'9'.repeat(400)}\n`, 'prometheus-text').problems).toEqual([
			{ line: 1, message: `value "${'9'.repeat(40)}…" of "a" is out of range for a 64-bit float` }
		]);
	});

	it('keeps a label set of 50,000 labels without slowing to quadratic time', () => {
		const labels = Array.from({ length: 50_000 }, (_, i) => `l${i}="${i}"`).join(',');
		const result = parseExposition(`wide{${labels}} 1\nwide{${labels}} 2\n`, 'prometheus-text');
		expect(result.problems).toEqual([]);
		expect(Object.keys(samples(result)[0]?.labels ?? {})).toHaveLength(50_000);
		expect(result.duplicates).toHaveLength(1);
	});

	describe('a 1,000-series exposition (100 histogram families of 8 buckets, sum and count)', () => {
		const build = (format: ExpositionFormat): string => {
			let out = '';
			for (let f = 0; f < 100; f++) {
				const name = `http_request_duration_seconds_${f}`;
				out += `# HELP ${name} Latency of route ${f}.\n# TYPE ${name} histogram\n`;
				let count = 0;
				for (const le of ['0.005', '0.01', '0.05', '0.1', '0.5', '1', '5', '+Inf']) {
					count += f;
					out += `${name}_bucket{method="GET",code="200",le="${le}"} ${count}\n`;
				}
				out += `${name}_sum{method="GET",code="200"} ${count * 0.25}\n${name}_count{method="GET",code="200"} ${count}\n`;
			}
			return format === 'openmetrics' ? `${out}# EOF\n` : out;
		};
		for (const format of ['prometheus-text', 'openmetrics'] as const) {
			it(`parses all of it (${format})`, () => {
				const exposition = build(format);
				const result = parseExposition(exposition, format);
				expect(result.problems).toEqual([]);
				expect(result.duplicates).toEqual([]);
				expect(result.families).toHaveLength(100);
				expect(result.families.every((f) => f.type === 'histogram' && f.samples.length === 10)).toBe(true);
				expect(samples(result)).toHaveLength(1000);
				for (let i = 0; i < 200; i++) parseExposition(exposition, format);
				const times: number[] = [];
				for (let i = 0; i < 50; i++) {
					const start = performance.now();
					parseExposition(exposition, format);
					times.push(performance.now() - start);
				}
				times.sort((a, b) => a - b);
				console.log(`${format}: 1,000 series (${exposition.length} bytes) parse in ${times[25]?.toFixed(2)} ms (median of 50, warm)`);
			});
		}
	});
});

describe('formatFromContentType', () => {
	it('recognises OpenMetrics by media type, whatever the parameters and case', () => {
		expect(formatFromContentType('application/openmetrics-text; version=1.0.0; charset=utf-8')).toBe('openmetrics');
		expect(formatFromContentType('application/openmetrics-text;version=0.0.1')).toBe('openmetrics');
		expect(formatFromContentType('  Application/OpenMetrics-Text ')).toBe('openmetrics');
	});

	it('falls back to the Prometheus text format', () => {
		expect(formatFromContentType('text/plain; version=0.0.4')).toBe('prometheus-text');
		expect(formatFromContentType('text/plain; version=0.0.4; charset=utf-8; escaping=underscores')).toBe('prometheus-text');
		expect(formatFromContentType('application/json')).toBe('prometheus-text');
		expect(formatFromContentType('')).toBe('prometheus-text');
		expect(formatFromContentType(null)).toBe('prometheus-text');
		expect(formatFromContentType(undefined)).toBe('prometheus-text');
	});
});

describe('SCRAPE_ACCEPT', () => {
	it('prefers OpenMetrics 1.0.0 and accepts text 0.0.4', () => {
		const ranges = SCRAPE_ACCEPT.split(',');
		expect(ranges[0]).toBe('application/openmetrics-text;version=1.0.0');
		expect(ranges).toContain('text/plain;version=0.0.4;q=0.5');
	});
});
