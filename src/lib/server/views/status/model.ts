/**
 * The public status page as data, and the pure rules that make it: a public service's state now
 * from the latest samples of its selector (and whether a firing alert or an open incident concerns
 * it), its 90 daily bars from the report's day figures, the page's overall state, and the planned
 * maintenance announced to customers. Everything in `PublicStatusPage` is safe to show anyone: the
 * public names from the config, public titles and texts written for customers, times and figures;
 * never a selector, a series or label name, an internal title, a note, a rule or a person.
 */
import type { MaintenanceWindow } from '../../alerting/muting';
import { nextOccurrence, windowOpenAt } from '../../alerting/muting';
import type { PublicStatus, PublicUpdate, PublishedIncident } from '../../alerting/incidents';
import type { LatestResult } from '../../tsdb';
import type { DayUptime } from '../reports';

export type ServiceState = 'operational' | 'degraded' | 'down' | 'nodata';
export type BarLevel = 'up' | 'degraded' | 'down' | 'nodata';

export const STATE_TEXT: Record<ServiceState, string> = {
	operational: 'Operational',
	degraded: 'Degraded performance',
	down: 'Major outage',
	nodata: 'No data'
};

/** Days shown as bars, and the span of the uptime figure beside them. */
export const STATUS_DAYS = 90;
/** How far ahead planned maintenance is announced. */
export const MAINTENANCE_AHEAD_MS = 14 * 86_400_000;
/** A day at or above this availability is drawn up; below `DEGRADED_FLOOR` down; between, degraded. */
export const UP_FLOOR = 0.999;
export const DEGRADED_FLOOR = 0.95;
/** A sample older than this many sampling intervals (at least STALE_MIN_MS) no longer tells the state now. */
export const FRESH_INTERVALS = 3;
export const STALE_MIN_MS = 30_000;
const DEFAULT_INTERVAL_MS = 30_000;

export interface StatusBar {
	/** "2026-12-07", in the page's time zone. */
	day: string;
	level: BarLevel;
	/** null: no figure (before Vigil watched, or nothing counted). */
	availability: number | null;
	/** Part of the day only (Vigil started watching that day, or it is today). */
	partial: boolean;
}

export interface PublicService {
	/** The public name from the config. */
	name: string;
	state: ServiceState;
	stateText: string;
	/** Availability over the days shown (null: no figure). */
	uptime: number | null;
	bars: StatusBar[];
}

export interface PublicIncidentUpdate {
	at: number;
	status: PublicStatus;
	text: string;
}

export interface PublicIncident {
	title: string;
	status: PublicStatus;
	startedAt: number;
	endedAt: number | null;
	/** Newest first. */
	updates: PublicIncidentUpdate[];
}

export interface PublicMaintenance {
	title: string;
	description: string;
	start: number;
	end: number;
	inProgress: boolean;
}

/**
 * A published quarterly service-quality report, linked from the page. Filled by the quality-report
 * package (`listPublishedQualityReports`) once it is wired in; an empty list until then.
 */
export interface PublishedReportLink {
	/** "2026-Q3". */
	label: string;
	title: string;
	/** Where the published report is read (a public path). */
	href: string;
	publishedAt: number;
}

export interface PublicStatusPage {
	title: string;
	generatedAt: number;
	/** The time zone of the days and times shown. */
	timeZone: string;
	state: ServiceState;
	stateText: string;
	services: PublicService[];
	/** Open incidents first, then the last 90 days', newest first. */
	incidents: PublicIncident[];
	maintenance: PublicMaintenance[];
	/** Published quarterly service-quality reports: an empty list until the report package is wired in. */
	qualityReports: PublishedReportLink[];
	/** How uptime is counted (the reports' declared policy). */
	policy: string;
}

/**
 * A service's state now: no data when no series of it has a sample fresh enough (within
 * FRESH_INTERVALS of its interval, and not a stale marker); down when every fresh one reads 0;
 * degraded when some do, or when all read up but a firing alert or open incident concerns it;
 * else operational.
 */
export function serviceState(latest: readonly LatestResult[], now: number, concerned: boolean): ServiceState {
	const fresh = latest.filter((l) => !l.stale && Number.isFinite(l.value) && now - l.ts <= Math.max(STALE_MIN_MS, FRESH_INTERVALS * (l.intervalMs ?? DEFAULT_INTERVAL_MS)));
	if (fresh.length === 0) return 'nodata';
	const down = fresh.filter((l) => l.value <= 0).length;
	if (down === fresh.length) return 'down';
	if (down > 0 || concerned) return 'degraded';
	return 'operational';
}

