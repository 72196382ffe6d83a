/**
 * The shop's partner merchants: who sells an order, and how its orders end. Each merchant has its
 * own share of orders and its own completion rate, so the scorecards have differences to show:
 * fresh-grocer (perishables, missed delivery slots) completes about 92 % of its orders, below the
 * scorecards' default standard of 95 %; the others between 95.5 % and 99 %.
 */
import { pick, type Random } from './random';

export const MERCHANTS = ['acme-electronics', 'bella-fashion', 'casa-home', 'delta-sports', 'evergreen-books', 'fresh-grocer', 'gadget-hub', 'happy-pets'] as const;
export type Merchant = (typeof MERCHANTS)[number];
/** Bigger merchants get more orders, and so more tickets. */
export const MERCHANT_WEIGHTS = [30, 22, 14, 10, 8, 7, 5, 4];

export const ORDER_OUTCOMES = ['completed', 'failed', 'cancelled'] as const;
export type OrderOutcome = (typeof ORDER_OUTCOMES)[number];

/** Share of a merchant's orders that fail (not delivered) and that are cancelled; the rest complete. */
const LOSS: Record<Merchant, { failed: number; cancelled: number }> = {
	'acme-electronics': { failed: 0.01, cancelled: 0.012 },
	'bella-fashion': { failed: 0.008, cancelled: 0.025 },
	'casa-home': { failed: 0.02, cancelled: 0.015 },
	'delta-sports': { failed: 0.012, cancelled: 0.018 },
	'evergreen-books': { failed: 0.004, cancelled: 0.006 },
	'fresh-grocer': { failed: 0.045, cancelled: 0.035 },
	'gadget-hub': { failed: 0.02, cancelled: 0.025 },
	'happy-pets': { failed: 0.006, cancelled: 0.014 }
};

export function pickMerchant(random: Random): Merchant {
	return pick(MERCHANTS, MERCHANT_WEIGHTS, random);
}

/** How one of the merchant's orders ends (drawn when it is confirmed). */
export function orderOutcome(merchant: Merchant, random: Random): OrderOutcome {
	const r = random();
	const loss = LOSS[merchant];
	if (r < loss.failed) return 'failed';
	if (r < loss.failed + loss.cancelled) return 'cancelled';
	return 'completed';
}

/** The share of a merchant's orders that complete, in the long run. */
export function expectedCompletion(merchant: Merchant): number {
	return 1 - LOSS[merchant].failed - LOSS[merchant].cancelled;
}
