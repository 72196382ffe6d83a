import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from './csv';

describe('csv', () => {
	it.each([
		['plain', 'plain'],
		['=1+2', "'=1+2"],
		['+SUM(A1)', "'+SUM(A1)"],
		['-2+3', "'-2+3"],
		['@cmd', "'@cmd"],
		['\tx', "'\tx"],
		['a,b', '"a,b"'],
		['say "hi"', '"say ""hi"""'],
		['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
		['line\nbreak', '"line\nbreak"']
	])('%j -> %j', (input, out) => expect(csvCell(input)).toBe(out));

	it('numbers stay numbers, negative ones too; empty for null and non-finite', () => {
		expect(csvCell(-3.5)).toBe('-3.5');
		expect(csvCell(null)).toBe('');
		expect(csvCell(NaN)).toBe('');
	});

	it('joins rows with CRLF', () => expect(toCsv(['a', 'b'], [[1, 'x']])).toBe('a,b\r\n1,x\r\n'));
});
