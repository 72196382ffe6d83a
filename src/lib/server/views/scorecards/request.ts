/**
 * A scorecards request from URL parameters (`quarter`, `sort`, `teamSort`), and running it over the
 * process's stores with the config's `scorecards` section (defaults when it has none).
 */
import type { TicketStore } from '../../tickets';
import type { Retention, TimeSeriesStore } from '../../tsdb';
import { parsePeriodLabel, reportSettings, type ReportSettings } from '../reports';
import { MERCHANT_MEASURES, TEAM_MEASURES, type MerchantMeasure, type TeamMeasure } from './figures';
import { buildScorecards, type Scorecards } from './load';
import { DEFAULT_SCORECARD_STANDARDS, type ScorecardStandards } from './standards';

export interface ScorecardSettings {
	standards: ScorecardStandards;
	/** The orders counter, labelled `merchant` and `outcome`. */
	ordersMetric: string;
}

export const DEFAULT_SCORECARD_SETTINGS: ScorecardSettings = { standards: DEFAULT_SCORECARD_STANDARDS, ordersMetric: 'shop_merchant_orders_total' };

export interface ScorecardRequest {
	quarter?: string;
	merchantSort: MerchantMeasure | 'standing';
	teamSort: TeamMeasure | 'standing';
}

/** What running the scorecards reads: the process's stores and settings. */
export interface ScorecardContext {
	tickets: TicketStore;
	store: TimeSeriesStore;
	reports?: { settings: ReportSettings; retention: Retention };
	scorecards?: ScorecardSettings;
}

export function scorecardSettings(ctx: Pick<ScorecardContext, 'scorecards'>): ScorecardSettings {
	return ctx.scorecards ?? DEFAULT_SCORECARD_SETTINGS;
}

/** The request of URL parameters, or the message naming the parameter that is wrong. */
export function scorecardRequest(params: URLSearchParams): { ok: true; value: ScorecardRequest } | { ok: false; error: string } {
	const quarter = params.get('quarter') || undefined;
	if (quarter !== undefined && (!/Q/i.test(quarter) || parsePeriodLabel(quarter, 'UTC') === null)) return { ok: false, error: `quarter: expected a quarter like 2026-Q3, got ${JSON.stringify(quarter.slice(0, 40))}` };
	const sort = params.get('sort') || 'standing';
	if (sort !== 'standing' && !(MERCHANT_MEASURES as readonly string[]).includes(sort)) return { ok: false, error: `sort: expected standing or one of ${MERCHANT_MEASURES.join(', ')}` };
	const teamSort = params.get('teamSort') || 'standing';
	if (teamSort !== 'standing' && !(TEAM_MEASURES as readonly string[]).includes(teamSort)) return { ok: false, error: `teamSort: expected standing or one of ${TEAM_MEASURES.join(', ')}` };
	return { ok: true, value: { ...(quarter ? { quarter: quarter.toUpperCase() } : {}), merchantSort: sort as MerchantMeasure | 'standing', teamSort: teamSort as TeamMeasure | 'standing' } };
}

export async function runScorecards(ctx: ScorecardContext, req: ScorecardRequest, now = Date.now()): Promise<Scorecards> {
	const settings = scorecardSettings(ctx);
	// Quarters start in the reports' time zone, so a scorecard's 2026-Q3 is the report's.
	const { settings: report, retention } = reportSettings(ctx);
	return buildScorecards(
		{ tickets: ctx.tickets, store: ctx.store, now, retention },
		{ standards: settings.standards, ordersMetric: settings.ordersMetric, zone: report.timeZone, quarter: req.quarter, merchantSort: req.merchantSort, teamSort: req.teamSort }
	);
}
