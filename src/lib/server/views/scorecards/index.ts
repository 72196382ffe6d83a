/**
 * Merchant and customer-service team scorecards: figures per quarter from the stored tickets and
 * the orders counter (through the numeric query core), judged against the configured standards,
 * ranked, and as CSV.
 */
export { countTickets, MERCHANT_MEASURES, sumCounts, TEAM_MEASURES, type TicketCounts, type MerchantFigures, type MerchantMeasure, type QuarterCell, type ScoreRow, type TeamFigures, type TeamMeasure } from './figures';
export { buildScorecards, MAX_QUARTERS, type ScorecardDeps, type ScorecardOptions, type Scorecards, type ShownQuarter } from './load';
export { scorecardCsv, SCORECARD_TABLES, type ScorecardTable } from './csv';
export { DEFAULT_SCORECARD_STANDARDS, type ScorecardStandards } from './standards';
export { DEFAULT_SCORECARD_SETTINGS, runScorecards, scorecardRequest, scorecardSettings, type ScorecardRequest, type ScorecardSettings } from './request';
