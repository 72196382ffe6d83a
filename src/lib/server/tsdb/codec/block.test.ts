import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteWriter } from './bytes';
import { countBlocks, decodeChunk, detectScale, encodeBlock, sealChunk, type SampleColumns } from './block';

const HOUR = 3_600_000;
const START = 1_700_000_000_000 - (1_700_000_000_000 % HOUR);

function roundTrip(ts: number[], values: number[]): SampleColumns {
	const w = new ByteWriter();
	encodeBlock(w, START, ts, values);
	const out: SampleColumns = { ts: [], values: [] };
	decodeChunk(w.finish(), START, out);
	return out;
}

function sameValues(a: number[], b: number[]): void {
	expect(a.length).toBe(b.length);
	for (let i = 0; i < a.length; i++) expect(Object.is(a[i], b[i]), `value ${i}: ${a[i]} vs ${b[i]}`).toBe(true);
}


describe('encodeBlock and decodeChunk', () => {
	const ts = (n: number, step = 1000) => Array.from({ length: n }, (_, i) => START + i * step);

	it.each([
		['integers', [0, 1, 5, 5, 1000, -3, 2 ** 40, -(2 ** 40)]],
		['2-decimal floats', [12.34, 12.35, 99.99, 0.01, -0.07, 105.5, 15]],
		['6-decimal floats', [0.000001, 1.234567, 123.456789, -9.999999]],
		['huge and tiny', [1e300, -1e300, 5e-324, Number.MAX_VALUE, Number.MIN_VALUE, 1.7976931348623157e308]],
		['not decimal', [0.1 + 0.2, Math.PI, Math.E, 1 / 3]],
		['NaN and infinities', [1, Number.NaN, Infinity, -Infinity, 2.5, Number.NaN]],
		['negative zero', [-0, 0, -0, 1]],
		['only specials', [Number.NaN, Infinity]],
		['constant', [7.25, 7.25, 7.25, 7.25]],
		['single', [42]],
		['a 2-decimal value, then one that needs 15 decimals', [3.02, -1.490170571671213]]
	])('round-trips %s exactly', (_, values) => {
		const t = ts(values.length);
		const out = roundTrip(t, values);
		expect(out.ts).toEqual(t);
		sameValues(out.values, values);
	});

	it('round-trips irregular times', () => {
		const t = [START, START + 1, START + 1000, START + 15_000, START + 15_003, START + HOUR - 1];
		expect(roundTrip(t, t.map((_, i) => i)).ts).toEqual(t);
	});

	it('decodes a range, skipping blocks outside it', () => {
		const w = new ByteWriter();
		const t = ts(100);
		const v = t.map((_, i) => i * 1.5);
		encodeBlock(w, START, t, v, 0, 40);
		encodeBlock(w, START, t, v, 40, 100);
		const out: SampleColumns = { ts: [], values: [] };
		decodeChunk(w.finish(), START, out, t[30]!, t[50]!);
		expect(out.ts).toEqual(t.slice(30, 51));
		expect(out.values).toEqual(v.slice(30, 51));
	});

	it('seals many blocks into one holding the same samples, and smaller', () => {
		const w = new ByteWriter();
		const t = ts(600);
		const v = t.map((_, i) => Math.round((60 + 20 * Math.sin(i / 50) + (i % 7)) * 100) / 100);
		for (let i = 0; i < t.length; i++) encodeBlock(w, START, t, v, i, i + 1);
		const live = w.finish();
		expect(countBlocks(live, START)).toBe(600);
		const sealed = sealChunk(live, START);
		expect(countBlocks(sealed, START)).toBe(1);
		expect(sealed.length).toBeLessThan(live.length / 4);
		const out: SampleColumns = { ts: [], values: [] };
		decodeChunk(sealed, START, out);
		expect(out.ts).toEqual(t);
		expect(out.values).toEqual(v);
	});

	it('packs a regular noisy 2-decimal gauge under 2 bytes per sample', () => {
		const n = 3600;
		let seed = 1;
		const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
		const v = Array.from({ length: n }, (_, i) => Math.round(60 * (1 + 0.08 * (rnd() + rnd() + rnd() - 1.5)) * 100 + i) / 100);
		const w = new ByteWriter();
		encodeBlock(w, START, ts(n), v);
		expect(w.pos / n).toBeLessThan(2);
	});

	it('detects the decimal scale', () => {
		expect(detectScale([1, 2, 3], 0, 3)).toBe(0);
		expect(detectScale([1.5, 2.25], 0, 2)).toBe(2);
		expect(detectScale([0.000001], 0, 1)).toBe(6);
		expect(detectScale([Math.PI], 0, 1)).toBe(-1);
		expect(detectScale([Number.NaN, 1.5], 0, 2)).toBe(1);
		// -1.490170571671213 needs scale 15, where 3.02 no longer fits 2^51: not fixed-point.
		expect(detectScale([3.02, -1.490170571671213], 0, 2)).toBe(-1);
	});

	it('round-trips any samples (property)', () => {
		const value = fc.oneof(
			fc.double(),
			fc.double({ min: -10, max: 10, noNaN: true }),
			fc.integer({ min: -1e9, max: 1e9 }).map((x) => x / 100),
			fc.integer(),
			fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0)
		);
		fc.assert(
			fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 120_000 }), value), { minLength: 1, maxLength: 300 }), (pairs) => {
				const t: number[] = [];
				let at = START;
				for (const [d] of pairs) t.push((at += d));
				const v = pairs.map(([, x]) => x);
				const out = roundTrip(t, v);
				expect(out.ts).toEqual(t);
				sameValues(out.values, v);
			}),
			{ numRuns: 300 }
		);
	});
});

