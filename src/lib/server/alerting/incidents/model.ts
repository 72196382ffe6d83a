/**
 * What an incident is, as data: the record (a Redis hash of flat fields), its members (the alerts
 * that joined it), the timeline entries (flat stream fields), the group key that decides which
 * alerts share an incident, and the codecs between them. Pure: no Redis here.
 */
import type { Labels } from '../../../shared/series';
import { SEVERITIES, type Severity } from '../../rules';

export type IncidentStatus = 'open' | 'acknowledged' | 'resolved';
export const INCIDENT_STATUSES: readonly IncidentStatus[] = ['open', 'acknowledged', 'resolved'];

/** The actor of what Vigil does by itself: incidents opened, alerts joined, auto-resolutions, notifications. */
export const SYSTEM_ACTOR = 'vigil';

/** How alerts are grouped into incidents, and how incidents end; the `incidents` section of the config. */
export interface IncidentOptions {
	/** Labels whose values name a group: a firing alert joins the open incident of its group. */
	groupBy: readonly string[];
	/** The rule is part of the group too (without it, an alert lacking every `groupBy` label still groups by its rule). */
	perRule: boolean;
	/** How long all of an incident's alerts must stay resolved before it resolves by itself (ms). */
	quietPeriod: number;
	/** A firing alert within this long of its group's incident resolving reopens it (ms). */
	reopenWindow: number;
}

export const DEFAULT_INCIDENT_OPTIONS: IncidentOptions = { groupBy: ['service'], perRule: true, quietPeriod: 5 * 60_000, reopenWindow: 30 * 60_000 };

/** An alert that joined an incident. */
export interface IncidentAlert {
	ruleId: string;
	fingerprint: string;
	labels: Labels;
	/** Epoch ms it last started firing. */
	firedAt: number;
	/** Epoch ms it stopped firing; absent while it fires. */
	resolvedAt?: number;
}

/** An incident as readers see it. */
export interface Incident {
	/** Sequential: "42". */
	id: string;
	/** How people name it: "INC-42". */
	ref: string;
	title: string;
	/** The highest severity of its alerts so far (critical > warning > info). */
	severity: Severity;
	/** The `service` label of the alert that opened it ("" when it had none). */
	service: string;
	status: IncidentStatus;
	openedAt: number;
	/** The first acknowledgement (kept when the incident is reopened and acknowledged again). */
	acknowledgedAt?: number;
	acknowledgedBy?: string;
	/** The last resolution; absent while unresolved. */
	resolvedAt?: number;
	/** `auto`, or who resolved it. */
	resolvedBy?: string;
	owner?: string;
	/** The group key of its alerts (see incidentGroupKey). */
	group: string;
	/** How many times it was reopened. */
	reopened: number;
	alerts: IncidentAlert[];
}

/** An incident in a list: its alerts counted, not listed. */
export type IncidentSummary = Omit<Incident, 'alerts'> & { alertCount: number; firingCount: number };

/**
 * The stored record: the incident plus bookkeeping. `quietSince` is when its last alert resolved
 * (absent while one fires); `hold` is set by a manual reopen, so the incident does not resolve by
 * itself until one of its alerts fires again; `notes` is the text of its notes (for search);
 * `version` moves with every write (the event feed's optimistic check).
 */
export interface IncidentRecord extends Incident {
	quietSince?: number;
	hold: boolean;
	notes: string;
	version: number;
}

export const INCIDENT_REF = /^(?:INC-)?([1-9]\d{0,15})$/i;

export function incidentRef(id: string): string {
	return `INC-${id}`;
}

