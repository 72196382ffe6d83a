/**
 * Type and help of every series the tickets collector writes, as a scrape would give them: the
 * query API's /api/v1/metadata and the rule editor's hints read these.
 */
export interface TicketMetricMetadata {
	metric: string;
	type: 'gauge' | 'histogram';
	help: string;
	unit: string;
}

const W = 'tickets created in the window, at their latest state';

export const TICKET_METRICS: readonly TicketMetricMetadata[] = [
	{ metric: 'vigil_tickets_created', type: 'gauge', help: `Helpdesk ${W}, by kind.`, unit: '' },
	{ metric: 'vigil_tickets_first_response_seconds', type: 'histogram', help: `Time to the first answer of the ${W} that have one.`, unit: 'seconds' },
	{ metric: 'vigil_tickets_answered_within_1m_ratio', type: 'gauge', help: `Share of the ${W} answered within 1 minute, among those decided.`, unit: 'ratio' },
	{ metric: 'vigil_tickets_answered_within_5m_ratio', type: 'gauge', help: `Share of the ${W} answered within 5 minutes, among those decided.`, unit: 'ratio' },
	{ metric: 'vigil_tickets_complaints_answered_within_24h_ratio', type: 'gauge', help: 'Share of the complaints created in the window answered within 24 hours, among those decided.', unit: 'ratio' },
	{ metric: 'vigil_tickets_complaints_closed_within_48h_ratio', type: 'gauge', help: 'Share of the complaints created in the window closed within 48 hours, among those decided.', unit: 'ratio' },
	{ metric: 'vigil_tickets_resolved_ratio', type: 'gauge', help: `Share of the ${W} that are resolved or closed.`, unit: 'ratio' },
	{ metric: 'vigil_tickets_rated', type: 'gauge', help: `Rated ${W}.`, unit: '' },
	{ metric: 'vigil_tickets_satisfaction_ratio', type: 'gauge', help: `Share of the rated ${W} rated 4 or 5.`, unit: 'ratio' },
	{ metric: 'vigil_tickets_satisfaction_mean', type: 'gauge', help: `Mean rating (1-5) of the rated ${W}.`, unit: '' },
	{ metric: 'vigil_tickets_open', type: 'gauge', help: 'Open tickets (neither resolved nor closed) now, by kind and age.', unit: '' },
	{ metric: 'vigil_tickets_oldest_open_age_seconds', type: 'gauge', help: 'Age of the oldest open ticket (0 when none).', unit: 'seconds' },
	{ metric: 'vigil_tickets_label_values_folded', type: 'gauge', help: 'Values of team, category or merchant beyond tickets.maxLabelValues, labelled other.', unit: '' },
	{ metric: 'vigil_tickets_stored', type: 'gauge', help: 'Tickets in the ticket store.', unit: '' },
	{ metric: 'vigil_tickets_source_rows_read', type: 'gauge', help: 'Rows the run read from the helpdesk database.', unit: '' },
	{ metric: 'vigil_tickets_source_rows_refused', type: 'gauge', help: 'Rows the run refused (not valid tickets).', unit: '' }
];
