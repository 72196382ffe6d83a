import { describe, expect, it } from 'vitest';
import { parseTicket, type Ticket } from '../src/lib/server/tickets';
import { createHelpdesk } from './helpdesk';
import { effectsOf, type Scenario } from './scenarios';

/** A seeded uniform source, so a run is the same every time. */
function seeded(seed: number): () => number {
	let s = seed >>> 0;
	return () => {
		s = (s * 1664525 + 1013904223) >>> 0;
		return s / 2 ** 32;
	};
}

function simulate(scenario: Scenario, seconds: number) {
	let t = Date.UTC(2026, 0, 5, 10);
	const stored = new Map<string, Ticket>();
	const random = seeded(3);
	const desk = createHelpdesk({
		random,
		speed: 20,
		effects: () => effectsOf(scenario),
		now: () => t,
		sink: async (tickets) => {
			for (const k of tickets) {
				const before = stored.get(k.id);
				// Every state handed on is one the push API would take, and later than the last one.
				const parsed = parseTicket(k, t, t);
				expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
				if (before) expect(k.updated).toBeGreaterThan(before.updated);
				stored.set(k.id, k);
			}
		}
	});
	return {
		stored,
		async run() {
			for (let i = 0; i < seconds; i++) {
				t += 1000;
				// The shop's complaints: failed payments during an outage, a few otherwise.
				if (random() < (scenario === 'payment-outage' ? 0.5 : 0.03)) {
					const id = `c-${i}`;
					desk.complaint(id, scenario === 'payment-outage' ? 'payment-failed' : 'order', t);
					const answerIn = i;
					if (answerIn % 2 === 0) desk.answered(id);
				}
				await desk.tick();
			}
		}
	};
}

describe('demo helpdesk', () => {
	it('makes questions and complaints that are answered, resolved, closed and rated as time goes on', async () => {
		const s = simulate('normal', 3600);
		await s.run();
		const all = [...s.stored.values()];
		expect(all.filter((k) => k.kind === 'ticket').length).toBeGreaterThan(1000);
		expect(all.filter((k) => k.closed !== null).length).toBeGreaterThan(500);
		expect(all.filter((k) => k.rating !== null).length).toBeGreaterThan(200);
		expect(new Set(all.map((k) => k.merchant)).size).toBeGreaterThan(5);
	});

	it('turns a payment outage into a wave of payment complaints for the payments desk', async () => {
		const normal = simulate('normal', 600);
		const outage = simulate('payment-outage', 600);
		await normal.run();
		await outage.run();
		const payment = (m: Map<string, Ticket>) => [...m.values()].filter((k) => k.kind === 'complaint' && k.category === 'payment');
		expect(payment(normal.stored).length).toBe(0);
		expect(payment(outage.stored).length).toBeGreaterThan(200);
		expect(new Set(payment(outage.stored).map((k) => k.team))).toEqual(new Set(['payments-desk']));
	});
});
