import { describe, expect, it } from 'vitest';
import { formatFloat, formatGoFloat, humanize, humanizeDuration, sprintf } from './gofmt';
import { compileTemplate, TemplateError } from './template';

const render = (t: string, value = 0, labels: Record<string, string> = {}, externalLabels: Record<string, string> = {}) =>
	compileTemplate(t, 'A').render({ labels, value, externalLabels });

describe('Go number formatting', () => {
	// Each pair was printed by promtool 2.42 for `{{ $value }}`.
	it.each([
		[1e6, '1e+06'],
		[1234567, '1.234567e+06'],
		[0.0001, '0.0001'],
		[0.00001, '1e-05'],
		[123456, '123456'],
		[1e21, '1e+21'],
		[1e20, '1e+20'],
		[123456789012, '1.23456789012e+11'],
		[0.1, '0.1'],
		[-0, '-0'],
		[1.5e-7, '1.5e-07'],
		[100000, '100000'],
		[999999.5, '999999.5'],
		[1e300, '1e+300'],
		[Infinity, '+Inf'],
		[-Infinity, '-Inf'],
		[NaN, 'NaN'],
		[3, '3'],
		[12345678901234567890, '1.2345678901234567e+19'],
		[0.000123, '0.000123'],
		[1234.5678, '1234.5678']
	])('%v prints as %s', (v, s) => {
		expect(formatGoFloat(v)).toBe(s);
	});

	it('rounds half to even on the exact value, as Go', () => {
		expect(formatFloat(0.5, 'f', 0)).toBe('0');
		expect(formatFloat(1.5, 'f', 0)).toBe('2');
		expect(formatFloat(2.5, 'f', 0)).toBe('2');
		expect(formatFloat(0.125, 'f', 2)).toBe('0.12');
		expect(formatFloat(0.375, 'f', 2)).toBe('0.38');
		// 2.675 is 2.67499999... as a double.
		expect(formatFloat(2.675, 'f', 2)).toBe('2.67');
		expect(formatFloat(1234.5, 'g', 4)).toBe('1234');
		expect(formatFloat(1e21, 'f', 0)).toBe('1000000000000000000000');
		expect(formatFloat(0.009, 'f', 2)).toBe('0.01');
		expect(formatFloat(0.004, 'f', 1)).toBe('0.0');
		expect(formatFloat(9.9999, 'e', 2)).toBe('1.00e+01');
	});

	it('printf with verbs and flags (checked with promtool)', () => {
		const v = { kind: 'float' as const, value: 1234.5678 };
		expect(
			sprintf('%.2f|%d|%s|%v|%g|%e|%5.1f|%-6s|%+d|%05.1f', [v, v, v, v, v, v, v, { kind: 'string', value: 'a' }, { kind: 'int', value: 3 }, v])
		).toBe('1234.57|%!d(float64=1234.5678)|%!s(float64=1234.5678)|1234.5678|1234.5678|1.234568e+03|1234.6|a     |+3|1234.6');
		const small = { kind: 'float' as const, value: 0.000123 };
		expect(sprintf('%.2f|%e|%5.1f|%05.1f', [small, small, small, small])).toBe('0.00|1.230000e-04|  0.0|000.0');
		const neg = { kind: 'float' as const, value: -1.5 };
		expect(sprintf('%5.1f|%05.1f|%e', [neg, neg, neg])).toBe(' -1.5|-01.5|-1.500000e+00');
		expect(sprintf('%q %x %d', [{ kind: 'string', value: 's' }, { kind: 'int', value: 255 }, { kind: 'float', value: 2 }])).toBe('"s" ff %!d(float64=2)');
		expect(sprintf('%05.1f|%+v|% v', [{ kind: 'float', value: Infinity }, { kind: 'float', value: NaN }, { kind: 'float', value: 2 }])).toBe(
			' +Inf|+NaN| 2'
		);
	});

	it('humanize functions (checked with promtool)', () => {
		expect(humanize(1234.5678)).toBe('1.235k');
		expect(humanize(0.000123)).toBe('123u');
		expect(humanize(123456789)).toBe('123.5M');
		expect(humanize(0)).toBe('0');
		expect(humanizeDuration(1234.5678)).toBe('20m 34s');
		expect(humanizeDuration(0.000123)).toBe('123us');
		expect(humanizeDuration(123456789)).toBe('1428d 21h 33m 9s');
		expect(humanizeDuration(-1.5)).toBe('-1.5s');
		expect(humanizeDuration(0)).toBe('0s');
	});
});

