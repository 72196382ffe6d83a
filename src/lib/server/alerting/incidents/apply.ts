/**
 * How alert state changes move incidents, as a pure function over what was read from Redis: a
 * firing alert opens an incident, joins its group's open one, or reopens its group's incident that
 * resolved within the reopen window; an alert that stops firing is marked resolved in its incident,
 * and when all of them have, the incident is quiet (it resolves by itself after the quiet period,
 * see the store's tick). The store turns the result into one checked write.
 */
import type { AlertEvent } from '../../rules';
import {
	incidentGroupKey,
	incidentTitle,
	maxSeverity,
	severityOf,
	SYSTEM_ACTOR,
	type DistributiveOmit,
	type IncidentOptions,
	type IncidentRecord,
	type TimelineEntry
} from './model';

export type NewEntry = DistributiveOmit<TimelineEntry, 'id'>;

export interface ApplyInput {
	options: Pick<IncidentOptions, 'groupBy' | 'perRule' | 'reopenWindow'>;
	/** Group key -> id of the group's latest incident, for the groups of the events (as read). */
	latest: ReadonlyMap<string, string>;
	/** The records those ids name (as read); missing ones count as none. */
	records: ReadonlyMap<string, IncidentRecord>;
	/** The last id given out (the counter's value). */
	seq: number;
	/** Annotations of an alert instance now (for the title of a new incident). */
	annotations(ruleId: string, fingerprint: string): Record<string, string> | undefined;
}

export interface ApplyResult {
	/** Records that changed, by id, as they are after the events; `created` for new ones. */
	changed: Map<string, { record: IncidentRecord; created: boolean; entries: NewEntry[] }>;
	/** Group keys whose latest incident changed. */
	latest: Map<string, string>;
	/** The counter's new value. */
	seq: number;
}

/** The event stream's state meaning "not firing any more" after firing. */
function stoppedFiring(e: AlertEvent): boolean {
	return e.from === 'firing' && e.to !== 'firing';
}

/** Recomputes when the incident went quiet: when its last alert resolved, if all have. */
function updateQuiet(r: IncidentRecord): void {
	if (r.alerts.length === 0 || r.alerts.some((a) => a.resolvedAt === undefined)) delete r.quietSince;
	else r.quietSince = Math.max(...r.alerts.map((a) => a.resolvedAt!));
}

/** Applies events in order. Events that neither start nor stop firing change nothing. */
export function applyAlertEvents(events: readonly AlertEvent[], input: ApplyInput): ApplyResult {
	const run = new EventApplier(input);
	for (const e of events) run.apply(e);
	return run.result;
}

/** The incidents as the events move them: copies of the records read, changed in memory. */
class EventApplier {
	readonly result: ApplyResult;
	private readonly latest: Map<string, string>;
	private readonly records = new Map<string, IncidentRecord>();

	constructor(private readonly input: ApplyInput) {
		this.latest = new Map(input.latest);
		this.result = { changed: new Map(), latest: new Map(), seq: input.seq };
	}

	apply(e: AlertEvent): void {
		const group = incidentGroupKey(e.labels, e.ruleId, this.input.options);
		if (e.to === 'firing') {
			const r = this.recordOf(this.latest.get(group));
			if (r && (r.status !== 'resolved' || (r.resolvedAt !== undefined && e.at - r.resolvedAt <= this.input.options.reopenWindow))) this.join(r, e);
			else this.open(group, e);
		} else if (stoppedFiring(e)) this.resolve(this.recordOf(this.latest.get(group)), e);
	}

	/** A record as changed so far (a copy of the one read, on first use). */
	private recordOf(id: string | undefined): IncidentRecord | undefined {
		if (id === undefined) return undefined;
		if (!this.records.has(id)) {
			const r = this.input.records.get(id);
			if (!r) return undefined;
			this.records.set(id, structuredClone(r));
		}
		return this.records.get(id);
	}

	/** Marks a record changed; its new timeline entries. */
	private touch(r: IncidentRecord, created = false): NewEntry[] {
		let c = this.result.changed.get(r.id);
		if (!c) this.result.changed.set(r.id, (c = { record: r, created, entries: [] }));
		return c.entries;
	}

	/** A firing alert joins its group's incident (open, or resolved within the reopen window: reopened). */
	private join(r: IncidentRecord, e: AlertEvent): void {
		const entries = this.touch(r);
		if (r.status === 'resolved') {
			entries.push({ type: 'reopened', at: e.at, actor: SYSTEM_ACTOR, by: 'auto', from: 'resolved', to: 'open', ruleId: e.ruleId, fingerprint: e.fingerprint });
			r.status = 'open';
			delete r.resolvedAt;
			delete r.resolvedBy;
			r.reopened += 1;
		}
		const severity = severityOf(e.labels);
		const member = r.alerts.find((a) => a.ruleId === e.ruleId && a.fingerprint === e.fingerprint);
		if (member) {
			member.firedAt = e.at;
			delete member.resolvedAt;
			member.labels = e.labels;
			entries.push({ type: 'alert.fired', at: e.at, actor: SYSTEM_ACTOR, ruleId: e.ruleId, fingerprint: e.fingerprint });
		} else {
			r.alerts.push({ ruleId: e.ruleId, fingerprint: e.fingerprint, labels: e.labels, firedAt: e.at });
			entries.push({ type: 'alert.joined', at: e.at, actor: SYSTEM_ACTOR, ruleId: e.ruleId, fingerprint: e.fingerprint, labels: e.labels, severity });
		}
		r.severity = maxSeverity(r.severity, severity);
		r.hold = false;
		updateQuiet(r);
	}

	/** A firing alert with no incident to join opens one, its group's latest. */
	private open(group: string, e: AlertEvent): void {
		const id = String(++this.result.seq);
		const title = incidentTitle(e.labels, this.input.annotations(e.ruleId, e.fingerprint), e.ruleId);
		const severity = severityOf(e.labels);
		const created: IncidentRecord = {
			id,
			ref: `INC-${id}`,
			title,
			severity,
			service: e.labels.service ?? '',
			status: 'open',
			openedAt: e.at,
			group,
			reopened: 0,
			alerts: [{ ruleId: e.ruleId, fingerprint: e.fingerprint, labels: e.labels, firedAt: e.at }],
			hold: false,
			notes: '',
			version: 0
		};
		this.records.set(id, created);
		this.latest.set(group, id);
		this.result.latest.set(group, id);
		this.touch(created, true).push({ type: 'opened', at: e.at, actor: SYSTEM_ACTOR, ruleId: e.ruleId, fingerprint: e.fingerprint, labels: e.labels, severity, title });
	}

	/** An alert stopped firing: resolved in its incident, if it is one of its group's incident's (it may have fired before incidents were kept). */
	private resolve(r: IncidentRecord | undefined, e: AlertEvent): void {
		const member = r?.alerts.find((a) => a.ruleId === e.ruleId && a.fingerprint === e.fingerprint && a.resolvedAt === undefined);
		if (!r || !member) return;
		member.resolvedAt = e.at;
		this.touch(r).push({ type: 'alert.resolved', at: e.at, actor: SYSTEM_ACTOR, ruleId: e.ruleId, fingerprint: e.fingerprint });
		updateQuiet(r);
	}
}
