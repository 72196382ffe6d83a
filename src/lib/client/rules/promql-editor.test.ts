import { describe, expect, it } from 'vitest';
import { mergeDiagnostics } from './promql-editor';

describe('external problems beside the library linter', () => {
	it('adds external problems as errors, clamped to the text', () => {
		expect(mergeDiagnostics([], [{ from: 2, to: 40, message: 'unknown function' }], 10)).toEqual([{ from: 2, to: 10, severity: 'error', message: 'unknown function', source: 'Vigil' }]);
	});

	it('drops an external problem where the library already marks an error', () => {
		const own = [{ from: 5, to: 9, severity: 'error' as const, message: 'unexpected end of input' }];
		const merged = mergeDiagnostics(own, [{ from: 9, to: 9, message: 'parse error at 10' }, { from: 0, to: 3, message: 'other' }], 9);
		expect(merged.map((d) => d.message)).toEqual(['unexpected end of input', 'other']);
	});

	it('keeps an external problem over a library warning', () => {
		const own = [{ from: 0, to: 4, severity: 'warning' as const, message: 'w' }];
		expect(mergeDiagnostics(own, [{ from: 1, to: 2, message: 'e' }], 9)).toHaveLength(2);
	});
});
