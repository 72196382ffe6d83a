/**
 * What the incident page and its postmortem show: the incident, its timeline (in time order) as
 * lines of text, responders, TTA and TTR, the member alerts' expressions evaluated over the
 * incident window (padded before and after), and the impact (duration, the service's outage from
 * its first failed probe, downtime, and the share of the month's uptime budget used). A resolved
 * incident's figures depend only on its own window and its month, never on when the page is read.
 */
import { respondersOf, timesFromTimeline, timeToAcknowledge, timeToResolve, IncidentStore, parseIncidentId, type Incident, type TimelineEntry } from '../../alerting/incidents';
import { MaintenanceStore } from '../../alerting/muting';
import { RuleRepository } from '../../alerting/ruleset';
import { processQueryLimits, rangeSeries } from '../../promql';
import { outageOf, serviceDowntime } from './load';
import { currentPeriod } from './period';
import { reportSettings, type ReportDeps } from './settings';

export interface TimelineLine {
	id: string;
	at: number;
	type: string;
	actor: string;
	text: string;
}

/** One line of text per entry (rendered as text, never as HTML). */
export function describeEntry(e: TimelineEntry): string {
	switch (e.type) {
		case 'opened':
			return `Opened by ${e.ruleId} (${e.severity}): ${e.title}`;
		case 'alert.joined':
			return `Alert ${e.ruleId} joined (${e.severity}) ${labelText(e.labels)}`;
		case 'alert.fired':
			return `Alert ${e.ruleId} fired again`;
		case 'alert.resolved':
			return `Alert ${e.ruleId} resolved`;
		case 'acknowledged':
			return `Acknowledged by ${e.actor}`;
		case 'assigned':
			return e.owner ? `Assigned to ${e.owner}${e.previous ? ` (was ${e.previous})` : ''}` : `Unassigned${e.previous ? ` (was ${e.previous})` : ''}`;
		case 'note':
			return e.text;
		case 'resolved':
			return e.by === 'auto' ? `Resolved by itself (all alerts quiet)` : `Resolved by ${e.by}`;
		case 'reopened':
			return e.by === 'auto' ? `Reopened: ${e.ruleId ?? 'an alert'} fired again` : `Reopened by ${e.by}`;
		case 'notification.sent':
			return `Notification sent to ${e.channel} (attempt ${e.attempt}${e.status ? `, HTTP ${e.status}` : ''})`;
		case 'notification.failed':
			return `Notification to ${e.channel} failed (attempt ${e.attempt}${e.status ? `, HTTP ${e.status}` : ''}${e.error ? `: ${e.error}` : ''})`;
	}
}

function labelText(labels: Record<string, string> | undefined): string {
	return labels ? `{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(', ')}}` : '';
}

export interface ChartSeries {
	name: string;
	points: Array<[number, number]>;
}

export interface IncidentView {
	incident: Incident;
	timeline: TimelineLine[];
	notes: TimelineLine[];
	responders: string[];
	tta: number | null;
	ttr: number | null;
	window: { from: number; to: number; start: number; end: number };
	chart: { series: ChartSeries[]; problems: string[] };
	impact: Impact;
}

/**
 * What an incident cost. `outage` is the service's own outage from its `up` series (first failed
 * sample to the first good one after the last failure; null when its probes did not fail): the
 * downtime is measured over it, else over the incident. The budget is the uptime objective's share
 * of the whole calendar month the incident opened in (reports.timeZone), for every target of the
 * service: a fixed figure, so a resolved incident's share never changes.
 */
export interface Impact {
	duration: number;
	services: string[];
	outage: { start: number; end: number | null } | null;
	/** The span the downtime was measured over. */
	measured: { from: number; to: number } | null;
	downSeconds: number | null;
	budgetSeconds: number | null;
	budgetUsed: number | null;
	month: string;
	objective: number;
}

