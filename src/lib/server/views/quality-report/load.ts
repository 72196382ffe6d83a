/**
 * Builds one quarter's service-quality report from the stores, through the other read models:
 * the reports' buildReport (uptime per service by the declared policy, incidents with MTTA and
 * MTTR, and the failure rate as an SLO evaluated hour by hour), the scorecards' buildScorecards
 * (the teams' and merchants' figures and flags) and counting (the quarter's ticket shares), and the
 * complaint analysis's categoryRows (complaints per category and month, against the quarter
 * before). The stored tickets are read once and handed to each.
 */
import { fromLocal } from '../../alerting/muting';
import { parseDay } from '../../../shared/slo-stage';
import type { Ticket, TicketStore } from '../../tickets';
import { categoryRows } from '../complaints';
import { buildReport, parsePeriodLabel, type ReportStores, previousPeriod, type Period, type ReportSettings, type SloTarget, type Span } from '../reports';
import { buildScorecards, countTickets, sumCounts, type ScorecardSettings } from '../scorecards';
import { categoryChanges, meanFirstResponse, merchantStanding, serviceRows, targetRows, teamRows, type CategoryChange, type MerchantStanding, type ServiceRow, type TargetRow, type TeamRow } from './figures';
import { quarterEnded } from './quarter';
import type { QualitySettings } from './settings';

/** What a report reads (the reports view's dependencies), and the tickets. */
export interface QualityReportDeps extends ReportStores {
	tickets: Pick<TicketStore, 'all' | 'options'>;
}

export interface QualityReportOptions {
	/** The quarter (parseQuarter), in the reports' zone. */
	quarter: Period;
	reports: ReportSettings;
	scorecards: ScorecardSettings;
	quality: QualitySettings;
}

/** One quarter's service-quality report, internal: names of services, teams and merchants included. */
export interface QualityReport {
	title: string;
	/** "2026-Q4". */
	quarter: string;
	/** The reports' time zone the quarter starts in. */
	zone: string;
	/** Epoch ms, [from, to). */
	from: number;
	to: number;
	/** The quarter is over: it may be published. */
	ended: boolean;
	generatedAt: number;
	/** The declared policy (`quality.policy`), then how uptime is counted (the reports' policy). */
	policy: string[];
	uptimePolicy: string;
	/** What part of the quarter the uptime covers, in words (the reports' coverage). */
	coverage: string;
	targets: TargetRow[];
	uptimeObjective: number;
	services: ServiceRow[];
	incidents: { count: number; unacknowledged: number; unresolved: number; mttaMs: number | null; mttrMs: number | null };
	complaints: { months: string[]; previousQuarter: string; categories: CategoryChange[]; total: number; previousTotal: number };
	teams: TeamRow[];
	merchants: MerchantStanding;
	tickets: {
		/** Tickets created in the quarter. */
		created: number;
		complaints: number;
		/** Some tickets of the quarter (or the one before) may be gone: it began before the ticket store's retention. */
		partial: boolean;
	};
}

/** Local midnight of a 'YYYY-MM-DD' day in a zone (epoch ms); +Infinity when it is not a day (config checks refuse those). */
function dayStart(zone: string, day: string): number {
	const d = parseDay(day);
	return d ? fromLocal(zone, Date.UTC(d.y, d.m0, d.d)) : Infinity;
}

/** The months of a quarter, in its zone. */
export function monthsOf(q: Period): Period[] {
	const [y, n] = q.label.split('-Q').map(Number) as [number, number];
	return [0, 1, 2].map((i) => parsePeriodLabel(`${y}-${String((n - 1) * 3 + i + 1).padStart(2, '0')}`, q.zone)!);
}

/** The failure rate as the reports' SLO machinery evaluates it: hourly values of the expression. */
export function failureSlo(settings: Pick<QualitySettings, 'failureRate' | 'targets'>): SloTarget {
	return { name: 'system failure rate', expr: settings.failureRate, op: '<', threshold: settings.targets.failureRate, objective: 0.99, unit: 'ratio' };
}

export async function buildQualityReport(deps: QualityReportDeps, options: QualityReportOptions): Promise<QualityReport> {
	const { now } = deps;
	const q = options.quarter;
	const before = previousPeriod(q);
	const tickets: Ticket[] = await deps.tickets.all();
	const ticketSource = { all: async () => tickets, options: deps.tickets.options };
	const limits = deps.limits ? { limits: deps.limits } : {};
	const [report, scorecards] = await Promise.all([
		buildReport({ store: deps.store, incidents: deps.incidents, windows: deps.windows, now, retention: deps.retention, ...limits }, { ...options.reports, slos: [failureSlo(options.quality)] }, q, null),
		buildScorecards({ tickets: ticketSource, store: deps.store, now, retention: deps.retention, ...limits }, { standards: options.scorecards.standards, ordersMetric: options.scorecards.ordersMetric, zone: q.zone, quarter: q.label })
	]);
	const counted = countTickets(tickets, [q], 'team', now);
	const counts = sumCounts([...counted.values()].map((a) => a[0]!));
	const months = monthsOf(q);
	const spans: Span[] = months.map((m) => ({ label: m.label, from: m.from, to: m.to }));
	const rows = categoryRows(tickets, spans, q, before);
	const m = report.incidents.measures;
	return {
		title: options.quality.title,
		quarter: q.label,
		zone: q.zone,
		from: q.from,
		to: q.to,
		ended: quarterEnded(q, now),
		generatedAt: now,
		policy: [...options.quality.policy],
		uptimePolicy: report.policy.text,
		coverage: report.coverage.text,
		targets: targetRows(counts, report.slos[0] ?? null, options.quality, { from: q.from, dayStart: (day) => dayStart(q.zone, day) }),
		uptimeObjective: options.reports.uptimeObjective,
		services: serviceRows(report.services, options.quality.services, options.reports.uptimeObjective),
		incidents: { count: m.count, unacknowledged: m.unacknowledged, unresolved: m.unresolved, mttaMs: m.tta?.mean ?? null, mttrMs: m.ttr?.mean ?? null },
		complaints: { months: months.map((x) => x.label), previousQuarter: before.label, categories: categoryChanges(rows), total: rows.reduce((s, r) => s + r.total, 0), previousTotal: rows.reduce((s, r) => s + r.previous, 0) },
		teams: teamRows(scorecards.teams, meanFirstResponse(tickets, q)),
		merchants: merchantStanding(scorecards.merchants),
		tickets: { created: counts.tickets, complaints: counts.complaints, partial: before.from < now - deps.tickets.options.retentionMs }
	};
}
