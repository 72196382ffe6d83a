/**
 * The alerts a wall shows: every alert that is not inactive (the alerts leader's saved state), with
 * the acknowledgement and owner of its open incident and the silence or maintenance window that
 * holds it back (the notifier's own answer: mute.ts), ordered by severity, then muted after
 * unmuted, then age (oldest first). The hub reads them once per process on an interval and fans out
 * changes; screens never cause these reads.
 */
import type { Redis } from 'ioredis';
import { MAX_ALERT_ROWS, type AlertRow, type AlertSummary } from '../../shared/live';
import type { Keys } from '../keys';
import { currentAlerts } from '../alerting/state';
import { IncidentStore, type Incident } from '../alerting/incidents';
import { storedWindow, windowOpenAt, loadMuting, parseRecord, storedSilence } from '../alerting/muting';
import type { Labels } from '../../shared/series';

const SEVERITY_RANK: Record<AlertRow['severity'], number> = { critical: 0, warning: 1, info: 2 };
/** Most open incidents read for one refresh. */
const MAX_INCIDENTS = 200;

function severityOf(labels: Record<string, string>): AlertRow['severity'] {
	const s = labels.severity;
	return s === 'critical' || s === 'warning' ? s : 'info';
}

/** Severity first (critical, warning, info), then unmuted before muted, then the oldest first, then by rule and fingerprint. */
export function orderAlerts(rows: AlertRow[]): AlertRow[] {
	const muted = (a: AlertRow) => (a.silenced || a.maintenance ? 1 : 0);
	return rows.sort(
		(a, b) =>
			SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
			muted(a) - muted(b) ||
			a.since - b.since ||
			(a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0)
	);
}

/** A maintenance window open now: its name and the end of the occurrence open now. */
export interface OpenWindow {
	id: string;
	name: string;
	until: number;
}

export interface BoardAlerts {
	rows: AlertRow[];
	/** The series asked about that a maintenance window open now covers (by their own labels), by id. */
	maintenance: Map<string, OpenWindow>;
}

/**
 * The active alerts with their incidents, silences and maintenance; `series` (those of the boards'
 * status tiles, with their labels and __name__) are tested against the windows open now too.
 */
export async function readBoardAlerts(redis: Redis, allKeys: Keys, now = Date.now(), series: ReadonlyArray<{ id: string; labels: Labels }> = []): Promise<BoardAlerts> {
	const keys = allKeys.alerts;
	const alerts = await currentAlerts(redis, allKeys);
	const muting = await loadMuting(redis, keys, now);
	const ids = await redis.zrange(keys.incidents.active, 0, MAX_INCIDENTS - 1);
	const store = new IncidentStore(redis, allKeys);
	const byFingerprint = new Map<string, Incident>();
	for (const id of ids) {
		const incident = await store.get(id);
		if (!incident || incident.status === 'resolved') continue;
		for (const a of incident.alerts) if (a.resolvedAt === undefined) byFingerprint.set(a.fingerprint, incident);
	}
	// Which silences and windows hold what, then the few of them that do, read whole.
	const silencedBy = alerts.map((a) => muting.silencedBy(a.labels));
	const inWindows = alerts.map((a) => muting.maintenanceBy(a.labels));
	const seriesWindows = series.map((s) => muting.maintenanceBy(s.labels));
	const silences = await readSilences(redis, keys, [...new Set(silencedBy.flat())]);
	const windows = await readWindows(redis, keys, [...new Set([...inWindows.flat(), ...seriesWindows.flat()])], now);
	const rows = alerts.map((a, k): AlertRow => {
		const incident = byFingerprint.get(a.fingerprint);
		const row: AlertRow = {
			ruleId: a.ruleId.slice(0, 300),
			fingerprint: a.fingerprint.slice(0, 100),
			name: (a.labels.alertname ?? a.ruleId.split('/').pop() ?? a.ruleId).slice(0, 200),
			severity: severityOf(a.labels),
			state: a.state,
			service: (a.labels.service ?? '').slice(0, 200),
			summary: (a.annotations.summary ?? a.annotations.description ?? '').slice(0, 500),
			since: a.firedAt ?? a.activeAt,
			acknowledged: incident?.status === 'acknowledged'
		};
		if (incident) row.incident = incident.ref;
		if (incident?.owner) row.owner = incident.owner.slice(0, 100);
		// Several silences: the alert stays silent until the last of them ends.
		const silence = longest(silencedBy[k]!.map((id) => silences.get(id)).filter((x) => x !== undefined));
		if (silence) row.silenced = silence;
		const window = longest(inWindows[k]!.map((id) => windows.get(id)).filter((x) => x !== undefined));
		if (window) row.maintenance = window;
		return row;
	});
	const maintenance = new Map<string, OpenWindow>();
	series.forEach((s, k) => {
		const window = longest(seriesWindows[k]!.map((id) => windows.get(id)).filter((x) => x !== undefined));
		if (window) maintenance.set(s.id, window);
	});
	return { rows: orderAlerts(rows), maintenance };
}