async function chartOf(deps: ReportDeps, incident: Incident, from: number, to: number, now: number): Promise<IncidentView['chart']> {
	const rules = new RuleRepository(deps.redis, deps.keys);
	const ids = [...new Set(incident.alerts.map((a) => a.ruleId))].slice(0, 8);
	const span = to - from;
	const step = Math.max(15_000, Math.ceil(span / 300 / 15_000) * 15_000);
	const series: ChartSeries[] = [];
	const problems: string[] = [];
	const { retention } = reportSettings(deps);
	for (const id of ids) {
		const rule = await rules.get(id);
		if (!rule) {
			problems.push(`${id}: the rule no longer exists`);
			continue;
		}
		try {
			const found = await rangeSeries({ store: deps.store, now, retention, limits: processQueryLimits() }, rule.spec.expr, Math.floor(from / step) * step, Math.min(to, now), step, 10_000);
			for (const s of found.slice(0, 10)) series.push({ name: `${id} ${labelText(s.labels)}`, points: s.ts.map((t, i) => [t, s.values[i]!]) });
		} catch (err) {
			problems.push(`${id}: ${(err as Error).message}`);
		}
	}
	return { series, problems };
}

export async function incidentView(deps: ReportDeps, idText: string, options: { chart: boolean }, now = Date.now()): Promise<IncidentView | null> {
	const store = new IncidentStore(deps.redis, deps.keys);
	const id = parseIncidentId(idText);
	const incident = id ? await store.get(id) : null;
	if (!id || !incident) return null;
	const entries = await store.timeline(id);
	const times = timesFromTimeline(entries, incident.service);
	const resolved = incident.status === 'resolved' && incident.resolvedAt !== undefined;
	const end = resolved ? incident.resolvedAt! : now;
	const timeline = entries.map((e) => ({ id: e.id, at: e.at, type: e.type, actor: e.actor, text: describeEntry(e) }));
	const services = [...new Set([incident.service, ...incident.alerts.map((a) => a.labels.service ?? '')].filter(Boolean))];
	const { settings, retention } = reportSettings(deps);
	const month = currentPeriod('month', settings.timeZone, incident.openedAt);
	const impact: Impact = { duration: end - incident.openedAt, services, outage: null, measured: null, downSeconds: null, budgetSeconds: null, budgetUsed: null, month: month.label, objective: settings.uptimeObjective };
	if (incident.service) {
		try {
			const windows = await new MaintenanceStore(deps.redis, deps.keys, deps.audit).all();
			const read = { store: deps.store, incidents: store, windows, now, retention };
			impact.outage = await outageOf(read, incident.service, incident.openedAt, end);
			// Whole minutes around the outage: its edges fall inside minutes that are partly up, and a
			// minute cut in proportion would lose some of its down samples; the minutes' up part adds none.
			const recovered = impact.outage?.end ?? null;
			impact.measured = {
				from: Math.floor((impact.outage?.start ?? incident.openedAt) / 60_000) * 60_000,
				to: recovered !== null ? Math.min(now, Math.ceil(recovered / 60_000) * 60_000) : end
			};
			const down = await serviceDowntime(read, settings, incident.service, impact.measured.from, impact.measured.to);
			impact.downSeconds = down.counted - down.countedUp;
			impact.budgetSeconds = down.targets > 0 ? (1 - settings.uptimeObjective) * ((month.to - month.from) / 1000) * down.targets : null;
			impact.budgetUsed = impact.budgetSeconds ? impact.downSeconds / impact.budgetSeconds : null;
		} catch (err) {
			deps.log.warn({ err: (err as Error).message, incident: incident.ref }, 'could not read the uptime of an incident');
		}
	}
	const start = Math.min(incident.openedAt, impact.outage?.start ?? incident.openedAt);
	const pad = Math.max(15 * 60_000, Math.round((end - start) / 4));
	return {
		incident,
		timeline,
		notes: timeline.filter((t) => t.type === 'note'),
		responders: respondersOf(entries, times),
		tta: times ? timeToAcknowledge(times) : null,
		ttr: times ? timeToResolve(times) : null,
		window: { from: start - pad, to: end + pad, start: incident.openedAt, end },
		chart: options.chart ? await chartOf(deps, incident, start - pad, end + pad, now) : { series: [], problems: [] },
		impact
	};
}
