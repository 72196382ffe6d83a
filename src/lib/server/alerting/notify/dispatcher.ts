/**
 * The notification dispatcher: Alertmanager's aggregation groups over Vigil's alerts. Every tick
 * (once a second, on the leader) it routes the current alerts through the route tree into groups,
 * and flushes each group that is due:
 *
 * - a new group flushes `group_wait` after its first alert, then every `group_interval`;
 * - a flush notifies when the firing alerts are not a subset of those last notified, when every
 *   alert last notified has resolved, when alerts resolved and the channel wants resolved
 *   notifications, or when `repeat_interval` has passed since the last notification
 *   (Alertmanager's DedupStage.needsUpdate);
 * - alerts held back by an active silence or maintenance window are left out of the firing set (the
 *   alert keeps its state; only the notification is muted), and the decision is logged once;
 * - a resolved alert is notified only to a group that was told it fired;
 * - a group with nothing firing and nothing left to tell is dropped.
 *
 * Decisions are durable before anything is sent: the groups' new state and the notifications go to
 * Redis in one fenced script (NotificationOutbox.commit); the sender delivers from there. So a
 * restart neither loses a decided notification nor decides it twice.
 */
import { randomUUID } from 'node:crypto';
import type { Labels } from '../../../shared/series';
import type { Logger } from '../../log';
import { type GroupState, type LogInput, type NotificationOutbox } from './outbox';
import type { Notification, NotificationAlert } from './notification';
import { flattenRoutes, groupKeyOf, groupLabelsOf, matchRoutes, type Route } from './routes';
import type { JsonNumber, RuleState } from '../../rules';

/** An alert as the dispatcher sees it: one instance of a rule, firing or recently resolved. */
export interface DispatchAlert {
	/** `<rule id>|<fingerprint>`: unique across rules. */
	id: string;
	ruleId: string;
	fingerprint: string;
	labels: Labels;
	annotations: Labels;
	status: 'firing' | 'resolved';
	startsAt: number;
	endsAt?: number;
	value?: JsonNumber;
}

/** What mutes an alert's notifications now (silences and maintenance windows). */
export interface Muting {
	silencedBy(labels: Labels): string[];
	maintenanceBy(labels: Labels): string[];
}

export const NO_MUTING: Muting = { silencedBy: () => [], maintenanceBy: () => [] };

/**
 * The alerts to notify about, from the rules' states: firing instances, and resolved ones that
 * had fired (kept by the state machine for 15 minutes after resolving). Pending, no-data and error
 * instances are not notified: a rule whose no-data should page sets `nodata: alerting`.
 */
export function alertsFromStates(states: Iterable<RuleState>): DispatchAlert[] {
	const out: DispatchAlert[] = [];
	for (const s of states) {
		for (const i of s.instances) {
			const base = { id: `${s.ruleId}|${i.fingerprint}`, ruleId: s.ruleId, fingerprint: i.fingerprint, labels: i.labels, annotations: i.annotations, value: i.value };
			if (i.state === 'firing') out.push({ ...base, status: 'firing', startsAt: i.firedAt ?? i.activeAt });
			else if (i.state === 'inactive' && i.firedAt !== undefined && i.resolvedAt !== undefined) {
				out.push({ ...base, status: 'resolved', startsAt: i.firedAt, endsAt: i.resolvedAt });
			}
		}
	}
	return out;
}

export interface DispatcherOptions {
	outbox: NotificationOutbox;
	route: Route;
	/** Whether each channel wants resolved notifications (unknown channels: yes). */
	sendResolved?: (channel: string) => boolean;
	/** Incident ids of alerts, in order (undefined where none); failures leave the ids out. */
	incidentsFor?: (alerts: ReadonlyArray<{ ruleId: string; labels: Labels }>) => Promise<Array<string | undefined>>;
	/** How long delivery of one notification may be tried. */
	budgetMs: number;
	log: Logger;
	/** Idempotency keys (default: random UUIDs). */
	newKey?: () => string;
}

export interface TickResult {
	enqueued: Notification[];
	muted: LogInput[];
}

