import { describe, expect, it } from 'vitest';
import type { BinaryNode, MatrixSelectorNode, Node, UnaryNode } from './ast';
import { PromQLError } from './errors';
import { parseExpr } from './parse';

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
		['x > 1h', 'vector']
	] as const)('%s is a %s', (text, type) => {
		expect(parseExpr(text).type).toBe(type);
	});

	it('reads numbers as Prometheus: hex, octal, exponents, Inf, NaN, durations as seconds', () => {
		const value = (t: string) => (parseExpr(t).root as { value: number }).value;
		expect(value('0x1f')).toBe(31);
		expect(value('010')).toBe(8);
		expect(value('1.5e3')).toBe(1500);
		expect(value('-Inf')).toBe(-Infinity);
		expect(value('nan')).toBeNaN();
		expect(value('1h30m')).toBe(5400);
		expect(value('- 2')).toBe(-2);
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
		['label_replace(x, "a", "b", "c", "d")', 'unsupported function "label_replace"', 1, 1],
		['sum(rate(x[5m])) + predict_linear(x[1h], 60)', 'unsupported function "predict_linear"', 1, 20],
		['x[5m:1m]', 'unsupported subquery', 1, 1],
		['x @ 100', 'unsupported @ modifier', 1, 3],
		['stddev(x)', 'unsupported aggregation "stddev"', 1, 1],
		['count_values("v", x)', 'unsupported aggregation "count_values"', 1, 1],
		['x atan2 y', 'unsupported operator "atan2"', 1, 3],
		['"a string"', 'unsupported string expression', 1, 1],
		['x{a=~"(a)\\\\1"}', 'unsupported regular expression syntax "\\1" (backreference)', 1, 6],
		['x{a=~"a(?=b)"}', 'unsupported regular expression syntax "(?=" (lookaround)', 1, 6],
		['x{a=~"(?i)api"}', 'unsupported regular expression syntax "(?i" (inline flags)', 1, 6],
		['x[5m+1m]', 'unsupported duration expression', 1, 3]
	] as const)('refuses %s as unsupported', (text, problem, line, column) => {
		const e = err(text);
		expect(e.kind).toBe('unsupported');
		expect(e.problem.startsWith(problem), e.problem).toBe(true);
		expect([e.line, e.column]).toEqual([line, column]);
		expect(e.message).toBe(`${e.problem} at ${line}:${column}`);
	});

	it.each([
		['x +', 'unexpected end of input', 1, 4],
		['sum(x', 'unexpected end of input', 1, 6],
		['x{a="b"', 'unexpected end of input', 1, 8],
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
		['(x)[5m]', 'ranges only allowed for vector selectors', 1, 1],
		['x offset 1m [5m]', 'no offset modifiers allowed before range', 1, 1],
		['x[5m] offset 1m offset 2m', 'offset may not be set multiple times', 1, 1],
		['x[0s]', 'duration must be greater than 0', 1, 3],
		['x offset 0s', 'duration must be greater than 0', 1, 10]
	] as const)('refuses %s with a syntax error', (text, problem, line, column) => {
		const e = err(text);
		expect(e.kind).toBe('syntax');
		expect(e.problem).toBe(problem);
		expect([e.line, e.column]).toEqual([line, column]);
	});

	it('gives positions on later lines, with 0-based offsets', () => {
		const e = err('sum(\n  rate(x[5m]) +\n  label_join(x, "a", ",", "b")\n)');
		expect(e.kind).toBe('unsupported');
		expect([e.line, e.column, e.from, e.to]).toEqual([3, 3, 23, 33]);
	});
});
