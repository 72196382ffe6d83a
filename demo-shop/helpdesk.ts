/**
 * The shop's helpdesk: every complaint the shop's customers make (a ticket job on the queue) and a
 * steady stream of ordinary questions become helpdesk tickets with a merchant, a team and a
 * category, answered, resolved, closed and rated as time goes on; a few are reopened or rated
 * again later. Each change is handed to `sink` (Vigil's ticket store in the demo) once a second.
 *
 * Rates follow the scenario: a payment outage makes payment complaints (the shop's failed card
 * payments), a queue backlog slows the first answers, a latency spike brings slow-site complaints.
 * Times of the simulated service are divided by `speed`, as the customer service's are.
 */
import type { Ticket } from '../src/lib/server/tickets';
import type { ComplaintReason } from './model';
import { jittered, pick, poisson, type Random } from './random';
import type { ScenarioEffects } from './scenarios';

export interface HelpdeskOptions {
	random: Random;
	speed: number;
	effects: () => ScenarioEffects;
	/** Receives the changed tickets of each tick; its failure is the caller's to log. */
	sink(tickets: Ticket[]): Promise<void>;
	now?: () => number;
	/** Questions per second at speed 1 (default 0.05: about 4,300 a day). */
	questionsPerSecond?: number;
}

export interface Helpdesk {
	/** A complaint reached the ticket queue. */
	complaint(id: string, reason: ComplaintReason, createdAt: number): void;
	/** The ticket worker answered a complaint. */
	answered(id: string): void;
	/** Moves every ticket on (answers, resolutions, ratings) and hands the changes to the sink. */
	tick(): Promise<void>;
	/** Tickets the helpdesk still follows. */
	size(): number;
	stop(): void;
}

export const MERCHANTS = ['acme-electronics', 'bella-fashion', 'casa-home', 'delta-sports', 'evergreen-books', 'fresh-grocer', 'gadget-hub', 'happy-pets'] as const;
/** Bigger merchants get more tickets. */
const MERCHANT_WEIGHTS = [30, 22, 14, 10, 8, 7, 5, 4];
const QUESTIONS = ['order-status', 'returns', 'account', 'product-question'] as const;
const CATEGORY_OF: Record<ComplaintReason, string> = { 'payment-failed': 'payment', 'checkout-failed': 'checkout', 'slow-site': 'website', order: 'delivery' };
const TEAM_OF: Record<string, string> = { payment: 'payments-desk', checkout: 'payments-desk', website: 'web-desk', delivery: 'orders-desk', 'order-status': 'orders-desk', returns: 'orders-desk', account: 'general-desk', 'product-question': 'general-desk' };

interface Followed {
	ticket: Ticket;
	/** When (epoch ms) each next step happens; undefined once done. */
	answerAt?: number;
	resolveAt?: number;
	closeAt?: number;
	/** When the helpdesk stops following it (it can still be reopened or re-rated until then). */
	forgetAt?: number;
}

const MIN = 60_000;
/** Bounds memory if nothing is ever resolved (the queue-backlog scenario for days). */
const MAX_FOLLOWED = 50_000;

