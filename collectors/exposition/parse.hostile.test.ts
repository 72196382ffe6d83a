/**
 * Hostile expositions: the known payloads in every place of a line, and size bombs (a 50 MB line,
 * a million labels, a million lines). The parser must never throw, must bound what it reports,
 * and must keep label values as the text sent.
 */
import { describe, expect, it } from 'vitest';
import { HOSTILE_STRINGS } from '../../tests/helpers/hostile';
import { parseExposition, type ExpositionFormat, type ParseResult } from './parse';

const FORMATS: ExpositionFormat[] = ['prometheus-text', 'openmetrics'];

// No timed assertion here (speed is for `npm run bench:collect`): a parser that went quadratic on a
// size bomb would run into the test's own timeout instead.
function parse(text: string, format: ExpositionFormat): ParseResult {
	const r = parseExposition(text, format);
	expect(r.problems.length).toBeLessThanOrEqual(100);
	for (const p of r.problems) {
		expect(p.message).not.toMatch(/internal parser error/);
		expect(p.message.length).toBeLessThan(600);
	}
	return r;
}

const escapeValue = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const end = (format: ExpositionFormat) => (format === 'openmetrics' ? '# EOF\n' : '');

describe('parseExposition with hostile input', () => {
	it('parses or refuses every known payload as a line, a name, a label value, a HELP text and a value', () => {
		let n = 0;
		for (const format of FORMATS) {
			for (const s of HOSTILE_STRINGS) {
				const one = s.length > 4096 ? s.slice(0, 4096) : s;
				parse(`${s}\n${end(format)}`, format);
				parse(`${one} 1\n${end(format)}`, format);
				parse(`# HELP m ${one.replace(/\n/g, ' ')}\nm 1\n${end(format)}`, format);
				parse(`m ${one}\n${end(format)}`, format);
				const r = parse(`m{a="${escapeValue(s)}"} 1\n${end(format)}`, format);
				n += 5;
				// A value that is valid UTF-16 text and fits comes back exactly as sent.
				if (r.problems.length === 0) expect(r.families[0]!.samples[0]!.labels.a).toBe(s);
			}
		}
		expect(n).toBeGreaterThan(600);
	});

	it('reads a 50 MB line with one short problem', () => {
		for (const format of FORMATS) {
			const r = parse(`${'x'.repeat(50 * 1024 * 1024)}\n${end(format)}`, format);
			expect(r.problems[0]!.line).toBe(1);
			expect(r.problems[0]!.message).toMatch(/… \(\d+ characters\)$/);
		}
		const value = 'v'.repeat(50 * 1024 * 1024);
		const r = parse(`m{a="${value}"} 1\n`, 'prometheus-text');
		expect(r.families[0]!.samples[0]!.labels.a!.length).toBe(value.length);
	}, 60_000);

	it('reads a sample with a million labels and a million lines in bounded time', () => {
		const labels = Array.from({ length: 1e6 }, (_, i) => `l${i}="v"`).join(',');
		const r = parse(`m{${labels}} 1\n`, 'prometheus-text');
		expect(Object.keys(r.families[0]!.samples[0]!.labels)).toHaveLength(1e6);
		const dup = parse(`m{a="1",${labels},a="2"} 1\n`, 'prometheus-text');
		expect(dup.problems).toHaveLength(1);
		const lines = Array.from({ length: 1e6 }, () => 'bad line here').join('\n');
		const many = parse(`${lines}\n`, 'prometheus-text');
		expect(many.problems).toHaveLength(100);
	}, 60_000);
});
