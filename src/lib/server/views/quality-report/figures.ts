/**
 * The quality report's figures, pure: assembled from what the other read models computed (the
 * scorecards' ticket counts and team and merchant rows, the reports' uptime, incidents and the
 * failure-rate SLO, the complaint analysis's category rows), never counted again another way.
 */
import type { CategoryRow } from '../complaints';
import type { ServiceUptime, SloResult } from '../reports';
import { NONE, type Ticket } from '../../tickets';
import { MERCHANT_MEASURES, type MerchantFigures, type MerchantMeasure, type ScoreRow, type TeamFigures, type TeamMeasure, type TicketCounts } from '../scorecards';
import { TARGET_IDS, TARGET_TEXT, type QualitySettings, type TargetId } from './settings';

export interface TargetRow {
	id: TargetId;
	/** "Complaints answered within 24 hours". */
	name: string;
	/** The figure must be under (`<`) or at least (`>=`) the level. */
	op: '<' | '>=';
	level: number;
	/** The quarter's figure (a share 0..1); null without data. */
	figure: number | null;
	/** What the figure rests on: tickets, complaints or ratings decided, or hours evaluated. */
	basis: number;
	basisUnit: 'tickets' | 'complaints' | 'ratings' | 'hours';
	met: boolean | null;
	/**
	 * The next stage when it starts after the quarter began (`quality.stages`): its level, its day,
	 * and whether the quarter's figure would meet it (null without data). A stage in force from the
	 * quarter's start is the `level` itself.
	 */
	next: { level: number; from: string; met: boolean | null } | null;
	/** The failure-rate query's error, when it failed (internal only). */
	error?: string;
}

export interface ServiceRow {
	/** The `service` label value (internal only). */
	service: string;
	/** The name customers see (`quality.services`); null: not published. */
	displayName: string | null;
	availability: number | null;
	/** Met the reports' uptime objective (`reports.uptimeObjective`); null without data. */
	met: boolean | null;
	downSeconds: number;
	noDataSeconds: number;
	maintenanceSeconds: number;
}

export interface CategoryChange {
	/** As the helpdesk sent it; '' for complaints without a category. */
	category: string;
	/** Complaints created in each month of the quarter. */
	months: number[];
	count: number;
	/** In the quarter before. */
	previous: number;
	change: number;
	/** change / previous; null when the quarter before had none. */
	changeRatio: number | null;
}

export interface TeamRow {
	team: string;
	tickets: number;
	/** Mean time to a first response over the tickets answered; null when none was. */
	meanFirstResponseMs: number | null;
	answered: number;
	/** The scorecards' share answered within 5 minutes, resolution rate and satisfaction. */
	answered5m: number | null;
	resolution: number | null;
	satisfaction: number | null;
	/** The scorecards' measures below standard. */
	below: TeamMeasure[];
}

export interface MerchantStanding {
	/** Merchants with tickets or orders in the quarter. */
	total: number;
	/** Of them, below standard in at least one measure. */
	below: number;
	/** Merchants below standard in each measure. */
	byMeasure: Record<MerchantMeasure, number>;
	/** The merchants below standard and in what (internal only). */
	merchants: Array<{ merchant: string; below: MerchantMeasure[] }>;
}

const ratio = (s: { eligible: number; ok: number }): number | null => (s.eligible > 0 ? s.ok / s.eligible : null);

function judged(id: TargetId, level: number, figure: number | null): boolean | null {
	if (figure === null) return null;
	return TARGET_TEXT[id].op === '<' ? figure < level : figure >= level;
}

/**
 * The plan's targets with the quarter's figures: the failure rate is the mean of the failure
 * SLO's hourly values; the others are the ticket shares of all tickets created in the quarter, as
 * the scorecards count them (deadlines decided at the report's time).
 */
