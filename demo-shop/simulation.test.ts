/** The demo shop's pure parts: the moving window, the daily traffic curve, random draws and customer service. */
import { describe, expect, it } from 'vitest';
import { createCustomerService } from './customer-service';
import { poisson } from './random';
import { effectsOf, SCENARIOS } from './scenarios';
import { dayFactor } from './traffic';
import { MovingWindow } from './window';

function seeded(seed: number): () => number {
	let s = seed >>> 0;
	return () => {
		s = (s * 1664525 + 1013904223) >>> 0;
		return s / 2 ** 32;
	};
}

describe('MovingWindow', () => {
	it('sums what was added over the last span of seconds', () => {
		const w = new MovingWindow(60);
		w.add(1, 1_000);
		w.add(2, 30_500);
		expect(w.sum(30_999)).toBe(3);
		expect(w.sum(60_999)).toBe(3);
		expect(w.sum(61_000)).toBe(2);
		expect(w.sum(91_000)).toBe(0);
		w.add(5, 121_000); // reuses the slot of second 1
		expect(w.sum(121_000)).toBe(5);
	});
});

describe('dayFactor', () => {
	const at = (h: number, m = 0) => new Date(2026, 0, 15, h, m);
	it('is low at night and peaks at lunch and in the evening', () => {
		expect(dayFactor(at(4))).toBeLessThan(0.2);
		expect(dayFactor(at(12, 30))).toBeGreaterThan(1);
		expect(dayFactor(at(20, 30))).toBeGreaterThan(dayFactor(at(16)));
		expect(dayFactor(at(16))).toBeLessThan(dayFactor(at(12, 30)));
	});
});

describe('poisson', () => {
	it('has the requested mean, small or large', () => {
		const random = seeded(7);
		for (const lambda of [0.3, 4, 80]) {
			let total = 0;
			for (let i = 0; i < 4000; i++) total += poisson(lambda, random);
			expect(total / 4000).toBeCloseTo(lambda, lambda < 1 ? 1 : 0);
		}
		expect(poisson(0, random)).toBe(0);
	});
});

describe('scenarios', () => {
	it('each has its effects; normal breaks nothing', () => {
		for (const s of SCENARIOS) expect(effectsOf(s)).toBeDefined();
		expect(effectsOf('normal')).toMatchObject({ paymentsDown: false, checkoutDown: false, workerRate: 1 });
		expect(effectsOf('latency-spike').latency).toMatchObject({ search: 10, checkout: 10 });
	});
});

describe('customer service', () => {
	it('tracks unanswered and open complaints, first responses and satisfaction', () => {
		let now = 1_000_000;
		const cs = createCustomerService({ random: seeded(1), speed: 1, now: () => now });
		expect(cs.snapshot()).toEqual({ open: 0, oldestUnansweredSeconds: 0, oldestOpenSeconds: 0, satisfaction: 1 });
		cs.opened('c1', now);
		now += 10_000;
		cs.opened('c2', now);
		now += 50_000;
		expect(cs.snapshot()).toMatchObject({ open: 2, oldestUnansweredSeconds: 60, oldestOpenSeconds: 60 });
		expect(cs.answered({ complaintId: 'c1', reason: 'order', openedAt: 1_000_000 })).toBe(60);
		expect(cs.snapshot()).toMatchObject({ open: 2, oldestUnansweredSeconds: 50, oldestOpenSeconds: 60 });
		now += 9 * 3600_000; // past the longest resolution time
		cs.answered({ complaintId: 'c2', reason: 'order', openedAt: 1_010_000 });
		const s = cs.snapshot();
		expect(s).toMatchObject({ open: 1, oldestUnansweredSeconds: 0 });
		expect(s.satisfaction).toBeGreaterThanOrEqual(0);
		expect(s.satisfaction).toBeLessThanOrEqual(1);
	});
});
