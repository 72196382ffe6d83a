/**
 * Line diffs for rule versions: the longest common subsequence of lines, printed as a unified
 * diff with `context` lines around each change. Rules are short, so the O(n x m) table is fine;
 * inputs beyond `MAX_LINES` lines on a side fall back to "replace everything".
 */

const MAX_LINES = 2000;

export type DiffLine = { op: ' ' | '-' | '+'; text: string };

/** The edit script turning `a` into `b`, line by line. */
export function diffLines(a: string, b: string): DiffLine[] {
	const x = a === '' ? [] : a.split('\n');
	const y = b === '' ? [] : b.split('\n');
	if (x.length > MAX_LINES || y.length > MAX_LINES) {
		return [...x.map((text) => ({ op: '-' as const, text })), ...y.map((text) => ({ op: '+' as const, text }))];
	}
	const n = x.length;
	const m = y.length;
	// lcs[i][j] = length of the LCS of x[i..] and y[j..], in one flat array.
	const lcs = new Uint32Array((n + 1) * (m + 1));
	for (let i = n - 1; i >= 0; i--) {
		for (let j = m - 1; j >= 0; j--) {
			lcs[i * (m + 1) + j] = x[i] === y[j] ? lcs[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!);
		}
	}
	const out: DiffLine[] = [];
	let i = 0;
	let j = 0;
	while (i < n && j < m) {
		if (x[i] === y[j]) {
			out.push({ op: ' ', text: x[i]! });
			i++;
			j++;
		} else if (lcs[(i + 1) * (m + 1) + j]! >= lcs[i * (m + 1) + j + 1]!) {
			out.push({ op: '-', text: x[i++]! });
		} else {
			out.push({ op: '+', text: y[j++]! });
		}
	}
	while (i < n) out.push({ op: '-', text: x[i++]! });
	while (j < m) out.push({ op: '+', text: y[j++]! });
	return out;
}

/** A unified diff (`@@ -a,b +c,d @@` hunks) of two texts; empty when they are equal. */
export function unifiedDiff(a: string, b: string, context = 3): string {
	const lines = diffLines(a, b);
	if (lines.every((l) => l.op === ' ')) return '';
	const out: string[] = [];
	let k = 0;
	// Line numbers (1-based) in a and b at each position of the edit script.
	const posA: number[] = [];
	const posB: number[] = [];
	let la = 1;
	let lb = 1;
	for (const l of lines) {
		posA.push(la);
		posB.push(lb);
		if (l.op !== '+') la++;
		if (l.op !== '-') lb++;
	}
	while (k < lines.length) {
		if (lines[k]!.op === ' ') {
			k++;
			continue;
		}
		const start = Math.max(0, k - context);
		let end = k;
		// Extend the hunk while changes are within 2 x context of each other.
		for (;;) {
			while (end < lines.length && lines[end]!.op !== ' ') end++;
			let next = end;
			while (next < lines.length && lines[next]!.op === ' ' && next - end < 2 * context) next++;
			if (next < lines.length && lines[next]!.op !== ' ') end = next;
			else break;
		}
		const stop = Math.min(lines.length, end + context);
		const hunk = lines.slice(start, stop);
		const countA = hunk.filter((l) => l.op !== '+').length;
		const countB = hunk.filter((l) => l.op !== '-').length;
		out.push(`@@ -${countA ? posA[start] : posA[start]! - 1},${countA} +${countB ? posB[start] : posB[start]! - 1},${countB} @@`);
		for (const l of hunk) out.push(`${l.op}${l.text}`);
		k = stop;
	}
	return out.join('\n');
}

/** How a line of a unified diff is drawn: added, removed, a hunk or file header, or context. */
export function diffLineKind(line: string): 'add' | 'del' | 'hunk' | 'context' {
	if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('@@')) return 'hunk';
	if (line.startsWith('+')) return 'add';
	if (line.startsWith('-')) return 'del';
	return 'context';
}
