import { describe, expect, it } from 'vitest';
import { PointRing } from './ring';
import { SequenceTracker } from './sequence';

describe('SequenceTracker', () => {
	it('applies the next number after a snapshot, ignores numbers the snapshot covered', () => {
		const s = new SequenceTracker();
		s.snapshot(10);
		expect(s.delta(11)).toBe('apply');
		expect(s.delta(12)).toBe('apply');
		expect(s.delta(12)).toBe('old');
		expect(s.delta(5)).toBe('old');
		expect(s.current).toBe(12);
	});

	it('a gap asks once, then waits for the snapshot, then continues from it', () => {
		const s = new SequenceTracker();
		s.snapshot(3);
		expect(s.delta(5)).toBe('gap');
		expect(s.delta(6)).toBe('waiting');
		expect(s.delta(7)).toBe('waiting');
		expect(s.gaps).toBe(1);
		s.snapshot(7);
		expect(s.delta(8)).toBe('apply');
	});

	it('before any snapshot, or after a reset (reconnect), a delta is a gap', () => {
		const s = new SequenceTracker();
		expect(s.delta(1)).toBe('gap');
		s.snapshot(1);
		s.reset();
		expect(s.delta(2)).toBe('gap');
		expect(s.gaps).toBe(2);
	});
});

describe('PointRing', () => {
	it('keeps the newest points up to its capacity, oldest first', () => {
		const r = new PointRing(3);
		for (let t = 1; t <= 5; t++) r.push(t, t * 10);
		expect(r.size).toBe(3);
		expect(r.toArray()).toEqual([
			[3, 30],
			[4, 40],
			[5, 50]
		]);
		expect(r.toArray(4)).toEqual([
			[4, 40],
			[5, 50]
		]);
	});

	it('ignores points not newer than the last, keeps null as a gap', () => {
		const r = new PointRing(4);
		expect(r.push(2, 1)).toBe(true);
		expect(r.push(2, 5)).toBe(false);
		expect(r.push(1, 5)).toBe(false);
		r.push(3, null);
		expect(r.toArray()).toEqual([
			[2, 1],
			[3, null]
		]);
		expect(() => new PointRing(0)).toThrow(RangeError);
	});

	it('with a step, keeps the last value of each step, so the ring spans capacity × step', () => {
		const r = new PointRing(3, 10);
		for (let t = 0; t <= 45; t += 3) r.push(t, t);
		expect(r.toArray()).toEqual([
			[12, 21],
			[24, 33],
			[36, 45]
		]);
	});
});