export function createHelpdesk(options: HelpdeskOptions): Helpdesk {
	const now = options.now ?? Date.now;
	const { random, speed } = options;
	const followed = new Map<string, Followed>();
	const changed = new Set<string>();
	// Whole milliseconds: ticket times are epoch ms.
	const scaled = (ms: number) => Math.round(ms / speed);
	const qps = options.questionsPerSecond ?? 0.05;
	let lastTick = now();
	let seq = 0;

	const open = (ticket: Ticket, answerAt?: number) => {
		if (followed.size >= MAX_FOLLOWED) {
			const oldest = followed.keys().next();
			if (!oldest.done) followed.delete(oldest.value);
		}
		followed.set(ticket.id, { ticket, answerAt });
		changed.add(ticket.id);
	};
	const newTicket = (id: string, kind: Ticket['kind'], category: string, created: number): Ticket => ({
		id,
		kind,
		created,
		firstResponse: null,
		resolved: null,
		closed: null,
		category,
		merchant: pick(MERCHANTS, MERCHANT_WEIGHTS, random),
		team: TEAM_OF[category] ?? 'general-desk',
		rating: null,
		updated: created
	});

	/** After the first answer: resolved within minutes to hours, closed a little later. */
	const planResolution = (f: Followed, at: number) => {
		f.resolveAt = at + scaled(jittered(45 * MIN, random, 1));
		f.closeAt = f.resolveAt + scaled(jittered(20 * MIN, random, 0.8));
	};

	const step = (f: Followed, t: number) => {
		const k = f.ticket;
		let moved = false;
		if (f.answerAt !== undefined && f.answerAt <= t) {
			k.firstResponse = Math.max(k.created, f.answerAt);
			f.answerAt = undefined;
			planResolution(f, k.firstResponse);
			moved = true;
		}
		if (f.resolveAt !== undefined && f.resolveAt <= t) {
			k.resolved = f.resolveAt;
			f.resolveAt = undefined;
			moved = true;
		}
		if (f.closeAt !== undefined && f.closeAt <= t && k.resolved !== null) {
			k.closed = Math.max(k.resolved, f.closeAt);
			f.closeAt = undefined;
			k.rating = random() < 0.6 ? rate(k) : null;
			f.forgetAt = k.closed + scaled(6 * 60 * MIN);
			moved = true;
		} else if (f.forgetAt !== undefined && f.forgetAt <= t) {
			followed.delete(k.id);
		} else if (f.forgetAt !== undefined && random() < 0.0005 * speed) {
			afterClose(f, t);
			moved = true;
		}
		if (moved) {
			k.updated = Math.max(t, k.updated + 1);
			changed.add(k.id);
		}
	};

	/** Once in a while a closed ticket comes back: the customer reopens it, or changes the rating. */
	const afterClose = (f: Followed, t: number) => {
		const k = f.ticket;
		if (random() < 0.5) {
			k.resolved = null;
			k.closed = null;
			k.rating = null;
			f.forgetAt = undefined;
			planResolution(f, t);
		} else {
			k.rating = 1 + Math.floor(random() * 5);
		}
	};

	/** Ratings follow the felt wait for the first answer, and payment trouble costs goodwill. */
	const rate = (k: Ticket): number => {
		const waitS = (((k.firstResponse ?? k.created) - k.created) / 1000) * speed;
		let good = waitS <= 300 ? 0.93 : waitS <= 1800 ? 0.8 : 0.55;
		if (k.category === 'payment' || k.category === 'checkout') good -= 0.1;
		return random() < good ? pick([4, 5], [1, 2], random) : pick([1, 2, 3], [2, 2, 3], random);
	};

	const askQuestions = (t: number, elapsedS: number) => {
		const e = options.effects();
		const n = poisson(qps * speed * elapsedS * (e.traffic.browse > 1 ? 2 : 1), random);
		for (let i = 0; i < n; i++) {
			const category = pick(QUESTIONS, [4, 3, 2, 2], random);
			// Questions are answered by the helpdesk's own people: a backlog scenario slows them too.
			const answerMs = scaled(jittered(3 * MIN, random, 0.9) / Math.max(e.workerRate, 0.02));
			open(newTicket(`q-${t.toString(36)}-${(++seq).toString(36)}`, 'ticket', category, t), t + answerMs);
		}
	};

	return {
		complaint(id, reason, createdAt) {
			if (!followed.has(id)) open(newTicket(id, 'complaint', CATEGORY_OF[reason], createdAt));
		},
		answered(id) {
			const f = followed.get(id);
			if (f && f.ticket.firstResponse === null) f.answerAt = now();
		},
		async tick() {
			const t = now();
			askQuestions(t, Math.max(0, (t - lastTick) / 1000));
			lastTick = t;
			for (const f of [...followed.values()]) step(f, t);
			if (changed.size === 0) return;
			const ids = [...changed];
			const batch = ids.flatMap((id) => {
				const f = followed.get(id);
				return f ? [{ ...f.ticket }] : [];
			});
			changed.clear();
			try {
				await options.sink(batch);
			} catch (err) {
				// Sent again with the next tick's changes (Redis away for a while loses nothing followed).
				for (const id of ids) changed.add(id);
				throw err;
			}
		},
		size: () => followed.size,
		stop() {
			followed.clear();
			changed.clear();
		}
	};
}
