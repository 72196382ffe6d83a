/**
 * The /incidents page's filters: a time range (a preset such as `last-quarter`, or from/to), a
 * service, severities, statuses, an owner and a text, read from the page's URL (so a link shares
 * them) into the list query of the incident store, and written back as the API's parameters (for
 * the CSV export of the same filter).
 */
import { SEVERITIES, type Severity } from '../../rules';
import { INCIDENT_STATUSES, type IncidentStatus, decodeCursor, type IncidentQuery } from '../../alerting/incidents';
import { parseTimeArg } from '../../../shared/time-arg';
import { currentPeriod, previousPeriod } from './period';

export const RANGES = ['last-7d', 'last-30d', 'this-month', 'last-month', 'this-quarter', 'last-quarter', 'all', 'custom'] as const;
export type RangePreset = (typeof RANGES)[number];
export const RANGE_LABELS: Record<RangePreset, string> = {
	'last-7d': 'Last 7 days',
	'last-30d': 'Last 30 days',
	'this-month': 'This month',
	'last-month': 'Last month',
	'this-quarter': 'This quarter',
	'last-quarter': 'Last quarter',
	all: 'All time',
	custom: 'From … to …'
};

export interface IncidentFilter {
	range: RangePreset;
	from?: number;
	to?: number;
	/** As typed (custom range). */
	fromText: string;
	toText: string;
	service: string;
	severity: Severity[];
	status: IncidentStatus[];
	owner: string;
	q: string;
	cursor?: string;
	problems: string[];
}

export function rangeBounds(range: RangePreset, zone: string, now: number): { from?: number; to?: number } {
	const DAY = 86_400_000;
	switch (range) {
		case 'last-7d':
			return { from: now - 7 * DAY };
		case 'last-30d':
			return { from: now - 30 * DAY };
		case 'this-month':
		case 'this-quarter': {
			const p = currentPeriod(range === 'this-month' ? 'month' : 'quarter', zone, now);
			return { from: p.from, to: p.to };
		}
		case 'last-month':
		case 'last-quarter': {
			const p = previousPeriod(currentPeriod(range === 'last-month' ? 'month' : 'quarter', zone, now));
			return { from: p.from, to: p.to };
		}
		default:
			return {};
	}
}

function many<T extends string>(params: URLSearchParams, name: string, allowed: readonly T[]): T[] {
	const out = new Set<T>();
	for (const v of params.getAll(name)) for (const s of v.split(',')) if ((allowed as readonly string[]).includes(s.trim())) out.add(s.trim() as T);
	return [...out];
}

export function readFilter(params: URLSearchParams, zone: string, now: number): IncidentFilter {
	const problems: string[] = [];
	const rangeText = params.get('range') ?? '';
	const fromText = (params.get('from') ?? '').slice(0, 64);
	const toText = (params.get('to') ?? '').slice(0, 64);
	const range: RangePreset = (RANGES as readonly string[]).includes(rangeText) ? (rangeText as RangePreset) : fromText || toText ? 'custom' : 'last-30d';
	let bounds: { from?: number; to?: number } = {};
	if (range === 'custom') {
		for (const [name, text] of [['from', fromText], ['to', toText]] as const) {
			if (!text) continue;
			const ms = parseTimeArg(text, now);
			if (ms === null) problems.push(`${name}: expected a date (2026-07-01), RFC 3339, or a time relative to now like -30d`);
			else bounds = { ...bounds, [name]: ms };
		}
		if (bounds.from !== undefined && bounds.to !== undefined && bounds.from >= bounds.to) {
			problems.push('to: must be after from');
			bounds = {};
		}
	} else bounds = rangeBounds(range, zone, now);
	const cursor = params.get('cursor') ?? undefined;
	return {
		range,
		...bounds,
		fromText,
		toText,
		service: (params.get('service') ?? '').slice(0, 200),
		severity: many(params, 'severity', SEVERITIES),
		status: many(params, 'status', INCIDENT_STATUSES),
		owner: (params.get('owner') ?? '').slice(0, 100),
		q: (params.get('q') ?? '').slice(0, 200),
		...(cursor && decodeCursor(cursor) ? { cursor } : {}),
		problems
	};
}

export function listQuery(f: IncidentFilter, limit: number): IncidentQuery {
	const q: IncidentQuery = { limit };
	if (f.from !== undefined) q.from = f.from;
	if (f.to !== undefined) q.to = f.to;
	if (f.service) q.service = f.service;
	if (f.severity.length) q.severity = f.severity;
	if (f.status.length) q.status = f.status;
	if (f.owner) q.owner = f.owner;
	if (f.q.trim()) q.q = f.q;
	if (f.cursor) q.cursor = f.cursor;
	return q;
}

/** The API's parameters for the same filter (absolute times), e.g. for the CSV export. */
export function apiParams(f: IncidentFilter): URLSearchParams {
	const p = new URLSearchParams();
	if (f.from !== undefined) p.set('from', new Date(f.from).toISOString());
	if (f.to !== undefined) p.set('to', new Date(f.to).toISOString());
	if (f.service) p.set('service', f.service);
	if (f.severity.length) p.set('severity', f.severity.join(','));
	if (f.status.length) p.set('status', f.status.join(','));
	if (f.owner) p.set('owner', f.owner);
	if (f.q.trim()) p.set('q', f.q);
	return p;
}

/** The page's own URL parameters for the filter (without a cursor). */
export function pageParams(f: IncidentFilter): URLSearchParams {
	const p = new URLSearchParams();
	p.set('range', f.range);
	if (f.range === 'custom') {
		if (f.fromText) p.set('from', f.fromText);
		if (f.toText) p.set('to', f.toText);
	}
	if (f.service) p.set('service', f.service);
	for (const s of f.severity) p.append('severity', s);
	for (const s of f.status) p.append('status', s);
	if (f.owner) p.set('owner', f.owner);
	if (f.q) p.set('q', f.q);
	return p;
}
