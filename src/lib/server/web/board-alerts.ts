/**
 * The alerts a wall shows: every alert that is not inactive (the alerts leader's saved state), with
 * the acknowledgement and owner of its open incident, ordered by severity then age (oldest first).
 * The hub reads them once per process on an interval and fans out changes; screens never cause
 * these reads.
 */
import type { Redis } from 'ioredis';
import type { AlertRow } from '../../shared/live';
import type { Keys } from '../keys';
import { currentAlerts } from '../alerting/current-alerts';
import { IncidentStore, type Incident } from '../alerting/incidents';

const SEVERITY_RANK: Record<AlertRow['severity'], number> = { critical: 0, warning: 1, info: 2 };
/** Most open incidents read for one refresh. */
const MAX_INCIDENTS = 200;

function severityOf(labels: Record<string, string>): AlertRow['severity'] {
	const s = labels.severity;
	return s === 'critical' || s === 'warning' ? s : 'info';
}

/** Severity first (critical, warning, info), then the oldest first, then by rule and fingerprint. */
export function orderAlerts(rows: AlertRow[]): AlertRow[] {
	return rows.sort(
		(a, b) =>
			SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
			a.since - b.since ||
			(a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0)
	);
}

export async function readBoardAlerts(redis: Redis, keys: Keys['alerts']): Promise<AlertRow[]> {
	const alerts = await currentAlerts(redis, keys);
	const ids = await redis.zrange(keys.incidents.active, 0, MAX_INCIDENTS - 1);
	const store = new IncidentStore(redis, keys);
	const byFingerprint = new Map<string, Incident>();
	for (const id of ids) {
		const incident = await store.get(id);
		if (!incident || incident.status === 'resolved') continue;
		for (const a of incident.alerts) if (a.resolvedAt === undefined) byFingerprint.set(a.fingerprint, incident);
	}
	const rows = alerts.map((a): AlertRow => {
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
		return row;
	});
	return orderAlerts(rows);
}
