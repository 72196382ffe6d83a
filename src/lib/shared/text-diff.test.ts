import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffLineKind, diffLines, unifiedDiff } from './text-diff';

/** Applies an edit script to get both sides back. */
function sides(lines: ReturnType<typeof diffLines>): [string[], string[]] {
	return [lines.filter((l) => l.op !== '+').map((l) => l.text), lines.filter((l) => l.op !== '-').map((l) => l.text)];
}

describe('text diff', () => {
	it('prints a unified diff of a changed rule', () => {
		const a = 'alert: Down\nexpr: up == 0\nfor: 1m\nlabels:\n  severity: warning';
		const b = 'alert: Down\nexpr: up == 0\nfor: 2m\nlabels:\n  severity: critical';
		expect(unifiedDiff(a, b, 1)).toBe(['@@ -2,4 +2,4 @@', ' expr: up == 0', '-for: 1m', '+for: 2m', ' labels:', '-  severity: warning', '+  severity: critical'].join('\n'));
	});

	it('is empty for equal texts, and shows a creation and a deletion whole', () => {
		expect(unifiedDiff('a\nb', 'a\nb')).toBe('');
		expect(unifiedDiff('', 'a\nb')).toBe('@@ -0,0 +1,2 @@\n+a\n+b');
		expect(unifiedDiff('a', '')).toBe('@@ -1,1 +0,0 @@\n-a');
	});

	it('splits far-apart changes into hunks', () => {
		const a = Array.from({ length: 20 }, (_, i) => `l${i}`);
		const b = [...a];
		b[1] = 'x';
		b[18] = 'y';
		const d = unifiedDiff(a.join('\n'), b.join('\n'), 2);
		expect(d.split('\n').filter((l) => l.startsWith('@@'))).toEqual(['@@ -1,4 +1,4 @@', '@@ -17,4 +17,4 @@']);
	});

	it('gives an edit script that rebuilds both sides, and is minimal on shared lines (property)', () => {
		const text = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 }).map((l) => l.join('\n'));
		fc.assert(
			fc.property(text, text, (a, b) => {
				const lines = diffLines(a, b);
				const [x, y] = sides(lines);
				expect(x.join('\n')).toBe(a);
				expect(y.join('\n')).toBe(b);
				if (a === b) expect(lines.every((l) => l.op === ' ')).toBe(true);
			})
		);
	});
});

describe('diffLineKind', () => {
	it('tells added, removed, header and context lines apart', () => {
		expect(['@@ -1,2 +1,2 @@', '--- a', '+++ b', '+expr: x > 2', '-expr: x > 1', ' for: 1m'].map(diffLineKind)).toEqual(['hunk', 'hunk', 'hunk', 'add', 'del', 'context']);
	});
});
