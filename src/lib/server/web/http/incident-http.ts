/**
 * What the incident API routes share: reading a list or measures query from the URL (every
 * problem named by its parameter), and the answer to a store error (404 for a missing incident,
 * 409 for an action that does not fit its status, 400 for bad input). Framework-free: routes turn
 * the results into responses.
 */
import { unknownParam } from './query-params';
import { type Severity, SEVERITIES } from '../../rules';
import { parseTimeArg } from '../../../shared/time-arg';
import { INCIDENT_STATUSES, type IncidentStatus, decodeCursor, MAX_LIMIT, type IncidentQuery, isIncidentConflict, isIncidentInputError, isIncidentNotFound } from '../../alerting/incidents';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const LIST_PARAMS = ['from', 'to', 'service', 'severity', 'status', 'owner', 'q', 'cursor', 'limit', 'order'];
const MEASURE_PARAMS = ['from', 'to', 'service'];

/** The longest period measures are computed over at once. */
export const MEASURES_MAX_SPAN = 5 * 366 * 86_400_000;

function time(params: URLSearchParams, name: string, now: number): Parsed<number | undefined> {
	const v = params.get(name);
	if (v === null || v === '') return { ok: true, value: undefined };
	const ms = parseTimeArg(v, now);
	if (ms === null) return { ok: false, error: `${name}: expected RFC 3339, unix seconds or a time relative to now like -30d, got ${JSON.stringify(v.slice(0, 80))}` };
	return { ok: true, value: ms };
}

function list<T extends string>(params: URLSearchParams, name: string, allowed: readonly T[]): Parsed<T[] | undefined> {
	const v = params.get(name);
	if (v === null || v === '') return { ok: true, value: undefined };
	const items = v.split(',').map((s) => s.trim());
	const bad = items.find((s) => !(allowed as readonly string[]).includes(s));
	if (bad !== undefined) return { ok: false, error: `${name}: expected one or more of ${allowed.join(', ')} (comma-separated), got ${JSON.stringify(bad.slice(0, 80))}` };
	return { ok: true, value: items as T[] };
}

function text(params: URLSearchParams, name: string, max: number): Parsed<string | undefined> {
	const v = params.get(name);
	if (v === null) return { ok: true, value: undefined };
	if (v === '' || v.length > max) return { ok: false, error: `${name}: expected 1 to ${max} characters` };
	return { ok: true, value: v };
}

/** The list query of `GET /api/v1/incidents`. */
export function parseListQuery(params: URLSearchParams, now = Date.now()): Parsed<IncidentQuery> {
	const unknown = unknownParam(params, LIST_PARAMS);
	if (unknown) return { ok: false, error: unknown };
	const from = time(params, 'from', now);
	if (!from.ok) return from;
	const to = time(params, 'to', now);
	if (!to.ok) return to;
	if (from.value !== undefined && to.value !== undefined && from.value >= to.value) return { ok: false, error: 'to: must be after from' };
	const severity = list<Severity>(params, 'severity', SEVERITIES);
	if (!severity.ok) return severity;
	const status = list<IncidentStatus>(params, 'status', INCIDENT_STATUSES);
	if (!status.ok) return status;
	const service = text(params, 'service', 200);
	if (!service.ok) return service;
	const owner = text(params, 'owner', 100);
	if (!owner.ok) return owner;
	const q = text(params, 'q', 200);
	if (!q.ok) return q;
	const cursor = params.get('cursor');
	if (cursor !== null && !decodeCursor(cursor)) return { ok: false, error: 'cursor: expected the nextCursor of a previous page' };
	const limitText = params.get('limit');
	let limit: number | undefined;
	if (limitText !== null) {
		limit = Number(limitText);
		if (!/^\d+$/.test(limitText) || limit < 1 || limit > MAX_LIMIT) return { ok: false, error: `limit: expected a whole number from 1 to ${MAX_LIMIT}, got ${JSON.stringify(limitText.slice(0, 20))}` };
	}
	const order = params.get('order');
	if (order !== null && order !== 'asc' && order !== 'desc') return { ok: false, error: `order: expected asc or desc, got ${JSON.stringify(order.slice(0, 20))}` };
	const query: IncidentQuery = {};
	const all = { from: from.value, to: to.value, severity: severity.value, status: status.value, service: service.value, owner: owner.value, q: q.value, cursor: cursor ?? undefined, limit, order: order ?? undefined };
	for (const [k, v] of Object.entries(all)) if (v !== undefined) (query as Record<string, unknown>)[k] = v;
	return { ok: true, value: query };
}

/** The query of `GET /api/v1/incidents/measures`: a period (default the last 30 days) and a service. */
export function parseMeasuresQuery(params: URLSearchParams, now = Date.now()): Parsed<{ from: number; to: number; service?: string }> {
	const unknown = unknownParam(params, MEASURE_PARAMS);
	if (unknown) return { ok: false, error: unknown };
	const from = time(params, 'from', now);
	if (!from.ok) return from;
	const to = time(params, 'to', now);
	if (!to.ok) return to;
	const end = to.value ?? now;
	const start = from.value ?? end - 30 * 86_400_000;
	if (start >= end) return { ok: false, error: 'to: must be after from' };
	if (end - start > MEASURES_MAX_SPAN) return { ok: false, error: 'from: the period may be at most 5 years long' };
	const service = text(params, 'service', 200);
	if (!service.ok) return service;
	return { ok: true, value: { from: start, to: end, ...(service.value !== undefined ? { service: service.value } : {}) } };
}

/** The status and message a store error answers with; null for errors that are not the caller's (500). */
export function incidentErrorStatus(err: unknown): { status: 400 | 404 | 409; error: string } | null {
	if (isIncidentNotFound(err)) return { status: 404, error: err.message };
	if (isIncidentConflict(err)) return { status: 409, error: err.message };
	if (isIncidentInputError(err)) return { status: 400, error: err.message };
	return null;
}
