import { describe, expect, it } from 'vitest';
import { countBlocks, decodeChunk, encodeBlock, sealChunk, type SampleColumns } from './block';
import { ByteWriter } from './bytes';
import { encodePoint, type PointPrev } from './point';

const START = 1_700_000_000_000 - (1_700_000_000_000 % 3_600_000);

/** Appends samples to a chunk as a writer does: blocks for runs, point records for single samples. */
function chunkOf(samples: Array<{ t: number; v: number; stale?: boolean; block?: number; known?: boolean }>): Uint8Array {
	const w = new ByteWriter();
	let prev = null as PointPrev | null;
	for (let i = 0; i < samples.length; ) {
		const s = samples[i]!;
		if (s.block) {
			const run = samples.slice(i, i + s.block);
			const stale = run.flatMap((x, k) => (x.stale ? [k] : []));
			encodeBlock(w, START, run.map((x) => x.t), run.map((x) => x.v), 0, run.length, stale);
			const last = run.at(-1)!;
			prev = { t: last.t, step: run.length > 1 ? last.t - run.at(-2)!.t : -1, v: last.v };
			i += s.block;
			continue;
		}
		// A writer that does not know the sample before (known: false) codes the point on its own.
		const before: PointPrev | null = s.known === false ? null : prev;
		encodePoint(w, START, s.t, s.v, s.stale ?? false, before);
		prev = { t: s.t, step: before === null ? -1 : s.t - before.t, v: s.v };
		i++;
	}
	return w.finish();
}

function decode(buf: Uint8Array, from?: number, to?: number): SampleColumns {
	const out: SampleColumns = { ts: [], values: [] };
	decodeChunk(buf, START, out, from, to);
	return out;
}

describe('point records', () => {
	const values = [5, 5, 7, 1e6, 12.25, 12.5, -0.07, Math.PI, 0, -0, Number.NaN, Infinity, -Infinity, 2 ** 52, 3, 3];
	const samples = values.map((v, i) => ({ t: START + 1000 * i + (i === 6 ? 17 : 0), v }));

	it('round-trip every kind of value and time step, coded against the sample before', () => {
		const got = decode(chunkOf(samples));
		expect(got.ts).toEqual(samples.map((s) => s.t));
		expect(got.values.map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(values.map((v) => (Object.is(v, -0) ? '-0' : v)));
		expect(got.stale).toBeUndefined();
	});

	it('cost a byte or two for a steady scrape of a counter or an unchanged value', () => {
		const steady = Array.from({ length: 100 }, (_, i) => ({ t: START + i * 1000, v: 100 + i * 3 }));
		expect(chunkOf(steady).length).toBeLessThan(100 * 2 + 16);
		const flat = Array.from({ length: 100 }, (_, i) => ({ t: START + i * 1000, v: 0.5 }));
		expect(chunkOf(flat).length).toBeLessThan(100 + 16);
	});

	it('mix with blocks, keep stale markers apart from NaN, and read sub-ranges and sealed chunks the same', () => {
		const mixed = [
			{ t: START + 1000, v: 1, block: 3 },
			{ t: START + 2000, v: 2 },
			{ t: START + 3000, v: Number.NaN, stale: true },
			{ t: START + 4000, v: 4 },
			{ t: START + 5000, v: Number.NaN },
			{ t: START + 6000, v: 6, known: false },
			{ t: START + 7000, v: 6.5 },
			{ t: START + 9000, v: Number.NaN, stale: true, block: 2 },
			{ t: START + 9500, v: 8 },
			{ t: START + 10_500, v: 8 }
		];
		const buf = chunkOf(mixed);
		expect(countBlocks(buf, START)).toBe(7);
		for (const chunk of [buf, sealChunk(buf, START)]) {
			const all = decode(chunk);
			expect(all.ts).toEqual(mixed.map((s) => s.t));
			expect(all.values).toEqual(mixed.map((s) => s.v));
			expect(all.stale).toEqual([2, 7]);
			const part = decode(chunk, START + 3000, START + 9000);
			expect(part.ts).toEqual([3000, 4000, 5000, 6000, 7000, 9000].map((d) => START + d));
			expect(part.stale).toEqual([0, 5]);
		}
		expect(countBlocks(sealChunk(buf, START), START)).toBe(1);
	});
});
