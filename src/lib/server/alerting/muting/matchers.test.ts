import { describe, expect, it } from 'vitest';
import { compileMatchers, formatMatchers, isMutingInputError, MAX_MATCHERS, MutingInputError, parseMatchers } from './matchers';

function problem(input: unknown): string {
	try {
		parseMatchers(input);
	} catch (err) {
		expect(isMutingInputError(err)).toBe(true);
		return (err as Error).message;
	}
	throw new Error('expected a refusal');
}

describe('matcher spellings', () => {
	const expected = [
		{ name: 'service', op: '=', value: 'payments' },
		{ name: 'alertname', op: '=~', value: 'Pay.*' }
	];

	it('reads text with braces, quotes of each kind, and bare values', () => {
		expect(parseMatchers('{service="payments", alertname=~"Pay.*"}')).toEqual(expected);
		expect(parseMatchers(" { service = 'payments' , alertname =~ `Pay.*` , } ")).toEqual(expected);
		expect(parseMatchers('service=payments,alertname=~Pay.*')).toEqual(expected);
		expect(parseMatchers('{a!="x\\"y", b!~"c|d", c="z"}')).toEqual([
			{ name: 'a', op: '!=', value: 'x"y' },
			{ name: 'b', op: '!~', value: 'c|d' },
			{ name: 'c', op: '=', value: 'z' }
		]);
	});

	it('reads arrays of {name, op, value} and of Alertmanager {name, value, isRegex, isEqual}', () => {
		expect(parseMatchers(expected)).toEqual(expected);
		expect(
			parseMatchers([
				{ name: 'service', value: 'payments', isRegex: false },
				{ name: 'alertname', value: 'Pay.*', isRegex: true, isEqual: true },
				{ name: 'env', value: 'dev', isRegex: false, isEqual: false },
				{ name: 'team', value: 'a.*', isRegex: true, isEqual: false }
			])
		).toEqual([...expected, { name: 'env', op: '!=', value: 'dev' }, { name: 'team', op: '!~', value: 'a.*' }]);
	});

	it('formats to text that reads back the same', () => {
		const ms = parseMatchers([{ name: 'a', op: '=', value: 'x"\\y\n' }, { name: 'b', op: '!=', value: '' }]);
		expect(formatMatchers(ms)).toBe('{a="x\\"\\\\y\\n", b!=""}');
		expect(parseMatchers(formatMatchers(ms))).toEqual(ms);
	});
});

describe('refusals name the field and the problem', () => {
	it('an invalid regex names its matcher', () => {
		expect(problem([{ name: 'service', op: '=', value: 'x' }, { name: 'alertname', op: '=~', value: '(' }])).toMatch(/^matchers\[1\]\.value: invalid regular expression "\(": /);
		expect(problem('{service="x", alertname=~"a(b"}')).toMatch(/^matchers\[1\]\.value: invalid regular expression/);
		expect(problem([{ name: 'a', value: '[', isRegex: true }])).toMatch(/^matchers\[0\]\.value: invalid regular expression/);
	});

	it('a bare metric name is refused, with what to write instead', () => {
		expect(problem('up')).toBe('matchers: "up" is a bare metric name: alerts have no metric name, so match their labels instead, e.g. {alertname="up"}');
		expect(problem('up{job="x"}')).toMatch(/^matchers: "up" is a bare metric name/);
	});

	it('no matchers, too many, or all matching the empty string are refused', () => {
		expect(problem([])).toBe('matchers: at least one matcher is needed, e.g. {service="payments"}');
		expect(problem('{}')).toMatch(/^matchers: at least one matcher/);
		expect(problem(Array.from({ length: MAX_MATCHERS + 1 }, (_, i) => ({ name: `l${i}`, op: '=', value: 'x' })))).toMatch(/at most 64/);
		expect(problem('{a=~".*", b!="x", c=""}')).toMatch(/^matchers: every matcher also matches the empty string/);
		// One that needs a value is enough.
		expect(parseMatchers('{a=~".*", b=~".+"}')).toHaveLength(2);
	});

	it.each([
		[undefined, /^matchers: expected label matchers/],
		[42, /^matchers: expected label matchers/],
		[[{ name: '1x', op: '=', value: 'y' }], /^matchers\[0\]\.name: "1x" is not a label name/],
		[[{ name: 'a', op: '==', value: 'y' }], /^matchers\[0\]\.op: expected one of =, !=, =~, !~, got "=="/],
		[[{ name: 'a', value: 'y' }], /^matchers\[0\]\.isRegex: expected true or false/],
		[[{ name: 'a', op: '=', value: 'y', isRegex: false }], /^matchers\[0\]\.op: give either op or isRegex/],
		[[{ name: 'a', op: '=', value: 3 }], /^matchers\[0\]\.value: expected a string/],
		[[{ name: 'a', op: '=', value: 'y', extra: 1 }], /^matchers\[0\]\.extra: unknown field/],
		['{a="x"', /^matchers: expected "}" at position 7/],
		['{a="x}', /^matchers: unterminated label value/],
		['{a~"x"}', /^matchers: expected one of =, !=, =~, !~ after a at position 3/],
		['{a="x" b="y"}', /^matchers: expected "," or "}" at position 8/]
	])('%j', (input, message) => {
		expect(problem(input)).toMatch(message);
	});

	it('carries the field and the problem apart', () => {
		const err = new MutingInputError('endsAt', 'must be after startsAt');
		expect(err.message).toBe('endsAt: must be after startsAt');
		expect([err.field, err.problem]).toEqual(['endsAt', 'must be after startsAt']);
	});
});

describe('matching', () => {
	it('reads a missing label as "" and anchors regexes at both ends', () => {
		const test = compileMatchers(parseMatchers('{service=~"pay.*", env!="prod", team=""}'));
		expect(test({ service: 'payments' })).toBe(true);
		expect(test({ service: 'payments', env: 'prod' })).toBe(false);
		expect(test({ service: 'xpayments' })).toBe(false);
		expect(test({ service: 'payments', team: 'a' })).toBe(false);
		expect(test({})).toBe(false);
		const neg = compileMatchers(parseMatchers('{alertname="A", severity!~"info|warning"}'));
		expect(neg({ alertname: 'A', severity: 'critical' })).toBe(true);
		expect(neg({ alertname: 'A', severity: 'warning' })).toBe(false);
		expect(neg({ alertname: 'A' })).toBe(true);
	});
});