/** The id of "INC-42", "inc-42" or "42"; null for anything else. */
export function parseIncidentId(text: string): string | null {
	const m = INCIDENT_REF.exec(text.trim());
	return m ? m[1]! : null;
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** An alert's severity from its `severity` label; an alert without a known one counts as `warning`. */
export function severityOf(labels: Labels): Severity {
	const s = labels.severity;
	return (SEVERITIES as readonly string[]).includes(s ?? '') ? (s as Severity) : 'warning';
}

export function maxSeverity(a: Severity, b: Severity): Severity {
	return RANK[a] >= RANK[b] ? a : b;
}

function quote(v: string): string {
	return `"${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`;
}

/**
 * The group of an alert: the rule id (when `perRule`) followed by the `groupBy` labels it has, sorted,
 * as in a series name: `shop/CheckoutSlow{service="checkout"}`. A missing label and an empty one
 * are the same group, as in Prometheus.
 *
 * Without `perRule`, every alert of a service (say) is one group, so one outage that trips several
 * rules (the probe and the error ratio of payments) is one incident. An alert that has none of the
 * `groupBy` labels keeps its rule in the group even then: it has nothing to be grouped by, and
 * unrelated shop-wide alerts (no orders, slow customer service) must not pile into one incident.
 */
export function incidentGroupKey(labels: Labels, ruleId: string, options: Pick<IncidentOptions, 'groupBy' | 'perRule'>): string {
	const names = [...new Set(options.groupBy)].filter((n) => (labels[n] ?? '') !== '').sort();
	return `${options.perRule || names.length === 0 ? ruleId : ''}{${names.map((n) => `${n}=${quote(labels[n]!)}`).join(',')}}`;
}

/** The title of a new incident: the alert's `summary` annotation, else `<alertname> on <service>`. */
export function incidentTitle(labels: Labels, annotations: Labels | undefined, ruleId: string): string {
	const summary = annotations?.summary?.trim();
	if (summary) return summary.slice(0, 300);
	const name = labels.alertname || ruleId;
	return labels.service ? `${name} on ${labels.service}` : name;
}

// ---- the record as hash fields -------------------------------------------------------------

/** The fields a list reads (not the alerts, nor the notes unless searching). */
export const SUMMARY_FIELDS = [
	'id',
	'title',
	'severity',
	'service',
	'status',
	'openedAt',
	'acknowledgedAt',
	'acknowledgedBy',
	'resolvedAt',
	'resolvedBy',
	'owner',
	'group',
	'reopened',
	'alertCount',
	'firingCount'
] as const;

/** Every field of a record, flat, for HSET (absent values are left out: delete them with HDEL). */
export function recordToHash(r: IncidentRecord): { set: Record<string, string>; unset: string[] } {
	const set: Record<string, string> = {
		id: r.id,
		title: r.title,
		severity: r.severity,
		service: r.service,
		status: r.status,
		openedAt: String(r.openedAt),
		group: r.group,
		reopened: String(r.reopened),
		alerts: JSON.stringify(r.alerts),
		alertCount: String(r.alerts.length),
		firingCount: String(r.alerts.filter((a) => a.resolvedAt === undefined).length),
		hold: r.hold ? '1' : '0',
		notes: r.notes,
		version: String(r.version)
	};
	const unset: string[] = [];
	const optional: Array<[string, string | number | undefined]> = [
		['acknowledgedAt', r.acknowledgedAt],
		['acknowledgedBy', r.acknowledgedBy],
		['resolvedAt', r.resolvedAt],
		['resolvedBy', r.resolvedBy],
		['owner', r.owner],
		['quietSince', r.quietSince]
	];
	for (const [k, v] of optional) {
		if (v === undefined) unset.push(k);
		else set[k] = String(v);
	}
	return { set, unset };
}

function num(v: string | undefined | null): number | undefined {
	if (v === undefined || v === null || v === '') return undefined;
	const n = Number(v);
	return Number.isFinite(n) ? n : undefined;
}

function str(v: string | undefined | null): string | undefined {
	return v === undefined || v === null || v === '' ? undefined : v;
}

function statusOf(v: string | undefined): IncidentStatus {
	return (INCIDENT_STATUSES as readonly string[]).includes(v ?? '') ? (v as IncidentStatus) : 'open';
}

function severityField(v: string | undefined): Severity {
	return (SEVERITIES as readonly string[]).includes(v ?? '') ? (v as Severity) : 'warning';
}

/** A summary from hash fields (HGETALL, or HMGET of SUMMARY_FIELDS zipped with their names). */
export function summaryFromHash(h: Record<string, string | null | undefined>): IncidentSummary {
	const id = h.id ?? '';
	const s: IncidentSummary = {
		id,
		ref: incidentRef(id),
		title: h.title ?? '',
		severity: severityField(h.severity ?? undefined),
		service: h.service ?? '',
		status: statusOf(h.status ?? undefined),
		openedAt: num(h.openedAt) ?? 0,
		group: h.group ?? '',
		reopened: num(h.reopened) ?? 0,
		alertCount: num(h.alertCount) ?? 0,
		firingCount: num(h.firingCount) ?? 0
	};
	const optional = {
		acknowledgedAt: num(h.acknowledgedAt),
		acknowledgedBy: str(h.acknowledgedBy),
		resolvedAt: num(h.resolvedAt),
		resolvedBy: str(h.resolvedBy),
		owner: str(h.owner)
	};
	for (const [k, v] of Object.entries(optional)) if (v !== undefined) (s as unknown as Record<string, unknown>)[k] = v;
	return s;
}

/** A record from HGETALL; null for an empty hash (no such incident). */
export function recordFromHash(h: Record<string, string>): IncidentRecord | null {
	if (!h.id) return null;
	const { alertCount: _a, firingCount: _f, ...summary } = summaryFromHash(h);
	let alerts: IncidentAlert[] = [];
	try {
		const parsed = JSON.parse(h.alerts ?? '[]') as unknown;
		if (Array.isArray(parsed)) alerts = parsed as IncidentAlert[];
	} catch {
		// an unreadable member list reads as none
	}
	const r: IncidentRecord = { ...summary, alerts, hold: h.hold === '1', notes: h.notes ?? '', version: num(h.version) ?? 0 };
	const quiet = num(h.quietSince);
	if (quiet !== undefined) r.quietSince = quiet;
	return r;
}

/** The public view of a record. */
export function publicIncident(r: IncidentRecord): Incident {
	const { quietSince: _q, hold: _h, notes: _n, version: _v, ...incident } = r;
	return incident;
}

// ---- timeline entries ---------------------------------------------------------------------

interface Base {
	/** The stream id: entries are in the order they were written. */
	id: string;
	/** Epoch ms the thing happened. */
	at: number;
	/** Who did it: `user:alice`, `token:AbCd1234 (alice)`, or `vigil` for what happened by itself. */
	actor: string;
}

/**
 * One timeline entry. Entries that change the status carry it as `from` → `to`: that is the
 * "status changed" of the timeline.
 */
export type TimelineEntry = Base &
	(
		| { type: 'opened'; ruleId: string; fingerprint: string; labels: Labels; severity: Severity; title: string }
		| { type: 'alert.joined'; ruleId: string; fingerprint: string; labels: Labels; severity: Severity }
		| { type: 'alert.fired' | 'alert.resolved'; ruleId: string; fingerprint: string }
		| { type: 'acknowledged'; from: IncidentStatus; to: IncidentStatus }
		| { type: 'assigned'; owner: string | null; previous: string | null }
		| { type: 'note'; text: string }
		| { type: 'resolved'; by: string; from: IncidentStatus; to: IncidentStatus; confirmedAt?: number }
		| { type: 'reopened'; by: string; from: IncidentStatus; to: IncidentStatus; ruleId?: string; fingerprint?: string }
		| { type: 'notification.sent' | 'notification.failed'; channel: string; notificationId: string; attempt: number; status?: number; error?: string }
	);

export type TimelineType = TimelineEntry['type'];

/** Fields of an entry for XADD (the entry without its stream id), flat: labels as JSON text. */
export function entryFields(e: DistributiveOmit<TimelineEntry, 'id'>): string[] {
	const out: string[] = [];
	for (const [k, v] of Object.entries(e)) {
		if (v === undefined) continue;
		out.push(k, k === 'labels' ? JSON.stringify(v) : v === null ? '' : String(v));
	}
	return out;
}

export type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

const NUMERIC = new Set(['at', 'attempt', 'status', 'confirmedAt']);
const NULLABLE = new Set(['owner', 'previous']);

/** An entry from XRANGE's id and flat fields. */
export function entryFromFields(id: string, flat: readonly string[]): TimelineEntry {
	const e: Record<string, unknown> = { id };
	for (let i = 0; i + 1 < flat.length; i += 2) {
		const k = flat[i]!;
		const v = flat[i + 1]!;
		if (k === 'labels') {
			try {
				e[k] = JSON.parse(v);
			} catch {
				e[k] = {};
			}
		} else if (NUMERIC.has(k) && !(k === 'status' && !/^\d+$/.test(v))) e[k] = Number(v);
		else if (NULLABLE.has(k)) e[k] = v === '' ? null : v;
		else e[k] = v;
	}
	return e as unknown as TimelineEntry;
}
