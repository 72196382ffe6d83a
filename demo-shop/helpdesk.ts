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
import { pickMerchant } from './merchants';
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
	/**
	 * Questions per second at speed 1 (0.05 is about 4,300 a day).
	 * @defaultValue 0.05
	 */
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
	return new SimulatedHelpdesk(options);
}

class SimulatedHelpdesk implements Helpdesk {
	private readonly followed = new Map<string, Followed>();
	private readonly changed = new Set<string>();
	private readonly now: () => number;
	private readonly random: Random;
	private lastTick: number;
	private seq = 0;

	constructor(private readonly options: HelpdeskOptions) {
		this.now = options.now ?? Date.now;
		this.random = options.random;
		this.lastTick = this.now();
	}

	complaint(id: string, reason: ComplaintReason, createdAt: number): void {
		if (!this.followed.has(id)) this.open(this.newTicket(id, 'complaint', CATEGORY_OF[reason], createdAt));
	}

	answered(id: string): void {
		const f = this.followed.get(id);
		if (f && f.ticket.firstResponse === null) f.answerAt = this.now();
	}

	async tick(): Promise<void> {
		const t = this.now();
		this.askQuestions(t, Math.max(0, (t - this.lastTick) / 1000));
		this.lastTick = t;
		for (const f of [...this.followed.values()]) this.step(f, t);
		if (this.changed.size === 0) return;
		const ids = [...this.changed];
		const batch = ids.flatMap((id) => {
			const f = this.followed.get(id);
			return f ? [{ ...f.ticket }] : [];
		});
		this.changed.clear();
		try {
			await this.options.sink(batch);
		} catch (err) {
			// Sent again with the next tick's changes (Redis away for a while loses nothing followed).
			for (const id of ids) this.changed.add(id);
			throw err;
		}
	}

	size(): number {
		return this.followed.size;
	}

	stop(): void {
		this.followed.clear();
		this.changed.clear();
	}

	/** Simulated durations in whole milliseconds (ticket times are epoch ms), divided by the speed. */
	private scaled(ms: number): number {
		return Math.round(ms / this.options.speed);
	}

	private open(ticket: Ticket, answerAt?: number): void {
		if (this.followed.size >= MAX_FOLLOWED) {
			const oldest = this.followed.keys().next();
			if (!oldest.done) this.followed.delete(oldest.value);
		}
		this.followed.set(ticket.id, { ticket, answerAt });
		this.changed.add(ticket.id);
	}

	private newTicket(id: string, kind: Ticket['kind'], category: string, created: number): Ticket {
		return {
			id,
			kind,
			created,
			firstResponse: null,
			resolved: null,
			closed: null,
			category,
			merchant: pickMerchant(this.random),
			team: TEAM_OF[category] ?? 'general-desk',
			rating: null,
			updated: created
		};
	}

	private askQuestions(t: number, elapsedS: number): void {
		const e = this.options.effects();
		const qps = this.options.questionsPerSecond ?? 0.05;
		const n = poisson(qps * this.options.speed * elapsedS * (e.traffic.browse > 1 ? 2 : 1), this.random);
		for (let i = 0; i < n; i++) {
			const category = pick(QUESTIONS, [4, 3, 2, 2], this.random);
			// Questions are answered by the helpdesk's own people: a backlog scenario slows them too.
			const answerMs = this.scaled(jittered(3 * MIN, this.random, 0.9) / Math.max(e.workerRate, 0.02));
			this.open(this.newTicket(`q-${t.toString(36)}-${(++this.seq).toString(36)}`, 'ticket', category, t), t + answerMs);
		}
	}

	/** After the first answer: resolved within minutes to hours, closed a little later. */
	private planResolution(f: Followed, at: number): void {
		f.resolveAt = at + this.scaled(jittered(45 * MIN, this.random, 1));
		f.closeAt = f.resolveAt + this.scaled(jittered(20 * MIN, this.random, 0.8));
	}

	/** Moves one ticket on to what has happened by `t`. */
	private step(f: Followed, t: number): void {
		const k = f.ticket;
		let moved = false;
		if (f.answerAt !== undefined && f.answerAt <= t) {
			k.firstResponse = Math.max(k.created, f.answerAt);
			f.answerAt = undefined;
			this.planResolution(f, k.firstResponse);
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
			k.rating = this.random() < 0.6 ? this.rate(k) : null;
			f.forgetAt = k.closed + this.scaled(6 * 60 * MIN);
			moved = true;
		} else if (f.forgetAt !== undefined && f.forgetAt <= t) {
			this.followed.delete(k.id);
		} else if (f.forgetAt !== undefined && this.random() < 0.0005 * this.options.speed) {
			this.afterClose(f, t);
			moved = true;
		}
		if (moved) {
			k.updated = Math.max(t, k.updated + 1);
			this.changed.add(k.id);
		}
	}

	/** Once in a while a closed ticket comes back: the customer reopens it, or changes the rating. */
	private afterClose(f: Followed, t: number): void {
		const k = f.ticket;
		if (this.random() < 0.5) {
			k.resolved = null;
			k.closed = null;
			k.rating = null;
			f.forgetAt = undefined;
			this.planResolution(f, t);
		} else {
			k.rating = 1 + Math.floor(this.random() * 5);
		}
	}

	/** Ratings follow the felt wait for the first answer, and payment trouble costs goodwill. */
	private rate(k: Ticket): number {
		const waitS = (((k.firstResponse ?? k.created) - k.created) / 1000) * this.options.speed;
		let good = waitS <= 300 ? 0.93 : waitS <= 1800 ? 0.8 : 0.55;
		if (k.category === 'payment' || k.category === 'checkout') good -= 0.1;
		return this.random() < good ? pick([4, 5], [1, 2], this.random) : pick([1, 2, 3], [2, 2, 3], this.random);
	}
}
