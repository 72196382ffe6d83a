import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatPath, formatProblem, friendlyErrors, problemsFromZod, suggest } from './problems';

const schema = z.strictObject({
	port: z.number().int(),
	mode: z.enum(['fast', 'safe']),
	items: z.array(
		z.discriminatedUnion('kind', [
			z.strictObject({ kind: z.literal('demo'), interval: z.string() }),
			z.strictObject({ kind: z.literal('http'), url: z.string() })
		])
	)
});

function problems(input: unknown) {
	const r = schema.safeParse(input, { error: friendlyErrors });
	if (r.success) return [];
	return problemsFromZod(r.error).map(formatProblem);
}

describe('problemsFromZod with friendlyErrors', () => {
	it('reports every problem with its path', () => {
		const out = problems({
			port: 'eighty',
			mode: 'turbo',
			items: [{ kind: 'demo', intervall: '1s' }, { kind: 'smtp' }, {}],
			extra: true
		});
		expect(out).toEqual(
			expect.arrayContaining([
				'port: expected number, got "eighty"',
				'mode: expected one of "fast", "safe", got "turbo"',
				'items[0].interval: is required',
				'items[0].intervall: unknown key; did you mean "interval"?',
				'items[1].kind: unknown kind "smtp"; expected one of demo, http',
				'items[2].kind: is required: one of demo, http',
				'extra: unknown key; expected one of port, mode, items'
			])
		);
		expect(out).toHaveLength(7);
	});

	it('reports nothing for valid input', () => {
		expect(problems({ port: 80, mode: 'safe', items: [{ kind: 'http', url: 'x' }] })).toEqual([]);
	});
});

describe('formatPath', () => {
	it('writes indexes in brackets and odd keys quoted', () => {
		expect(formatPath(['collectors', 2, 'interval'])).toBe('collectors[2].interval');
		expect(formatPath(['labels', 'a-b'])).toBe('labels["a-b"]');
		expect(formatPath([])).toBe('');
	});
});

describe('formatProblem', () => {
	it('adds the line when known', () => {
		expect(formatProblem({ path: 'a.b', message: 'bad', line: 4, column: 3 })).toBe('a.b (line 4, column 3): bad');
		expect(formatProblem({ path: '', message: 'empty file' })).toBe('(document): empty file');
	});
});

describe('suggest', () => {
	it('finds close names only', () => {
		expect(suggest('intervl', ['interval', 'name'])).toBe('interval');
		expect(suggest('zzzzzz', ['interval', 'name'])).toBeUndefined();
	});
});
