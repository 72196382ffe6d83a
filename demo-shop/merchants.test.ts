import { describe, expect, it } from 'vitest';
import { createShopMetrics } from './metrics';
import { expectedCompletion, MERCHANTS, orderOutcome, pickMerchant, type Merchant } from './merchants';

/** A seeded uniform source, so the draws are the same at every run. */
function seeded(seed: number): () => number {
	let a = seed;
	return () => {
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

describe('merchant orders', () => {
	it('completes fresh-grocer below the 95 % standard and every other merchant above it', () => {
		const random = seeded(3);
		const counts = new Map<Merchant, { all: number; completed: number }>();
		for (let i = 0; i < 200_000; i++) {
			const m = pickMerchant(random);
			const c = counts.get(m) ?? { all: 0, completed: 0 };
			c.all++;
			if (orderOutcome(m, random) === 'completed') c.completed++;
			counts.set(m, c);
		}
		for (const m of MERCHANTS) {
			const c = counts.get(m)!;
			expect(c.completed / c.all, m).toBeCloseTo(expectedCompletion(m), 1);
			if (m === 'fresh-grocer') expect(c.completed / c.all).toBeLessThan(0.94);
			else expect(c.completed / c.all, m).toBeGreaterThan(0.95);
		}
	});

	it('exposes shop_merchant_orders_total{merchant,outcome} from the start, at 0', async () => {
		const metrics = createShopMetrics({ customerService: () => ({ open: 0, oldestUnansweredSeconds: 0, oldestOpenSeconds: 0, satisfaction: 1 }) });
		metrics.merchantOrder('fresh-grocer', 'cancelled');
		const text = await metrics.registry.metrics();
		expect(text).toContain('shop_merchant_orders_total{merchant="fresh-grocer",outcome="cancelled"} 1');
		expect(text).toContain('shop_merchant_orders_total{merchant="acme-electronics",outcome="completed"} 0');
		metrics.registry.clear();
	});
});
