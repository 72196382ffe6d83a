/** Helpdesk tickets: the model, the store of their latest states, and the series derived from them. */
export { describeError, isOpen, MAX_FUTURE_MS, parseTicket, parseTickets, shown, TICKET_KINDS, type Ticket, type TicketFieldError, type TicketKind } from './model';
export { TicketStore, type TicketStoreOptions, type UpsertResult } from './store';
export { AGE_BUCKETS, ANSWER_WITHIN, COMPLAINT_ANSWERED_WITHIN_S, COMPLAINT_CLOSED_WITHIN_S, deriveTicketSeries, deriveTicketSeriesInSlices, DIMENSIONS, FIRST_RESPONSE_BUCKETS, metDeadline, NONE, OTHER, WINDOWS, type DeriveOptions, type Dimension } from './derive';
export { TICKET_METRICS, type TicketMetricMetadata } from './metadata';
