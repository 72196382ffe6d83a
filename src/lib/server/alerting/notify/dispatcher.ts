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
		const current = new Map<string, { route: Route; groupLabels: Labels; alerts: DispatchAlert[] }>();
		for (const a of alerts) {
			for (const route of this.routesOf(a)) {
				const groupLabels = groupLabelsOf(route, a.labels);
				const key = groupKeyOf(route, groupLabels);
				let g = current.get(key);
				if (!g) current.set(key, (g = { route, groupLabels, alerts: [] }));
				g.alerts.push(a);
			}
		}

		const put: GroupState[] = [];
		const del: string[] = [];
		const enqueue: Notification[] = [];
		const log: LogInput[] = [];
		const next = new Map(groups);

		for (const [key, g] of current) {
			if (next.has(key) || !g.alerts.some((a) => a.status === 'firing')) continue;
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
			next.set(key, state);
			put.push(state);
		}

		const flushed: Array<{ state: GroupState; firing: DispatchAlert[]; resolved: NotificationAlert[] }> = [];
		for (const [key, old] of next) {
			if (now < old.nextFlushAt) continue;
			const route = this.routes.get(old.routeId);
			if (!route) {
				this.options.log.info({ group: key }, 'notification group dropped: its route is no longer in notifications.route');
				next.delete(key);
				del.push(key);
				continue;
			}
			const g = current.get(key);
			const present = g?.alerts ?? [];
			const firingAll = present.filter((a) => a.status === 'firing');
			const firing: DispatchAlert[] = [];
			const mutedNow: DispatchAlert[] = [];
			const silences = new Set<string>();
			const windows = new Set<string>();
			for (const a of firingAll) {
				const s = muting.silencedBy(a.labels);
				const w = muting.maintenanceBy(a.labels);
				if (s.length || w.length) {
					mutedNow.push(a);
					s.forEach((x) => silences.add(x));
					w.forEach((x) => windows.add(x));
				} else firing.push(a);
			}
			// Resolved: alerts the group told about that have resolved, or vanished (a rule deleted).
			const firingIds = new Set(firingAll.map((a) => a.id));
			const resolvedNow = new Map(present.filter((a) => a.status === 'resolved').map((a) => [a.id, a]));
			const resolved: NotificationAlert[] = [];
			for (const [id, told] of Object.entries(old.firing)) {
				if (firingIds.has(id)) continue;
				const r = resolvedNow.get(id);
				resolved.push({ status: 'resolved', ruleId: told.ruleId, fingerprint: told.fingerprint, labels: told.labels, annotations: r?.annotations ?? told.annotations, startsAt: told.startsAt, endsAt: r?.endsAt ?? now, ...(r?.value !== undefined ? { value: r.value } : {}) });
			}
			const state: GroupState = { ...old, receiver: route.receiver, nextFlushAt: now + route.groupIntervalMs };
			const mutedIds = mutedNow.map((a) => a.id).sort();
			if (mutedIds.join() !== (old.muted ?? []).join()) {
				state.muted = mutedIds;
				if (mutedIds.length) {
					log.push({
						outcome: 'muted',
						notification: '',
						channel: route.receiver,
						groupKey: key,
						attempt: 0,
						at: now,
						title: `${mutedIds.length} firing alert(s) muted`,
						alertStatus: 'firing',
						alerts: mutedIds.length,
						rules: [...new Set(mutedNow.map((a) => a.ruleId))],
						incidentIds: [],
						silences: [...silences],
						windows: [...windows]
					});
				}
			}
			const sendResolved = this.options.sendResolved?.(route.receiver) ?? true;
			if (this.needsUpdate(old, firing, resolved, sendResolved, route.repeatIntervalMs, now)) {
				flushed.push({ state, firing, resolved });
				state.lastNotifiedAt = now;
				// Muted alerts the receiver was told about stay "told": their resolution is still sent.
				const told = [...firing, ...mutedNow.filter((a) => old.firing[a.id] !== undefined)];
				state.firing = Object.fromEntries(told.map((a) => [a.id, { ruleId: a.ruleId, fingerprint: a.fingerprint, labels: a.labels, annotations: a.annotations, startsAt: a.startsAt }]));
				state.resolved = resolved.map((a) => `${a.ruleId}|${a.fingerprint}`);
			}
			if (firingAll.length === 0 && Object.keys(state.firing).length === 0) {
				next.delete(key);
				del.push(key);
			} else {
				next.set(key, state);
				put.push(state);
			}
		}

		// Incident ids for the notifications' alerts, in one lookup.
		const all = flushed.flatMap((f) => [...f.firing, ...f.resolved]);
		let incidentIds: Array<string | undefined> = [];
		if (all.length && this.options.incidentsFor) {
			incidentIds = await this.options.incidentsFor(all.map((a) => ({ ruleId: a.ruleId, labels: a.labels }))).catch((err: Error) => {
				this.options.log.warn({ err: err.message }, 'could not look up incidents for notifications; sending without incident links');
				return [];
			});
		}
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
			const idempotencyKey = this.options.newKey?.() ?? randomUUID();
			enqueue.push({
				id: idempotencyKey,
				idempotencyKey,
				groupKey: f.state.key,
				routeId: f.state.routeId,
				receiver: f.state.receiver,
				status: f.firing.length ? 'firing' : 'resolved',
				groupLabels: f.state.groupLabels,
				alerts: alertsOut,
				incidentIds: [...new Set(alertsOut.map((a) => a.incidentId).filter((x): x is string => !!x))],
				createdAt: now,
				deadline: now + this.options.budgetMs,
				attempts: 0
			});
		}

		await this.options.outbox.commit(token, { put, del, enqueue, log });
		this.groups = next;
		for (const n of enqueue) this.options.log.debug({ notification: n.id, channel: n.receiver, group: n.groupKey, alerts: n.alerts.length }, 'notification decided');
		return { enqueued: enqueue, muted: log };
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

