import { describe, expect, it } from 'vitest';
import type { BinaryNode, MatrixSelectorNode, Node, UnaryNode } from './ast';
import { PromQLError } from './errors';
import { parseExpr, stringQuery } from './parse';

function err(text: string): PromQLError {
	try {
		parseExpr(text);
	} catch (e) {
		if (e instanceof PromQLError) return e;
		throw e;
	}
	throw new Error(`parsed: ${text}`);
}

describe('parseExpr', () => {
	it.each([
		['up', 'vector'],
		['up{job="api"}[5m]', 'matrix'],
		['rate(http_requests_total{code=~"5.."}[5m] offset 1h)', 'vector'],
		['sum by (job) (rate(x[5m])) / on(job) group_left(team) max by (job, team) (y)', 'vector'],
		['1 + 2 * time()', 'scalar'],
		['scalar(up) > bool 1', 'scalar'],
		['histogram_quantile(0.99, sum without (instance) (rate(req_bucket[5m])))', 'vector'],
		['quantile_over_time(0.9, x[1h]) and on() vector(1)', 'vector'],
		['topk(3, x) or bottomk by (a) (1, y) unless z', 'vector'],
		['absent_over_time(nope[10m])', 'vector'],
		['x offset -5m', 'vector'],
		['label_replace(x, "a", "b", "c", "d")', 'vector'],
		['max_over_time(rate(x[5m])[1h:1m] offset 1d @ end())', 'vector'],
		['x[5m:]', 'matrix'],
		['count_values("v", x) by (a)', 'vector'],
		['x atan2 y', 'vector'],
		['year()', 'vector'],
		['pi()', 'scalar'],
		['holt_winters(x[5m], 0.1, 0.2)', 'vector']
	] as const)('%s is a %s', (text, type) => {
		expect(parseExpr(text).type).toBe(type);
	});

	it('tells a query that is a string literal (the API answers it; rules refuse it)', () => {
		expect(stringQuery('"a\\tb"')).toBe('a\tb');
		expect(stringQuery(' ((`x`)) ')).toBe('x');
		expect(stringQuery("'y'")).toBe('y');
		expect(stringQuery('"a" + 1')).toBeUndefined();
		expect(stringQuery('label_replace(x, "a", "b", "c", "d")')).toBeUndefined();
		expect(stringQuery('("x"')).toBeUndefined();
		expect(() => parseExpr('"a"')).toThrow('unsupported string expression');
	});

	it('reads numbers as Prometheus v2.42: hex, octal, exponents, a trailing dot, Inf, NaN', () => {
		const value = (t: string) => (parseExpr(t).root as { value: number }).value;
		expect(value('0x1f')).toBe(31);
		expect(value('010')).toBe(8);
		expect(value('1.5e3')).toBe(1500);
		expect(value('2.')).toBe(2);
		expect(value('-Inf')).toBe(-Infinity);
		expect(value('nan')).toBeNaN();
		expect(value('- 2')).toBe(-2);
	});

	it('reads @ with a time in seconds, start() and end(), and subqueries with their step and offset', () => {
		const root = parseExpr('sum_over_time(x[10m:30s] @ 1.234 offset 5m)').root as { args: Node[] };
		expect(root.args[0]).toMatchObject({ kind: 'subquery', range: 600_000, step: 30_000, offset: 300_000, at: 1234 });
		expect((parseExpr('x @ start()').root as { at: unknown }).at).toBe('start');
		expect((parseExpr('rate(x[5m] @ end())').root as { args: MatrixSelectorNode[] }).args[0]!.selector.at).toBe('end');
	});

	it('reads regular expressions as Go does, inline flags included', () => {
		expect(parseExpr('x{a=~"(?i)api"}').type).toBe('vector');
		expect(parseExpr('x{a=~"\\\\pL+"}').type).toBe('vector');
	});

	it('binds a sign looser than ^, as Prometheus: -2 ^ 2 is -(2 ^ 2)', () => {
		const root = parseExpr('-2 ^ 2').root as UnaryNode;
		expect(root.kind).toBe('unary');
		expect((root.expr as BinaryNode).op).toBe('^');
	});

	it('attaches offset and ranges to the nearest selector, not the whole expression before them', () => {
		const root = parseExpr('a + b offset 1m').root as BinaryNode;
		expect((root.lhs as { offset: number }).offset).toBe(0);
		expect((root.rhs as { offset: number }).offset).toBe(60_000);
		const call = parseExpr('rate(x{a="1"}[5m] offset 30s)').root as { args: Node[] };
		const m = call.args[0] as MatrixSelectorNode;
		expect([m.range, m.selector.offset]).toEqual([300_000, 30_000]);
	});

	it('reads matchers, vector matching and grouping', () => {
		const root = parseExpr('x{a="1", b!="2", c=~"3|4", d!~`5\\d`} * on(a, b) group_left(c) y').root as BinaryNode;
		expect(root.matching).toEqual({ card: 'many-to-one', on: true, labels: ['a', 'b'], include: ['c'] });
		expect((root.lhs as { matchers: unknown }).matchers).toEqual([
			{ name: 'a', op: '=', value: '1' },
			{ name: 'b', op: '!=', value: '2' },
			{ name: 'c', op: '=~', value: '3|4' },
			{ name: 'd', op: '!~', value: '5\\d' },
			{ name: '__name__', op: '=', value: 'x' }
		]);
		expect((parseExpr('a and ignoring(b) c').root as BinaryNode).matching).toEqual({ card: 'many-to-many', on: false, labels: ['b'], include: [] });
	});

	it.each([
		['"a string"', 'unsupported string expression', 1, 1]
	] as const)('refuses %s as unsupported', (text, problem, line, column) => {
		const e = err(text);
		expect(e.kind).toBe('unsupported');
		expect(e.problem.startsWith(problem), e.problem).toBe(true);
		expect([e.line, e.column]).toEqual([line, column]);
		expect(e.message).toBe(`${e.problem} at ${line}:${column}`);
	});

	it.each([
		['x +', 'unexpected end of input', 1, 4],
		['sum(x', 'unclosed left parenthesis', 1, 6],
		['x{a="b"', 'unexpected end of input inside braces', 1, 8],
		['x > 1h', 'unexpected duration "1h"', 1, 5],
		['x[300]', 'missing unit character in duration', 1, 3],
		['x offset 60', 'unexpected number "60" in offset, expected duration', 1, 10],
		['vector(5m)', 'unexpected duration "5m"', 1, 8],
		['histogram_quantil(0.9, x)', 'unknown function with name "histogram_quantil"', 1, 1],
		['x{a=~"(a)\\\\1"}', 'error parsing regexp: invalid escape sequence: `\\1`', 1, 3],
		['x{a=~"(?<n>a)"}', 'error parsing regexp: invalid or unsupported Perl syntax: `(?<`', 1, 3],
		['sum(rate(x[5m]) y)', 'unexpected identifier "y" in aggregation', 1, 17],
		['x[5m+1m]', 'unexpected <op:+> in subquery or range, expected ":" or "]"', 1, 5],
		['x @ 100 [5m]', 'no @ modifiers allowed before range', 1, 9],
		['x[5m] @ 1 @ 2', '@ <timestamp> may not be set multiple times', 1, 1],
		['vector(1,)', 'trailing commas not allowed in function call args', 1, 9],
		['rate(x)', 'expected type range vector in call to function "rate", got instant vector', 1, 6],
		['rate(x[5m], 1)', 'expected 1 argument(s) in call to "rate", got 2', 1, 1],
		['topk(x)', 'wrong number of arguments for aggregate expression provided, expected 2, got 1', 1, 1],
		['sum(1)', 'expected type instant vector in aggregation expression, got scalar', 1, 5],
		['1 > 2', 'comparisons between scalars must use BOOL modifier', 1, 3],
		['x + bool y', 'bool modifier can only be used on comparison operators', 1, 3],
		['x and on(a) group_left y', 'no grouping allowed for "and" operation', 1, 1],
		['1 and x', 'set operator "and" not allowed in binary scalar expression', 1, 1],
		['1 + on(a) x', 'vector matching only allowed between instant vectors', 1, 1],
		['x * on(a) group_left(a) y', 'label "a" must not occur in ON and GROUP clause at once', 1, 3],
		['x[5m] + 1', 'binary expression must contain only scalar and instant vector types', 1, 1],
		['-x[5m]', 'unary expression only allowed on expressions of type scalar or instant vector, got "range vector"', 1, 1],
		['{a=""}', 'vector selector must contain at least one non-empty matcher', 1, 1],
		['x{__name__="y"}', 'metric name must not be set twice: "x" or "y"', 1, 1],
		['sum(x) offset 1m', 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery', 1, 1],
		['(x) offset 1m', 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery', 1, 1],
		['(x)[5m]', 'ranges only allowed for vector selectors', 1, 4],
		['x offset 1m [5m]', 'no offset modifiers allowed before range', 1, 13],
		['x[5m] offset 1m offset 2m', 'offset may not be set multiple times', 1, 1],
		['x[0s]', 'duration must be greater than 0', 1, 3],
		['x offset 0s', 'duration must be greater than 0', 1, 10]
	] as const)('refuses %s with a syntax error', (text, problem, line, column) => {
		const e = err(text);
		expect(e.kind).toBe('syntax');
		expect(e.problem).toBe(problem);
		expect([e.line, e.column]).toEqual([line, column]);
	});

	it('refuses a syntax tree deeper than 1,000 levels (a chain of 1,000 operators)', () => {
		const e = err('up' + ' + up'.repeat(1000));
		expect(e.kind).toBe('unsupported');
		expect(e.problem).toBe('expression nested more than 1000 levels deep');
		expect(parseExpr('up' + ' + up'.repeat(998)).type).toBe('vector');
	});

	it('gives positions on later lines, with 0-based offsets', () => {
		const e = err('sum(\n  rate(x[5m]) +\n  label_jion(x, "a", ",", "b")\n)');
		expect(e.kind).toBe('syntax');
		expect(e.problem).toBe('unknown function with name "label_jion"');
		expect([e.line, e.column, e.from, e.to]).toEqual([3, 3, 23, 33]);
	});
});
