import { describe, expect, it } from 'vitest';
import type { Ticket } from '../../tickets';
import { countTickets, sumCounts, type MerchantFigures, type MerchantMeasure, type ScoreRow, type TeamFigures, type TeamMeasure } from '../scorecards';
import { meanFirstResponse, merchantStanding, serviceRows, targetRows, teamRows } from './figures';
import { DEFAULT_QUALITY_SETTINGS } from './settings';

const M = 60_000;
const H = 60 * M;
const Q = { label: '2026-Q3', from: Date.parse('2026-07-01T00:00:00Z'), to: Date.parse('2026-10-01T00:00:00Z') };
const NOW = Q.to + 10 * 24 * H;

function ticket(id: string, over: Partial<Ticket>): Ticket {
	return { id, kind: 'ticket', created: Q.from + H, firstResponse: null, resolved: null, closed: null, category: '', merchant: 'm', team: 't', rating: null, updated: Q.from + 2 * H, ...over };
}

describe('targets', () => {
	// Four tickets and three complaints in the quarter, one ticket before it (not counted).
	const tickets: Ticket[] = [
		ticket('a', { firstResponse: Q.from + H + 2 * M, closed: Q.from + 2 * H, rating: 5, team: 'desk-1' }),
		ticket('b', { firstResponse: Q.from + H + 10 * M, rating: 3, team: 'desk-2' }),
		ticket('c', { firstResponse: null, team: 'desk-2' }),
		ticket('d', { firstResponse: Q.from + H + 5 * M, rating: 4, team: '' }),
		ticket('e', { kind: 'complaint', firstResponse: Q.from + 2 * H, closed: Q.from + 20 * H, team: 'desk-1' }),
		ticket('f', { kind: 'complaint', firstResponse: Q.from + 30 * H, closed: Q.from + 60 * H, team: 'desk-1' }),
		ticket('g', { kind: 'complaint', firstResponse: Q.from + 3 * H, closed: null, team: 'desk-2' }),
		ticket('old', { created: Q.from - H, firstResponse: Q.from - H + M, rating: 1 })
	];

	it('takes each share from the tickets created in the quarter, and judges it against its level', () => {
		const counts = sumCounts([...countTickets(tickets, [Q], 'team', NOW).values()].map((a) => a[0]!));
		const rows = targetRows(counts, { name: 'f', expr: 'x', op: '<', threshold: 0.001, objective: 0.99, unit: 'ratio', steps: 2208, good: 2200, compliance: 0.99, mean: 0.0004, budget: 22, budgetUsed: 0.3, met: true, levelInForce: 0.001, next: null }, DEFAULT_QUALITY_SETTINGS);
		const by = Object.fromEntries(rows.map((r) => [r.id, r]));
		expect(rows.map((r) => r.id)).toEqual(['failureRate', 'answered5m', 'complaintsAnswered24h', 'complaintsClosed48h', 'satisfaction']);
		expect(by.failureRate).toMatchObject({ figure: 0.0004, basis: 2208, basisUnit: 'hours', met: true, op: '<', level: 0.001 });
		// within 5 min: a (2 min) and d (exactly 5) of 7 decided (c never answered and its 5 min are long past).
		expect(by.answered5m).toMatchObject({ figure: 2 / 7, basis: 7, met: false });
		// complaints answered within 24 h: e and g of e, f, g; closed within 48 h: e of the three (g still open, past 48 h).
		expect(by.complaintsAnswered24h).toMatchObject({ figure: 2 / 3, basis: 3, met: false });
		expect(by.complaintsClosed48h).toMatchObject({ figure: 1 / 3, basis: 3, met: false });
		// satisfaction: 5 and 4 of the ratings 5, 3, 4.
		expect(by.satisfaction).toMatchObject({ figure: 2 / 3, basis: 3, basisUnit: 'ratings', met: false });
	});

	it('says "no data" rather than met or missed when nothing was decided, and meets a level reached exactly', () => {
		const counts = sumCounts([]);
		const rows = targetRows(counts, null, { targets: { ...DEFAULT_QUALITY_SETTINGS.targets, satisfaction: 0.5 } });
		expect(rows.every((r) => r.figure === null && r.met === null)).toBe(true);
		const half = sumCounts([...countTickets([ticket('x', { rating: 5 }), ticket('y', { rating: 2 })], [Q], 'team', NOW).values()].map((a) => a[0]!));
		expect(targetRows(half, null, { targets: { ...DEFAULT_QUALITY_SETTINGS.targets, satisfaction: 0.5 } }).find((r) => r.id === 'satisfaction')!.met).toBe(true);
	});

	it('holds a quarter that starts on or after a stage\'s day to the stage, and shows an upcoming stage beside the level in force', () => {
		const half = sumCounts([...countTickets([ticket('x', { rating: 5 }), ticket('y', { rating: 5 }), ticket('z', { rating: 2 }), ticket('w', { rating: 4 })], [Q], 'team', NOW).values()].map((a) => a[0]!));
		const settings = { targets: DEFAULT_QUALITY_SETTINGS.targets, stages: { satisfaction: { level: 0.95, from: '2027-07-01' } } };
		const day = (d: string) => Date.parse(`${d}T00:00:00Z`);
		// The stage starts after the quarter: level 0.9 judges (0.75 missed), the stage is shown, missed too.
		const before = targetRows(half, null, settings, { from: day('2027-04-01'), dayStart: day }).find((r) => r.id === 'satisfaction')!;
		expect(before).toMatchObject({ level: 0.9, figure: 0.75, met: false, next: { level: 0.95, from: '2027-07-01', met: false } });
		// From the stage's day on, the stage is the level and nothing is shown beside it.
		const after = targetRows(half, null, settings, { from: day('2027-07-01'), dayStart: day }).find((r) => r.id === 'satisfaction')!;
		expect(after).toMatchObject({ level: 0.95, met: false, next: null });
		// Targets without a stage have none.
		expect(targetRows(half, null, settings, { from: day('2027-04-01'), dayStart: day }).find((r) => r.id === 'answered5m')!.next).toBeNull();
	});

	it('carries a failed failure-rate query as no data with its error', () => {
		const rows = targetRows(sumCounts([]), { name: 'f', expr: 'x', op: '<', threshold: 0.001, objective: 0.99, unit: 'ratio', steps: 0, good: 0, compliance: null, mean: null, budget: 0, budgetUsed: null, met: null, levelInForce: 0.001, next: null, error: 'parse error' }, DEFAULT_QUALITY_SETTINGS);
		expect(rows[0]).toMatchObject({ id: 'failureRate', figure: null, met: null, error: 'parse error' });
	});

	it('means the first-response time per team over the answered tickets of the quarter', () => {
		const m = meanFirstResponse(tickets, Q);
		expect(m.get('desk-1')).toEqual({ answered: 3, meanMs: (2 * M + H + 29 * H) / 3 });
		expect(m.get('desk-2')).toEqual({ answered: 2, meanMs: (10 * M + 2 * H) / 2 });
		expect(m.get('none')).toEqual({ answered: 1, meanMs: 5 * M });
	});
});