/** Rows sent whatever their service: more than any alerts tile shows. */
export const TOP_ALERT_ROWS = 100;

/**
 * A big list summarised, never dropped: the first TOP_ALERT_ROWS of the ordered alerts, then the
 * worst alert of each service not among them (status tiles colour a service by it), up to `max`
 * rows; and the summary of all of them (true totals, loud ones by severity, commonest rules).
 */
export function summariseAlerts(ordered: readonly AlertRow[], max = MAX_ALERT_ROWS): { rows: AlertRow[]; summary: AlertSummary } {
	const muted = (a: AlertRow) => a.silenced !== undefined || a.maintenance !== undefined;
	const summary: AlertSummary = { total: ordered.length, firing: 0, mutedFiring: 0, bySeverity: { critical: 0, warning: 0, info: 0 }, byRule: [] };
	const byRule = new Map<string, number>();
	for (const a of ordered) {
		if (a.state !== 'firing') continue;
		byRule.set(a.name, (byRule.get(a.name) ?? 0) + 1);
		if (muted(a)) summary.mutedFiring++;
		else {
			summary.firing++;
			summary.bySeverity[a.severity]++;
		}
	}
	summary.byRule = [...byRule]
		.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
		.slice(0, 10)
		.map(([name, count]) => ({ name, count }));
	if (ordered.length <= max) return { rows: [...ordered], summary };
	const top = Math.min(TOP_ALERT_ROWS, max);
	const rows = ordered.slice(0, top);
	const services = new Set(rows.map((a) => a.service));
	for (let i = top; i < ordered.length && rows.length < max; i++) {
		const a = ordered[i]!;
		if (services.has(a.service)) continue;
		services.add(a.service);
		rows.push(a);
	}
	return { rows, summary };
}

function longest<T extends { until: number }>(list: readonly T[]): T | undefined {
	return list.reduce<T | undefined>((a, b) => (a === undefined || b.until > a.until ? b : a), undefined);
}

async function readSilences(redis: Redis, keys: Keys['alerts'], ids: string[]): Promise<Map<string, NonNullable<AlertRow['silenced']>>> {
	const out = new Map<string, NonNullable<AlertRow['silenced']>>();
	if (ids.length === 0) return out;
	const texts = await redis.hmget(keys.silences, ...ids);
	ids.forEach((id, k) => {
		const r = texts[k] ? parseRecord(texts[k]!, storedSilence) : null;
		if (r?.ok) out.set(id, { id: id.slice(0, 64), until: r.value.endsAt, by: r.value.createdBy.slice(0, 200), comment: r.value.comment.slice(0, 200) });
	});
	return out;
}

async function readWindows(redis: Redis, keys: Keys['alerts'], ids: string[], now: number): Promise<Map<string, OpenWindow>> {
	const out = new Map<string, OpenWindow>();
	if (ids.length === 0) return out;
	const texts = await redis.hmget(keys.windows, ...ids);
	ids.forEach((id, k) => {
		const r = texts[k] ? parseRecord(texts[k]!, storedWindow) : null;
		if (!r?.ok) return;
		const open = windowOpenAt(r.value, now);
		if (open) out.set(id, { id: id.slice(0, 64), name: r.value.name.slice(0, 200), until: open.end });
	});
	return out;
}
