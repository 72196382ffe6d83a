/**
 * Hostile input to the PromQL parser and evaluator: known payloads in every place an expression
 * holds text, generated token soup, size and nesting bombs, and regular expressions that backtrack
 * catastrophically on JavaScript's RegExp. Every input must parse or fail with a PromQLError; no
 * regex may stall an evaluation. Nothing here is timed (speed is for `npm run bench:query`): an
 * input that went exponential would run into the test's timeout instead.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOSTILE_STRINGS, hostileString, MEGABYTE } from '../../../../tests/helpers/hostile';
import { PromQLError } from './errors';
import { evalInstant } from './eval';
import { MAX_EXPR_DEPTH, MAX_EXPR_LENGTH, parseExpr } from './parse';
import { MemorySource } from './source';

const A30 = 'a'.repeat(30);
const source = new MemorySource([
	{ labels: { __name__: 'up', a: A30, job: 'api' }, ts: [0], values: [1] },
	{ labels: { __name__: 'up', a: 'a'.repeat(1024), job: 'web' }, ts: [0], values: [1] },
	{ labels: { __name__: 'up', a: 'b'.repeat(1024), job: 'db' }, ts: [0], values: [0] }
]);

/** Parses (and evaluates, when it parses): returns the error, or undefined; throws anything but a PromQLError. */
function attempt(text: string): PromQLError | undefined {
	try {
		evalInstant(parseExpr(text), 0, source);
		return undefined;
	} catch (err) {
		if (err instanceof PromQLError) return err;
		throw new Error(`${JSON.stringify(text.slice(0, 200))} threw ${(err as Error).name}: ${(err as Error).message}`);
	}
}

const quoted = (s: string) => JSON.stringify(s);

describe('parseExpr with hostile input', () => {
	it('refuses or evaluates every known payload, as an expression, a label value, a regex and a name', () => {
		let count = 0;
		for (const s of HOSTILE_STRINGS) {
			for (const text of [s, `up{job=${quoted(s)}}`, `up{job=~${quoted(s)}}`, `sum by (${s}) (up)`, `${s}{a="b"}`]) {
				attempt(text);
				count++;
			}
		}
		expect(count).toBeGreaterThanOrEqual(300);
	});

	it('never throws anything but a PromQLError on generated expressions', () => {
		const token = fc.constantFrom('up', 'sum', 'rate', '(', ')', '{', '}', '[5m]', 'offset 1m', ' by (a) ', '+', '-', '^', ' and ', ' or ', '==', ' bool ', '1e309', 'NaN', '"', '=~', '"(a+)+"', ',', 'abs(', 'histogram_quantile(', '@ 1', '[1m:10s]', '#', '\n', 'a=', '`');
		const expr = fc.oneof(fc.array(token, { maxLength: 30 }).map((t) => t.join('')), hostileString);
		fc.assert(
			fc.property(expr, (text) => {
				const err = attempt(text);
				if (err) expect(err.message).toMatch(/ at \d+:\d+$/);
			}),
			{ numRuns: 600 }
		);
	});

	it(`refuses deep nesting at once with a clear message (1e5 parentheses), and reads ${MAX_EXPR_DEPTH} levels`, () => {
		for (const [open, close] of [
			['(', ')'],
			['abs(', ')'],
			['sum(', ')']
		] as const) {
			const err = attempt(open.repeat(1e4) + 'up' + close.repeat(1e4));
			expect(err?.message).toBe(`expression nested more than ${MAX_EXPR_DEPTH} levels deep at 1:${(MAX_EXPR_DEPTH + 1) * open.length}`);
		}
		const huge = attempt('('.repeat(1e5) + 'up' + ')'.repeat(1e5));
		expect(huge?.message).toBe(`expression of 200002 characters: at most ${MAX_EXPR_LENGTH} are allowed at 1:1`);
		expect(attempt('('.repeat(MAX_EXPR_DEPTH) + 'up' + ')'.repeat(MAX_EXPR_DEPTH))).toBeUndefined();
		expect(attempt('abs('.repeat(MAX_EXPR_DEPTH) + 'up' + ')'.repeat(MAX_EXPR_DEPTH))).toBeUndefined();
		// Brackets inside strings and comments do not count.
		expect(attempt(`up{job!=${quoted('('.repeat(1000))}}  # ${'('.repeat(1000)}\n`)).toBeUndefined();
	});

	it('refuses an expression of a megabyte at once', () => {
		const err = attempt(`up{job=${quoted('x'.repeat(MEGABYTE))}}`);
		expect(err?.kind).toBe('unsupported');
		expect(err?.problem).toMatch(/^expression of \d+ characters: at most 65536 are allowed$/);
	});

	it('reads or refuses long flat expressions and unary chains in bounded time', () => {
		for (const text of [Array(20_000).fill('up').join(' + '), '-'.repeat(60_000) + 'up', Array(10_000).fill('up').join(' ^ ')]) {
			attempt(text);
		}
		expect(attempt(Array(200).fill('up').join(' + '))).toBeUndefined();
	});

	it('evaluates regexes that backtrack catastrophically on RegExp in linear time', () => {
		const pathological = ['(a+)+b', '(a*)*b', '(a|a)*b', '(a|aa)+b', '(.*a){20}b', '.+.+.+.+.+x', '\\w+\\w+\\w+\\w+x', '.*a.*b.*c.*d', '(a?){30}a{30}b', '(?:a+){2,}b'];
		for (const re of pathological) {
			for (const op of ['=~', '!~']) {
				const text = `up{a${op}${quoted(re)}}`;
				const err = attempt(text);
				expect(err, text).toBeUndefined();
			}
		}
		// `{a=~"(a+)+b"}` against 30 a's: no match, at once.
		const r = evalInstant(parseExpr('up{a=~"(a+)+b"}'), 0, source);
		expect(r.type === 'vector' && r.samples.length).toBe(0);
		const all = evalInstant(parseExpr('up{a=~"(a+)+"}'), 0, source);
		expect(all.type === 'vector' && all.samples.map((s) => s.labels.job).sort()).toEqual(['api', 'web']);
	});

	it('refuses regexes longer than 4096 characters and invalid ones, naming the problem', () => {
		expect(attempt(`up{a=~${quoted('a'.repeat(4097))}}`)?.problem).toBe('regular expression of 4097 characters: at most 4096 are allowed');
		expect(attempt(`up{a=~${quoted('a'.repeat(4096))}}`)).toBeUndefined();
		// Go's messages, of Prometheus' `^(?:pattern)$`.
		expect(attempt('up{a=~"(a"}')?.problem).toBe('error parsing regexp: missing closing ): `^(?:(a)$`');
		expect(attempt('up{a=~"(a)\\\\1"}')?.problem).toBe('error parsing regexp: invalid escape sequence: `\\1`');
		expect(attempt('up{a=~"(?=a)"}')?.problem).toBe('error parsing regexp: invalid or unsupported Perl syntax: `(?=`');
	});
});