function subset(small: readonly string[], big: ReadonlySet<string>): boolean {
	for (const x of small) if (!big.has(x)) return false;
	return true;
}

/** The alerts of one aggregation group this tick. */
interface CurrentGroup {
	route: Route;
	groupLabels: Labels;
	alerts: DispatchAlert[];
}

/** A group that notifies this tick: its new state, and what it tells. */
interface Flushed {
	state: GroupState;
	firing: DispatchAlert[];
	resolved: NotificationAlert[];
}

/** One tick's decisions, made group by group and committed together. */
interface TickPlan {
	/** The groups after this tick. */
	next: Map<string, GroupState>;
	put: GroupState[];
	del: string[];
	log: LogInput[];
	flushed: Flushed[];
}

/** Firing alerts split into those to notify and those a silence or maintenance window mutes now. */
interface MutedSplit {
	firing: DispatchAlert[];
	muted: DispatchAlert[];
	silences: Set<string>;
	windows: Set<string>;
}

function splitMuted(firingAll: readonly DispatchAlert[], muting: Muting): MutedSplit {
	const out: MutedSplit = { firing: [], muted: [], silences: new Set(), windows: new Set() };
	for (const a of firingAll) {
		const s = muting.silencedBy(a.labels);
		const w = muting.maintenanceBy(a.labels);
		if (s.length || w.length) {
			out.muted.push(a);
			s.forEach((x) => out.silences.add(x));
			w.forEach((x) => out.windows.add(x));
		} else out.firing.push(a);
	}
	return out;
}

/** Resolved: alerts the group told about that have resolved, or vanished (a rule deleted). */
function resolvedSince(old: GroupState, present: readonly DispatchAlert[], firingAll: readonly DispatchAlert[], now: number): NotificationAlert[] {
	const firingIds = new Set(firingAll.map((a) => a.id));
	const resolvedNow = new Map(present.filter((a) => a.status === 'resolved').map((a) => [a.id, a]));
	const resolved: NotificationAlert[] = [];
	for (const [id, told] of Object.entries(old.firing)) {
		if (firingIds.has(id)) continue;
		const r = resolvedNow.get(id);
		resolved.push({ status: 'resolved', ruleId: told.ruleId, fingerprint: told.fingerprint, labels: told.labels, annotations: r?.annotations ?? told.annotations, startsAt: told.startsAt, endsAt: r?.endsAt ?? now, ...(r?.value !== undefined ? { value: r.value } : {}) });
	}
	return resolved;
}

/** The log entry of a group whose muted alerts changed: which silences and windows mute them. */
function mutedEntry(groupKey: string, channel: string, split: MutedSplit, now: number): LogInput {
	return {
		outcome: 'muted',
		notification: '',
		channel,
		groupKey,
		attempt: 0,
		at: now,
		title: `${split.muted.length} firing alert(s) muted`,
		alertStatus: 'firing',
		alerts: split.muted.length,
		rules: [...new Set(split.muted.map((a) => a.ruleId))],
		incidentIds: [],
		silences: [...split.silences],
		windows: [...split.windows]
	};
}

export class Dispatcher {
	private groups: Map<string, GroupState> | undefined;
	private route: Route;
	private routes = new Map<string, Route>();
	private matchCache = new Map<string, Route[]>();

	constructor(private readonly options: DispatcherOptions) {
		this.route = options.route;
		this.indexRoutes();
	}

	/** Replaces the route tree (a config reload); groups of routes that no longer exist are dropped at their next flush. */
	setRoute(route: Route): void {
		this.route = route;
		this.indexRoutes();
	}

	private indexRoutes(): void {
		this.routes = new Map(flattenRoutes(this.route).map((r) => [r.id, r]));
		this.matchCache.clear();
	}

	/**
	 * When the earliest group flushes next (epoch ms; undefined: no group, or none loaded yet), so
	 * the pipeline can run then instead of at its next backstop tick.
	 */
	nextFlushAt(): number | undefined {
		let first: number | undefined;
		for (const g of this.groups?.values() ?? []) if (first === undefined || g.nextFlushAt < first) first = g.nextFlushAt;
		return first;
	}

