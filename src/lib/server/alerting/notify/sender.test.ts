import { describe, expect, it } from 'vitest';
import { backoffDelay } from './sender';

describe('backoffDelay', () => {
	const config = { initialBackoff: 1000, maxBackoff: 60_000 };

	it('doubles per failed attempt up to the cap, with jitter in the upper half', () => {
		expect(backoffDelay(1, config, () => 0)).toBe(500);
		expect(backoffDelay(1, config, () => 0.999999)).toBe(1000);
		expect(backoffDelay(2, config, () => 0)).toBe(1000);
		expect(backoffDelay(3, config, () => 0)).toBe(2000);
		expect(backoffDelay(20, config, () => 0)).toBe(30_000);
		expect(backoffDelay(20, config, () => 0.999999)).toBe(60_000);
	});

	it('spreads retries of many notifications (jitter)', () => {
		let seed = 1;
		const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
		const delays = new Set(Array.from({ length: 100 }, () => backoffDelay(5, config, random)));
		expect(delays.size).toBeGreaterThan(50);
	});
});
