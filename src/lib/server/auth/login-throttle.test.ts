import { describe, expect, it } from 'vitest';
import { LOGIN_LIMITS, loginDelayMs } from './login-throttle';

describe('the per-user slow-down', () => {
	it('adds nothing up to slowAfter attempts, then 0.5 s per attempt, at most 5 s', () => {
		expect(LOGIN_LIMITS.slowAfter).toBe(10);
		expect([0, 1, 10].map((n) => loginDelayMs(n))).toEqual([0, 0, 0]);
		expect([11, 12, 19, 20, 21, 1000].map((n) => loginDelayMs(n))).toEqual([500, 1000, 4500, 5000, 5000, 5000]);
	});
});