	/** Forgets the in-memory groups (standing by); the next tick loads them from Redis. */
	reset(): void {
		this.groups = undefined;
	}

	private routesOf(a: DispatchAlert): Route[] {
		let r = this.matchCache.get(a.id);
		if (!r) {
			if (this.matchCache.size > 100_000) this.matchCache.clear();
			this.matchCache.set(a.id, (r = matchRoutes(this.route, a.labels)));
		}
		return r;
	}

	/** Routes the alerts, flushes the due groups, and records the decisions (fenced by `token`). */
	async tick(token: number, now: number, alerts: readonly DispatchAlert[], muting: Muting = NO_MUTING): Promise<TickResult> {
		const groups = (this.groups ??= await this.options.outbox.loadGroups());
		const current = this.groupAlerts(alerts);
		const plan: TickPlan = { next: new Map(groups), put: [], del: [], log: [], flushed: [] };
		this.openGroups(plan, current, now);
		for (const [key, old] of plan.next) {
			if (now >= old.nextFlushAt) this.flushGroup(plan, key, old, current.get(key)?.alerts ?? [], muting, now);
		}
		const enqueue = await this.notifications(plan.flushed, now);
		await this.options.outbox.commit(token, { put: plan.put, del: plan.del, enqueue, log: plan.log });
		this.groups = plan.next;
		for (const n of enqueue) this.options.log.debug({ notification: n.id, channel: n.receiver, group: n.groupKey, alerts: n.alerts.length }, 'notification decided');
		return { enqueued: enqueue, muted: plan.log };
	}

	/** The alerts by aggregation group: every route an alert matches, by the group labels it takes. */
	private groupAlerts(alerts: readonly DispatchAlert[]): Map<string, CurrentGroup> {
		const current = new Map<string, CurrentGroup>();
		for (const a of alerts) {
			for (const route of this.routesOf(a)) {
				const groupLabels = groupLabelsOf(route, a.labels);
				const key = groupKeyOf(route, groupLabels);
				let g = current.get(key);
				if (!g) current.set(key, (g = { route, groupLabels, alerts: [] }));
				g.alerts.push(a);
			}
		}
		return current;
	}

	/** A group not known yet with something firing: its first flush is `group_wait` away. */
	private openGroups(plan: TickPlan, current: ReadonlyMap<string, CurrentGroup>, now: number): void {
		for (const [key, g] of current) {
			if (plan.next.has(key) || !g.alerts.some((a) => a.status === 'firing')) continue;
			const state: GroupState = {
				key,
				routeId: g.route.id,
				receiver: g.route.receiver,
				groupLabels: g.groupLabels,
				createdAt: now,
				nextFlushAt: now + g.route.groupWaitMs,
				firing: {},
				resolved: []
			};
			plan.next.set(key, state);
			plan.put.push(state);
		}
	}

	/** A due group: what it mutes, whether it notifies, and its next state (or its end). */
	private flushGroup(plan: TickPlan, key: string, old: GroupState, present: readonly DispatchAlert[], muting: Muting, now: number): void {
		const route = this.routes.get(old.routeId);
		if (!route) {
			this.options.log.info({ group: key }, 'notification group dropped: its route is no longer in notifications.route');
			plan.next.delete(key);
			plan.del.push(key);
			return;
		}
		const firingAll = present.filter((a) => a.status === 'firing');
		const muted = splitMuted(firingAll, muting);
		const resolved = resolvedSince(old, present, firingAll, now);
		const state: GroupState = { ...old, receiver: route.receiver, nextFlushAt: now + route.groupIntervalMs };
		const mutedIds = muted.muted.map((a) => a.id).sort();
		if (mutedIds.join() !== (old.muted ?? []).join()) {
			state.muted = mutedIds;
			if (mutedIds.length) plan.log.push(mutedEntry(key, route.receiver, muted, now));
		}
		const sendResolved = this.options.sendResolved?.(route.receiver) ?? true;
		if (this.needsUpdate(old, muted.firing, resolved, sendResolved, route.repeatIntervalMs, now)) {
			plan.flushed.push({ state, firing: muted.firing, resolved });
			state.lastNotifiedAt = now;
			// Muted alerts the receiver was told about stay "told": their resolution is still sent.
			const told = [...muted.firing, ...muted.muted.filter((a) => old.firing[a.id] !== undefined)];
			state.firing = Object.fromEntries(told.map((a) => [a.id, { ruleId: a.ruleId, fingerprint: a.fingerprint, labels: a.labels, annotations: a.annotations, startsAt: a.startsAt }]));
			state.resolved = resolved.map((a) => `${a.ruleId}|${a.fingerprint}`);
		}
		if (firingAll.length === 0 && Object.keys(state.firing).length === 0) {
			plan.next.delete(key);
			plan.del.push(key);
		} else {
			plan.next.set(key, state);
			plan.put.push(state);
		}
	}

