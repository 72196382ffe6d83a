/**
 * The shop's customer service: which complaints are waiting for a first answer, which are still
 * open, and how satisfied customers are with the answers. The ticket worker reports answers here;
 * the customer-service gauges read a snapshot. Times of the simulated service scale with `speed`.
 */
import type { CustomerServiceSnapshot } from './metrics';
import type { ComplaintReason } from './model';

export interface CustomerServiceOptions {
	random: () => number;
	/** Resolution times and the customers' patience are divided by this. */
	speed: number;
	now?: () => number;
}

export interface AnsweredComplaint {
	complaintId: string;
	reason: ComplaintReason;
	/** When the complaint was made (ms), i.e. when its ticket job was created. */
	openedAt: number;
}

export interface CustomerService {
	/** A complaint is queued and waits for its first answer. */
	opened(complaintId: string, openedAt: number): void;
	/** The first answer went out; returns the first-response time in seconds. */
	answered(complaint: AnsweredComplaint): number;
	snapshot(): CustomerServiceSnapshot;
}

interface Entry {
	openedAt: number;
	answeredAt?: number;
	resolveAt?: number;
}

/** Bounds memory if complaints pile up for weeks; the oldest entries go first. */
const MAX_TRACKED = 20_000;
const RATINGS_KEPT = 100;
const MIN_RESOLVE_S = 10 * 60;
const MAX_RESOLVE_S = 8 * 3600;

export function createCustomerService(options: CustomerServiceOptions): CustomerService {
	const now = options.now ?? Date.now;
	const { random, speed } = options;
	const entries = new Map<string, Entry>();
	const ratings: boolean[] = [];

	const track = (id: string, entry: Entry) => {
		if (entries.size >= MAX_TRACKED) {
			const oldest = entries.keys().next();
			if (!oldest.done) entries.delete(oldest.value);
		}
		entries.set(id, entry);
	};

	const rate = (firstResponseSeconds: number, reason: ComplaintReason) => {
		// The customer lives in the simulated time: at speed 20 a 15 s wait feels like 5 minutes.
		const felt = firstResponseSeconds * speed;
		let p = felt <= 300 ? 0.97 : felt <= 1800 ? 0.8 : 0.5;
		if (reason === 'payment-failed' || reason === 'checkout-failed') p -= 0.1;
		ratings.push(random() < p);
		if (ratings.length > RATINGS_KEPT) ratings.shift();
	};

	return {
		opened(complaintId, openedAt) {
			if (!entries.has(complaintId)) track(complaintId, { openedAt });
		},
		answered(complaint) {
			const t = now();
			const seconds = Math.max(0, (t - complaint.openedAt) / 1000);
			const resolveSeconds = MIN_RESOLVE_S * (MAX_RESOLVE_S / MIN_RESOLVE_S) ** random();
			const entry = entries.get(complaint.complaintId);
			const answered = { answeredAt: t, resolveAt: t + (resolveSeconds * 1000) / speed };
			if (entry) Object.assign(entry, answered);
			else track(complaint.complaintId, { openedAt: complaint.openedAt, ...answered });
			rate(seconds, complaint.reason);
			return seconds;
		},
		snapshot() {
			const t = now();
			let oldestOpen = t;
			let oldestUnanswered = t;
			for (const [id, entry] of entries) {
				if (entry.resolveAt !== undefined && entry.resolveAt <= t) {
					entries.delete(id);
					continue;
				}
				oldestOpen = Math.min(oldestOpen, entry.openedAt);
				if (entry.answeredAt === undefined) oldestUnanswered = Math.min(oldestUnanswered, entry.openedAt);
			}
			const satisfied = ratings.filter(Boolean).length;
			return {
				open: entries.size,
				oldestUnansweredSeconds: Math.max(0, (t - oldestUnanswered) / 1000),
				oldestOpenSeconds: Math.max(0, (t - oldestOpen) / 1000),
				// No rating yet: nobody has been disappointed.
				satisfaction: ratings.length === 0 ? 1 : satisfied / ratings.length
			};
		}
	};
}