describe('stale markers', () => {
	const t = (n: number) => Array.from({ length: n }, (_, i) => START + i * 1000);
	const encode = (ts: number[], values: number[], stale: number[], from = 0, to = ts.length) => {
		const w = new ByteWriter();
		encodeBlock(w, START, ts, values, from, to, stale);
		return w.finish();
	};

	it.each([
		['fixed-point values', [1.5, Number.NaN, 2, Number.NaN, 3], [1, 3]],
		['XOR values', [Math.PI, Number.NaN, Math.E, Number.NaN], [3]],
		['a plain NaN beside a stale marker', [1, Number.NaN, Number.NaN, 2], [2]],
		['only a stale marker', [Number.NaN], [0]]
	])('keep their place apart from plain NaN (%s)', (_, values, stale) => {
		const out: SampleColumns = { ts: [], values: [] };
		decodeChunk(encode(t(values.length), values, stale), START, out);
		sameValues(out.values, values);
		expect(out.stale ?? []).toEqual(stale);
	});

	it('survive sealing and reading a sub-range, with indexes into what was read', () => {
		const ts = t(10);
		const values = ts.map((_, i) => (i === 4 || i === 8 ? Number.NaN : i * 1.25));
		const w = new ByteWriter();
		encodeBlock(w, START, ts, values, 0, 5, [4]);
		encodeBlock(w, START, ts, values, 5, 10, [8]);
		const sealed = sealChunk(w.finish(), START);
		expect(countBlocks(sealed, START)).toBe(1);
		const all: SampleColumns = { ts: [], values: [] };
		decodeChunk(sealed, START, all);
		expect(all.stale).toEqual([4, 8]);
		const part: SampleColumns = { ts: [], values: [] };
		decodeChunk(sealed, START, part, ts[3], ts[8]);
		expect(part.ts).toEqual(ts.slice(3, 9));
		expect(part.stale).toEqual([1, 5]);
	});

	it('are absent when a block has none', () => {
		const out: SampleColumns = { ts: [], values: [] };
		decodeChunk(encode(t(3), [1, Number.NaN, 2], []), START, out);
		expect(out.stale).toBeUndefined();
	});
});
