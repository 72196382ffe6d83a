import { describe, expect, it } from 'vitest';
import { PushRateLimiter, pushBurst } from './push-rate';

describe('PushRateLimiter', () => {
	it('lets a sender push its burst, then its rate, and tells how long to wait', () => {
		const l = new PushRateLimiter(100, 200);
		expect(l.take('a', 150, 0)).toBe(0);
		expect(l.take('a', 50, 0)).toBe(0);
		// Empty: 10 samples need 100 ms.
		expect(l.take('a', 10, 0)).toBe(100);
		expect(l.take('a', 10, 100)).toBe(0);
		// Another sender has its own bucket.
		expect(l.take('b', 200, 100)).toBe(0);
	});

	it('refuses a push larger than the burst with the time to refill the whole bucket', () => {
		const l = new PushRateLimiter(100, 200);
		expect(l.take('a', 100, 0)).toBe(0);
		expect(l.take('a', 500, 0)).toBe(1000);
	});

	it('forgets the least recently used sender past its bound (which only refills it)', () => {
		const l = new PushRateLimiter(1, 5);
		for (let i = 0; i < 10_001; i++) l.take(`s${i}`, 5, 0);
		// s0 was forgotten: a full bucket again.
		expect(l.take('s0', 5, 0)).toBe(0);
		// s10000 was not.
		expect(l.take('s10000', 1, 0)).toBeGreaterThan(0);
	});

	it('bursts one full push or two seconds, whichever is larger', () => {
		expect(pushBurst(50_000, 10_000)).toBe(100_000);
		expect(pushBurst(10, 10_000)).toBe(10_000);
	});
});