/** The bar of a day: no data when nothing of it was judged (before Vigil watched it, or in the future). */
export function dayBar(d: DayUptime): StatusBar {
	const partial = d.state === 'partial';
	if (d.state === 'unwatched' || d.state === 'future' || d.availability === null) return { day: d.day, level: 'nodata', availability: null, partial };
	const level: BarLevel = d.availability >= UP_FLOOR ? 'up' : d.availability >= DEGRADED_FLOOR ? 'degraded' : 'down';
	return { day: d.day, level, availability: d.availability, partial };
}

/** The page's state: down when every service with data is down; degraded when any is down or degraded; no data when none has data. */
export function overallState(states: readonly ServiceState[]): ServiceState {
	const known = states.filter((s) => s !== 'nodata');
	if (known.length === 0) return 'nodata';
	if (known.every((s) => s === 'down')) return 'down';
	if (known.some((s) => s !== 'operational')) return 'degraded';
	return 'operational';
}

export const OVERALL_TEXT: Record<ServiceState, string> = {
	operational: 'All systems operational',
	degraded: 'Some systems are degraded',
	down: 'Major outage',
	nodata: 'Status unknown'
};

/** The overall line: a service down while others are up is a partial outage, not a degradation. */
export function overallText(states: readonly ServiceState[]): string {
	const state = overallState(states);
	return state === 'degraded' && states.includes('down') ? 'Partial outage: some systems are down' : OVERALL_TEXT[state];
}

/** An incident as customers read it: only its public title, updates (without who wrote them) and times. */
export function publicIncident(p: PublishedIncident): PublicIncident {
	const updates = [...p.updates].reverse().map((u: PublicUpdate) => ({ at: u.at, status: u.status, text: u.text }));
	return { title: p.title, status: p.status, startedAt: p.startedAt, endedAt: p.endedAt, updates };
}

/** Most occurrences of one window listed. */
const OCCURRENCES_PER_WINDOW = 5;

/**
 * The planned maintenance customers are told of: each occurrence of a window with a public notice
 * that is open now or opens within MAINTENANCE_AHEAD_MS, soonest first. Only the notice and the times.
 */
export function publicMaintenance(windows: readonly MaintenanceWindow[], now: number): PublicMaintenance[] {
	const out: PublicMaintenance[] = [];
	const horizon = now + MAINTENANCE_AHEAD_MS;
	for (const w of windows) {
		if (!w.public) continue;
		const { title, description } = w.public;
		const open = windowOpenAt(w, now);
		if (open) out.push({ title, description, start: open.start, end: open.end, inProgress: true });
		let after = open ? open.end - 1 : now;
		for (let k = 0; k < OCCURRENCES_PER_WINDOW; k++) {
			const next = nextOccurrence(w, after);
			if (!next || next.start >= horizon) break;
			out.push({ title, description, start: next.start, end: next.end, inProgress: false });
			after = next.start;
		}
	}
	return out.sort((a, b) => a.start - b.start);
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The page as /status.json sends it: the same fields, times as RFC 3339 (UTC). */
export function statusJson(p: PublicStatusPage) {
	return {
		title: p.title,
		generatedAt: iso(p.generatedAt),
		timeZone: p.timeZone,
		state: p.state,
		stateText: p.stateText,
		services: p.services.map((s) => ({ name: s.name, state: s.state, stateText: s.stateText, uptime: s.uptime, days: s.bars })),
		incidents: p.incidents.map((i) => ({ title: i.title, status: i.status, startedAt: iso(i.startedAt), endedAt: i.endedAt === null ? null : iso(i.endedAt), updates: i.updates.map((u) => ({ at: iso(u.at), status: u.status, text: u.text })) })),
		maintenance: p.maintenance.map((m) => ({ title: m.title, description: m.description, start: iso(m.start), end: iso(m.end), inProgress: m.inProgress })),
		qualityReports: p.qualityReports.map((r) => ({ label: r.label, title: r.title, href: r.href, publishedAt: iso(r.publishedAt) })),
		policy: p.policy
	};
}
