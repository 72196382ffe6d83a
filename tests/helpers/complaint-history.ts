/**
 * A fixture for the complaint analysis: complaint (and plain ticket) states in the ticket store
 * around a week, and incidents opened by alert events and resolved at their historic times, for a
 * range of the last 7 days in UTC. Payment complaints come in a wave on day 3 of the range, while
 * a payments incident is open; the other categories are placed to sit on either side of the
 * growth rule (≥ 5 and ≥ 50 % more than the previous period).
 */
import type { Redis } from 'ioredis';
import { IncidentStore } from '../../src/lib/server/alerting/incidents';
import { createKeys } from '../../src/lib/server/keys';
import type { AlertEvent } from '../../src/lib/server/rules/types';
import { TicketStore } from '../../src/lib/server/tickets/store';
import type { Ticket } from '../../src/lib/server/tickets/model';

const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface ComplaintHistory {
	/** The range of "last 7 days" at `now` in UTC: today and the 6 days before. */
	from: number;
	/** The tickets' latest states, as stored. */
	tickets: Ticket[];
	incidents: Array<{ id: string; ref: string; service: string; title: string; openedAt: number; resolvedAt?: number }>;
	/** The payment wave's day: [from + 3 days, from + 4 days). */
	waveDay: number;
}

/** Complaints per category: [in the previous period, per day 0..5 of the range]. */
export const PLAN: Record<string, { previous: number; days: number[] }> = {
	payment: { previous: 4, days: [1, 0, 0, 12, 1, 0] }, // 4 → 14: grown, busiest day 3
	delivery: { previous: 10, days: [2, 2, 2, 2, 2, 2] }, // 10 → 12: +20 %
	refund: { previous: 2, days: [1, 1, 1, 1, 1, 1] }, // 2 → 6: +200 % but only 4 more
	login: { previous: 12, days: [3, 3, 3, 3, 3, 2] }, // 12 → 17: 5 more but +42 %
	'': { previous: 0, days: [0, 1, 1, 1, 0, 0] }, // no category: 0 → 3
	'app-crash': { previous: 0, days: [0, 5, 0, 0, 0, 0] } // new, 5: grown, busiest day 1
};

function plannedTickets(from: number, now: number): Ticket[] {
	const out: Ticket[] = [];
	const add = (id: string, kind: Ticket['kind'], category: string, created: number) =>
		out.push({ id, kind, created, firstResponse: created + 10 * 60_000, resolved: null, closed: null, category, merchant: 'acme-electronics', team: 'payments-desk', rating: null, updated: Math.min(now, created + HOUR) });
	for (const [category, plan] of Object.entries(PLAN)) {
		const prevFrom = from - 6 * DAY;
		for (let i = 0; i < plan.previous; i++) add(`P-${category}-${i}`, 'complaint', category, prevFrom + Math.floor(((i + 0.5) * 6 * DAY) / plan.previous));
		plan.days.forEach((n, d) => {
			// The wave comes within four hours of the day; other days' complaints spread over it.
			const span = category === 'payment' && d === 3 ? 4 * HOUR : 20 * HOUR;
			const start = from + d * DAY + (category === 'payment' && d === 3 ? 10 * HOUR : 2 * HOUR);
			for (let i = 0; i < n; i++) add(`C-${category}-${d}-${i}`, 'complaint', category, start + Math.floor((i * span) / n));
		});
	}
	// Questions about payments on the wave's day are tickets, not complaints: not counted.
	for (let i = 0; i < 20; i++) add(`Q-${i}`, 'ticket', 'payment', from + 3 * DAY + 11 * HOUR + i * 60_000);
	return out;
}

/** Opens an incident by an alert event as the feed would; returns its id and the title it was given. */
async function openIncident(client: Redis, store: IncidentStore, keys: ReturnType<typeof createKeys>, n: number, service: string, title: string, openedAt: number): Promise<{ id: string; title: string }> {
	const e: AlertEvent = { ruleId: `shop/${title.replace(/\W+/g, '')}`, fingerprint: `cp${n}`, labels: { alertname: title, service, severity: 'critical' }, from: 'pending', to: 'firing', at: openedAt, value: 1 };
	await client.xadd(keys.alerts.events, '*', 'e', JSON.stringify(e));
	await store.applyEvents();
	const opened = (await store.list({ limit: 1 })).incidents[0]!;
	return { id: opened.id, title: opened.title };
}

/** Writes the tickets and incidents under `prefix`; `now` is the analysis's now. */
export async function writeComplaintHistory(client: Redis, prefix: string, now: number): Promise<ComplaintHistory> {
	const from = Math.floor(now / DAY) * DAY - 6 * DAY;
	const keys = createKeys(prefix);
	const tickets = plannedTickets(from, now);
	const ticketStore = new TicketStore(client, keys, { retentionMs: 120 * DAY });
	// One wave complaint was first filed under delivery, then moved to payment: its latest state counts.
	const moved = tickets.find((t) => t.id === 'C-payment-3-0')!;
	await ticketStore.upsert([{ ...moved, category: 'delivery', updated: moved.updated - 30 * 60_000 }], now);
	await ticketStore.upsert(tickets, now);

	let at = now;
	const store = new IncidentStore(client, keys, { now: () => at });
	const incidents: ComplaintHistory['incidents'] = [];
	// In time order: the feed applies alert events as they come.
	const plan: Array<{ service: string; title: string; openedAt: number; lasts?: number }> = [
		{ service: 'checkout', title: 'Checkout latency high', openedAt: now - 40 * DAY }, // still open: in every bucket
		{ service: 'search', title: 'Search index stale', openedAt: from - 3 * DAY, lasts: DAY }, // before the range
		{ service: 'search', title: 'Search errors', openedAt: from + DAY + 2 * HOUR, lasts: HOUR }, // day 1
		{ service: 'payments', title: 'Payment gateway errors', openedAt: from + 3 * DAY + 9 * HOUR, lasts: 6 * HOUR } // the wave's day
	];
	for (const [n, p] of plan.entries()) {
		at = p.openedAt;
		const { id, title } = await openIncident(client, store, keys, n, p.service, p.title, p.openedAt);
		const row: ComplaintHistory['incidents'][number] = { id, ref: `INC-${id}`, service: p.service, title, openedAt: p.openedAt };
		if (p.lasts !== undefined) {
			at = p.openedAt + p.lasts;
			await store.resolve(id, { actor: 'user:eng1' });
			row.resolvedAt = at;
		}
		incidents.push(row);
	}
	return { from, tickets, incidents, waveDay: from + 3 * DAY };
}