describe('teams, merchants and services', () => {
	const teamFig = (tickets: number): TeamFigures => ({ tickets, complaints: 0, answered5m: 0.5, resolution: 0.8, rated: 0, satisfaction: null, bases: { answered5m: tickets, resolution: tickets, satisfaction: 0 } });
	const teamRow = (name: string, tickets: number, below: TeamMeasure[]): ScoreRow<TeamFigures, TeamMeasure> => {
		const c = { quarter: Q.label, figures: teamFig(tickets), below };
		return { rank: 1, name, current: c, trend: [c] };
	};
	const merchantRow = (name: string, tickets: number, orders: number | null, below: MerchantMeasure[]): ScoreRow<MerchantFigures, MerchantMeasure> => {
		const c = { quarter: Q.label, figures: { orders, completion: null, tickets, complaints: 0, rated: 0, satisfaction: null, complaintRate: null, answered24h: null, closed48h: null, bases: { completion: 0, satisfaction: 0, complaintRate: 0, answered24h: 0, closed48h: 0 } }, below };
		return { rank: 1, name, current: c, trend: [c] };
	};

	it('keeps the teams with tickets in the quarter, with the scorecards figures and mean response', () => {
		const rows = teamRows([teamRow('desk-1', 10, ['answered5m']), teamRow('idle', 0, [])], new Map([['desk-1', { answered: 9, meanMs: 240_000 }]]));
		expect(rows).toEqual([{ team: 'desk-1', tickets: 10, meanFirstResponseMs: 240_000, answered: 9, answered5m: 0.5, resolution: 0.8, satisfaction: null, below: ['answered5m'] }]);
	});

	it('counts the merchants below standard, per measure, most measures first', () => {
		const s = merchantStanding([merchantRow('ok', 30, 100, []), merchantRow('slow', 30, null, ['closed48h']), merchantRow('bad', 5, 500, ['completion', 'closed48h']), merchantRow('gone', 0, 0, ['completion'])]);
		expect(s.total).toBe(3);
		expect(s.below).toBe(2);
		expect(s.byMeasure).toEqual({ completion: 1, satisfaction: 0, complaintRate: 0, answered24h: 0, closed48h: 2 });
		expect(s.merchants.map((m) => m.merchant)).toEqual(['bad', 'slow']);
	});

	it('names a service for customers only when the config does', () => {
		const seconds = (availability: number | null) => ({ period: 100, up: 99, down: 1, noData: 0, maintenance: 0, maintenanceDown: 0, counted: 100, countedUp: 99, availability });
		const svc = (service: string, a: number | null) => ({ service, targets: 1, watchedFrom: null, seconds: seconds(a), budgetSeconds: 0, budgetUsed: null, daily: [], trend: { now: a, before: null, delta: null, direction: null, better: null } });
		const rows = serviceRows([svc('checkout', 0.9995), svc('internal-db', 0.99), svc('toString', null)], { checkout: 'Checkout' }, 0.999);
		expect(rows.map((r) => [r.service, r.displayName, r.met])).toEqual([
			['checkout', 'Checkout', true],
			['internal-db', null, false],
			['toString', null, null]
		]);
	});
});
