import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
	it('allows a burst, then the rate', () => {
		const b = new TokenBucket(20, 40, 0);
		let allowed = 0;
		for (let i = 0; i < 100; i++) if (b.take(0)) allowed++;
		expect(allowed).toBe(40);
		expect(b.take(49)).toBe(false);
		expect(b.take(50)).toBe(true);
		// A second later: 20 more.
		allowed = 0;
		for (let i = 0; i < 100; i++) if (b.take(1050)) allowed++;
		expect(allowed).toBe(20);
	});

	it('never holds more than the burst', () => {
		const b = new TokenBucket(20, 40, 0);
		let allowed = 0;
		for (let i = 0; i < 100; i++) if (b.take(3_600_000)) allowed++;
		expect(allowed).toBe(40);
	});
});