	/** The flushed groups' notifications (those their channel wants), their alerts linked to incidents. */
	private async notifications(flushed: readonly Flushed[], now: number): Promise<Notification[]> {
		const incidentIds = await this.incidentIds(flushed);
		const enqueue: Notification[] = [];
		let at = 0;
		for (const f of flushed) {
			const alertsOut: NotificationAlert[] = [];
			for (const a of f.firing) {
				const inc = incidentIds[at++];
				alertsOut.push({ status: 'firing', ruleId: a.ruleId, fingerprint: a.fingerprint, labels: a.labels, annotations: a.annotations, startsAt: a.startsAt, ...(a.value !== undefined ? { value: a.value } : {}), ...(inc ? { incidentId: inc } : {}) });
			}
			for (const a of f.resolved) {
				const inc = incidentIds[at++];
				alertsOut.push({ ...a, ...(inc ? { incidentId: inc } : {}) });
			}
			const sendResolved = this.options.sendResolved?.(f.state.receiver) ?? true;
			if (!f.firing.length && !(sendResolved && f.resolved.length)) continue; // nothing this channel wants to hear
			enqueue.push(this.notification(f, alertsOut, now));
		}
		return enqueue;
	}

	/** Incident ids for the notifications' alerts (firing, then resolved, group by group), in one lookup. */
	private async incidentIds(flushed: readonly Flushed[]): Promise<Array<string | undefined>> {
		const all = flushed.flatMap((f) => [...f.firing, ...f.resolved]);
		if (!all.length || !this.options.incidentsFor) return [];
		return this.options.incidentsFor(all.map((a) => ({ ruleId: a.ruleId, labels: a.labels }))).catch((err: Error) => {
			this.options.log.warn({ err: err.message }, 'could not look up incidents for notifications; sending without incident links');
			return [];
		});
	}

	private notification(f: Flushed, alerts: NotificationAlert[], now: number): Notification {
		const idempotencyKey = this.options.newKey?.() ?? randomUUID();
		return {
			id: idempotencyKey,
			idempotencyKey,
			groupKey: f.state.key,
			routeId: f.state.routeId,
			receiver: f.state.receiver,
			status: f.firing.length ? 'firing' : 'resolved',
			groupLabels: f.state.groupLabels,
			alerts,
			incidentIds: [...new Set(alerts.map((a) => a.incidentId).filter((x): x is string => !!x))],
			createdAt: now,
			deadline: now + this.options.budgetMs,
			attempts: 0
		};
	}

	/** Alertmanager's DedupStage.needsUpdate. */
	private needsUpdate(state: GroupState, firing: readonly DispatchAlert[], resolved: readonly NotificationAlert[], sendResolved: boolean, repeatMs: number, now: number): boolean {
		if (state.lastNotifiedAt === undefined) return firing.length > 0;
		const told = new Set(Object.keys(state.firing));
		if (!subset(firing.map((a) => a.id), told)) return true;
		// Nothing (unmuted) fires: tell the receiver when alerts it knew of resolved.
		if (firing.length === 0) return resolved.length > 0;
		if (sendResolved && !subset(resolved.map((a) => `${a.ruleId}|${a.fingerprint}`), new Set(state.resolved))) return true;
		return state.lastNotifiedAt < now - repeatMs;
	}
}