describe('templates', () => {
	it('prints labels, the value and external labels', () => {
		expect(render('{{ $labels.x }} is {{ $value }}', 1e6, { x: 'a' })).toBe('a is 1e+06');
		expect(render('{{ .Labels.x }}-{{ .Value }}-{{ $labels.missing }}-{{ $externalLabels.env }}-{{ .ExternalLabels.env }}', 1234.5678, { x: 'a' }, { env: 'prod' })).toBe(
			'a-1234.5678--prod-prod'
		);
		expect(render('{{ $labels }}', 0, { __name__: 'm', x: 'a', n: '1234' })).toBe('map[__name__:m n:1234 x:a]');
	});

	it('runs pipelines and functions as promtool does', () => {
		const labels = { x: 'a', n: '1234' };
		expect(render('{{ $labels.x | toUpper }}', 0, labels)).toBe('A');
		expect(render('{{ $labels.n | humanize }}', 0, labels)).toBe('1.234k');
		expect(render('{{ 5 | humanize }}')).toBe('5');
		expect(render(`{{ title "hello wORLD foo_bar o'neil x-y 3rd" }}`)).toBe("Hello WORLD Foo_bar O'Neil X-Y 3rd");
		expect(render('{{ humanizeDuration $value }}|{{ humanize1024 $value }}|{{ humanizePercentage $value }}|{{ humanize $value }}', 1234.5678)).toBe(
			'20m 34s|1.206ki|1.235e+05%|1.235k'
		);
		expect(render('{{ $value | printf "%.2f" }}', 2.5)).toBe('2.50');
	});

	it('runs if, with (. is the value inside it), else and end, as Go: empty strings and zero are false', () => {
		const tpl = '{{ with $labels.cluster -}} on cluster {{ . -}} {{- end }}{{ if $value }} at {{ $value }}{{ else }} at zero{{ end }}';
		expect(render(tpl, 3, { cluster: 'eu1' })).toBe('on cluster eu1 at 3');
		expect(render(tpl, 0, {})).toBe(' at zero');
		expect(render('{{ with $labels.n | humanize }}{{ . | toUpper }}{{ else }}none{{ end }}', 0, { n: '1500' })).toBe('1.5K');
		expect(render('{{ if $labels }}some{{ end }}{{ if $externalLabels }}ext{{ end }}', 0, { a: 'b' })).toBe('some');
	});

	it('trims and skips comments as Go', () => {
		expect(render('{{- /* c */ -}}  x  {{- 3 -}}  y {{/* z */}} w {{ -3 }}')).toBe('x3y  w -3');
		expect(render('a\n  {{- $value }}\n')).toBe('a0\n');
	});

	it('renders a run-time failure as Prometheus does', () => {
		expect(render('{{ $labels.x | humanize }}', 1, { x: 'abc' })).toBe(
			'<error expanding template: error executing template __alert_A: template: __alert_A:1:127: executing "__alert_A" at <humanize>: error calling humanize: strconv.ParseFloat: parsing "abc": invalid syntax>'
		);
		expect(render('line1\n  {{ humanize $labels.x }}', 1, { x: 'abc' })).toBe(
			'<error expanding template: error executing template __alert_A: template: __alert_A:2:5: executing "__alert_A" at <humanize $labels.x>: error calling humanize: strconv.ParseFloat: parsing "abc": invalid syntax>'
		);
	});

	it.each([
		['{{ range $labels }}x{{ end }}', '"range" is not supported', '1:4'],
		['{{ with $labels.x }}{{ . }}', 'unexpected EOF: {{with}} has no {{end}}', '1:4'],
		['{{ end }}', 'unexpected {{end}}', '1:4'],
		['{{ if $value }}a{{ else if $value }}b{{ end }}', '"else if" is not supported; nest the block in {{ else }}', '1:20'],
		['{{ with $labels.x }}{{ .Labels }}{{ end }}', '".Labels": the value of a with has no fields', '1:24'],
		['{{ . }}', 'the whole data value "." cannot be printed', '1:4'],
		['{{ $labels.x | foo }}', 'function "foo" not defined', '1:16'],
		['ok\n{{ $x := 1 }}', 'declaring or assigning variables is not supported', '2:4'],
		['{{ $value | toUpper }}', 'toUpper takes a string, got float64', '1:13'],
		['{{ printf "%d %d" $value }}', 'printf: the format has 2 verbs but 1 argument is given', '1:4'],
		['{{ printf "%y" $value }}', 'printf: unsupported verb %y', '1:11'],
		['{{ $value', 'unclosed action', '1:10'],
		['{{ .Foo }}', 'unknown field ".Foo"', '1:4'],
		['{{ $value.x }}', 'has no fields', '1:4'],
		['{{ humanize $value $value }}', 'wrong number of arguments for humanize: want 1, got 2', '1:4'],
		['{{ query "up" }}', '"query" is not supported in Vigil rule templates', '1:4'],
		['{{/* open', 'unclosed comment', '1:3']
	])('refuses %s', (text, reason, at) => {
		let err: unknown;
		try {
			compileTemplate(text);
		} catch (e) {
			err = e;
		}
		expect(err).toBeInstanceOf(TemplateError);
		expect((err as TemplateError).reason).toContain(reason);
		expect(`${(err as TemplateError).line}:${(err as TemplateError).column}`).toBe(at);
	});
});