export function targetRows(
	counts: TicketCounts,
	failure: (SloResult & { error?: string }) | null,
	settings: Pick<QualitySettings, 'targets'> & Partial<Pick<QualitySettings, 'stages'>>,
	/** The quarter's start, and the epoch ms a stage's day starts at (in the report's zone). */
	quarter: { from: number; dayStart: (day: string) => number } | null = null
): TargetRow[] {
	const figures: Record<TargetId, { figure: number | null; basis: number; basisUnit: TargetRow['basisUnit'] }> = {
		failureRate: { figure: failure?.mean ?? null, basis: failure?.steps ?? 0, basisUnit: 'hours' },
		answered5m: { figure: ratio(counts.answered5m), basis: counts.answered5m.eligible, basisUnit: 'tickets' },
		complaintsAnswered24h: { figure: ratio(counts.answered24h), basis: counts.answered24h.eligible, basisUnit: 'complaints' },
		complaintsClosed48h: { figure: ratio(counts.closed48h), basis: counts.closed48h.eligible, basisUnit: 'complaints' },
		satisfaction: { figure: counts.rated > 0 ? counts.satisfied / counts.rated : null, basis: counts.rated, basisUnit: 'ratings' }
	};
	return TARGET_IDS.map((id) => {
		const f = figures[id];
		const stage = settings.stages?.[id];
		const inForce = stage && quarter ? quarter.dayStart(stage.from) <= quarter.from : false;
		const level = stage && inForce ? stage.level : settings.targets[id];
		const next = stage && quarter && !inForce ? { level: stage.level, from: stage.from, met: judged(id, stage.level, f.figure) } : null;
		return { id, name: TARGET_TEXT[id].name, op: TARGET_TEXT[id].op, level, ...f, met: judged(id, level, f.figure), next, ...(id === 'failureRate' && failure?.error ? { error: failure.error } : {}) };
	});
}

/** Each service's uptime from the report, with its display name when it is published. */
export function serviceRows(services: readonly ServiceUptime[], names: Record<string, string>, objective: number): ServiceRow[] {
	return services.map((s) => {
		const a = s.seconds.availability;
		return {
			service: s.service,
			displayName: Object.hasOwn(names, s.service) ? names[s.service]! : null,
			availability: a,
			met: a === null ? null : a >= objective,
			downSeconds: s.seconds.down,
			noDataSeconds: s.seconds.noData,
			maintenanceSeconds: s.seconds.maintenance
		};
	});
}

/** The complaint analysis's rows for the quarter (buckets: its months) against the quarter before. */
export function categoryChanges(rows: readonly CategoryRow[]): CategoryChange[] {
	return rows.map((r) => ({ category: r.category, months: [...r.counts], count: r.total, previous: r.previous, change: r.change, changeRatio: r.changeRatio }));
}

/** Mean first-response time per team (as the tickets name it, `none` without one) over the quarter's answered tickets. */
export function meanFirstResponse(tickets: readonly Ticket[], q: { from: number; to: number }): Map<string, { answered: number; meanMs: number | null }> {
	const acc = new Map<string, { n: number; sum: number }>();
	for (const t of tickets) {
		if (t.created < q.from || t.created >= q.to) continue;
		const team = t.team === '' ? NONE : t.team;
		const a = acc.get(team) ?? { n: 0, sum: 0 };
		acc.set(team, a);
		if (t.firstResponse !== null) {
			a.n++;
			a.sum += t.firstResponse - t.created;
		}
	}
	return new Map([...acc].map(([team, a]) => [team, { answered: a.n, meanMs: a.n > 0 ? a.sum / a.n : null }]));
}

/** The scorecards' team rows of the quarter, with each team's mean first-response time. */
export function teamRows(rows: ReadonlyArray<ScoreRow<TeamFigures, TeamMeasure>>, response: Map<string, { answered: number; meanMs: number | null }>): TeamRow[] {
	return rows
		.filter((r) => r.current.figures.tickets > 0)
		.map((r) => {
			const f = r.current.figures;
			const m = response.get(r.name);
			return { team: r.name, tickets: f.tickets, meanFirstResponseMs: m?.meanMs ?? null, answered: m?.answered ?? 0, answered5m: f.answered5m, resolution: f.resolution, satisfaction: f.satisfaction, below: [...r.current.below] };
		});
}

/** How many merchants are below standard in the quarter, and in what (the scorecards' flags). */
export function merchantStanding(rows: ReadonlyArray<ScoreRow<MerchantFigures, MerchantMeasure>>): MerchantStanding {
	const active = rows.filter((r) => r.current.figures.tickets > 0 || (r.current.figures.orders ?? 0) > 0);
	const byMeasure = Object.fromEntries(MERCHANT_MEASURES.map((m) => [m, 0])) as Record<MerchantMeasure, number>;
	const merchants: MerchantStanding['merchants'] = [];
	for (const r of active) {
		if (r.current.below.length === 0) continue;
		merchants.push({ merchant: r.name, below: [...r.current.below] });
		for (const m of r.current.below) byMeasure[m]++;
	}
	merchants.sort((a, b) => b.below.length - a.below.length || (a.merchant < b.merchant ? -1 : a.merchant > b.merchant ? 1 : 0));
	return { total: active.length, below: merchants.length, byMeasure, merchants };
}
