/** The demo shop's domain: sales channels, queue names and the payloads of its queue jobs. */

export const CHANNELS = ['web', 'app', 'marketplace'] as const;
export type Channel = (typeof CHANNELS)[number];

export const PAYMENT_METHODS = ['card', 'gift-card'] as const;
/** A gift card is settled by the shop itself; only cards go through the payments service. */
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export const QUEUES = ['orders', 'tickets'] as const;
export type QueueName = (typeof QUEUES)[number];

export interface OrderJob {
	orderId: string;
	channel: Channel;
	items: number;
	total: number;
}

export type ComplaintReason = 'order' | 'slow-site' | 'payment-failed' | 'checkout-failed';

export interface TicketJob {
	complaintId: string;
	reason: ComplaintReason;
	orderId?: string;
}
