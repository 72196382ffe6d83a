import { describe, expect, it } from 'vitest';
import { rulePath, rulePathOfId } from './rule-rows';

describe('rule paths', () => {
	it('makes two encoded segments of group and alert', () => {
		expect(rulePath('demo-shop.checkout/PaymentFailureRatioHigh', 'demo-shop.checkout')).toBe('/rules/demo-shop.checkout/PaymentFailureRatioHigh');
		expect(rulePath('a/b/Slow#2', 'a/b')).toBe('/rules/a%2Fb/Slow%232');
	});

	it('finds the group of an id at its last slash', () => {
		expect(rulePathOfId('a/b/Slow#2')).toBe('/rules/a%2Fb/Slow%232');
		expect(rulePathOfId('shop/Down')).toBe('/rules/shop/Down');
	});
});
