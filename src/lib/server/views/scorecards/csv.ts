/**
 * The scorecards as CSV: one row per merchant (or team) and quarter shown, ranked quarter last,
 * shares as fractions (0..1, as in the API) so a spreadsheet computes with them; empty where there
 * is no data. The cells go through the reports' CSV writer (formula-looking names stay text).
 */
import { toCsv } from '../reports';
import type { MerchantFigures, TeamFigures } from './figures';
import type { Scorecards } from './load';

export const SCORECARD_TABLES = ['merchants', 'teams'] as const;
export type ScorecardTable = (typeof SCORECARD_TABLES)[number];

const MERCHANT_HEADER = ['rank', 'merchant', 'quarter', 'orders', 'completion_ratio', 'tickets', 'rated', 'satisfaction_ratio', 'complaints', 'complaints_per_order', 'complaints_answered_24h_ratio', 'complaints_closed_48h_ratio', 'below_standard'];
const TEAM_HEADER = ['rank', 'team', 'quarter', 'tickets', 'answered_5m_ratio', 'resolution_ratio', 'rated', 'satisfaction_ratio', 'below_standard'];

export function merchantsCsv(s: Scorecards): string {
	const rows = s.merchants.flatMap((r) =>
		r.trend.map((c) => {
			const f: MerchantFigures = c.figures;
			return [r.rank, r.name, c.quarter, f.orders === null ? null : Math.round(f.orders), f.completion, f.tickets, f.rated, f.satisfaction, f.complaints, f.complaintRate, f.answered24h, f.closed48h, c.below.join(' ')];
		})
	);
	return toCsv(MERCHANT_HEADER, rows);
}

export function teamsCsv(s: Scorecards): string {
	const rows = s.teams.flatMap((r) =>
		r.trend.map((c) => {
			const f: TeamFigures = c.figures;
			return [r.rank, r.name, c.quarter, f.tickets, f.answered5m, f.resolution, f.rated, f.satisfaction, c.below.join(' ')];
		})
	);
	return toCsv(TEAM_HEADER, rows);
}

export function scorecardCsv(s: Scorecards, table: ScorecardTable): string {
	return table === 'teams' ? teamsCsv(s) : merchantsCsv(s);
}
