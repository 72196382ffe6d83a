/**
 * Incidents in Redis: the records, their timelines and indexes, moved by two kinds of writer.
 *
 * - The alerts leader applies the alert event stream (`applyEvents`) and resolves quiet incidents
 *   (`resolveQuiet`). Each batch of events is read, applied in memory (incident-apply.ts), and
 *   written by one script together with the stream cursor, only if the cursor and every record it
 *   read are unchanged (else it reads again): two processes (an old and a new leader) never apply
 *   an event twice, and a restart resumes after the last applied event.
 * - People act from the web (acknowledge, assign, note, resolve, reopen): each action is one
 *   script that checks the transition and writes the record, the timeline and the indexes at once.
 *
 * A script rather than WATCH/MULTI: WATCH holds on one connection only, and a client that
 * reconnects between WATCH and EXEC would run the transaction unguarded; a script checks and
 * writes in one atomic call on any connection.
 */
import type { Redis } from 'ioredis';
import type { AuditLog } from '../../audit';
import type { Keys } from '../../keys';
import type { Logger } from '../../log';
import type { AlertEvent, RuleState } from '../../rules';
import type { Labels } from '../../../shared/series';
import { applyAlertEvents } from './apply';
import { inTimeOrder } from './measures';
import {
	DEFAULT_INCIDENT_OPTIONS,
	entryFields,
	entryFromFields,
	incidentGroupKey,
	incidentRef,
	publicIncident,
	recordFromHash,
	recordToHash,
	SYSTEM_ACTOR,
	type Incident,
	type IncidentOptions,
	type IncidentRecord,
	type TimelineEntry
} from './model';
import { listIncidents, readMeasures, type IncidentPage, type IncidentQuery, type PeriodMeasures } from './query';
import { ACT, APPEND, APPLY } from './scripts';

export type { Incident, IncidentAlert, IncidentOptions, IncidentStatus, IncidentSummary, TimelineEntry } from './model';
export { incidentGroupKey, incidentRef, parseIncidentId, INCIDENT_STATUSES, DEFAULT_INCIDENT_OPTIONS } from './model';
export type { IncidentPage, IncidentQuery, PeriodMeasures } from './query';
export type { DurationStats, Measures } from './measures';

/** There is no incident with that id (the API answers 404). */
export class IncidentNotFoundError extends Error {
	override name = 'IncidentNotFoundError';
}

/** The action does not fit the incident's status (the API answers 409). */
export class IncidentConflictError extends Error {
	override name = 'IncidentConflictError';
}

/** The input of an action is not acceptable (the API answers 400); the message names the field. */
export class IncidentInputError extends Error {
	override name = 'IncidentInputError';
}

// By name, not `instanceof`: the web server's routes and the stores come from two bundles.
export const isIncidentNotFound = (err: unknown): err is IncidentNotFoundError => err instanceof Error && err.name === 'IncidentNotFoundError';
export const isIncidentConflict = (err: unknown): err is IncidentConflictError => err instanceof Error && err.name === 'IncidentConflictError';
export const isIncidentInputError = (err: unknown): err is IncidentInputError => err instanceof Error && err.name === 'IncidentInputError';

/** Who acts, for the timeline and the audit log. */
export interface ActionBy {
	/** `user:alice`, `token:AbCd1234 (alice)`, `cli:root`. */
	actor: string;
	ip?: string;
}

/** A notification's delivery attempt, as the notifier reports it. */
export interface NotificationOutcome {
	outcome: 'sent' | 'failed';
	channel: string;
	notificationId: string;
	attempt: number;
	/** The HTTP status of the answer, if there was one. */
	status?: number;
	error?: string;
	/** Epoch ms of the attempt. */
	at: number;
}

export interface IncidentStoreOptions {
	/** Grouping, quiet period and reopen window (the `incidents` section of the config). */
	incidents?: Partial<IncidentOptions>;
	/** Where people's actions are recorded. */
	audit?: AuditLog;
	log?: Logger;
	/**
	 * Events applied per write.
	 * @defaultValue 200
	 */
	batchSize?: number;
	/**
	 * The time of people's actions. Default Date.now.
	 * @defaultValue Date.now
	 */
	now?: () => number;
}

export const NOTE_MAX = 10_000;
export const OWNER_MAX = 100;
const RETRIES = 20;

type Action = 'acknowledge' | 'assign' | 'note' | 'resolve' | 'reopen';

/** Stream ids compare as two numbers: milliseconds, then sequence. */
function compareStreamIds(a: string, b: string): number {
	const [am, as = '0'] = a.split('-');
	const [bm, bs = '0'] = b.split('-');
	const d = BigInt(am!) - BigInt(bm!);
	if (d !== 0n) return d < 0n ? -1 : 1;
	const s = BigInt(as) - BigInt(bs);
	return s === 0n ? 0 : s < 0n ? -1 : 1;
}

function parseEvent(fields: readonly string[]): AlertEvent | null {
	const i = fields.indexOf('e');
	if (i < 0) return null;
	try {
		const e = JSON.parse(fields[i + 1]!) as AlertEvent;
		if (typeof e.ruleId !== 'string' || typeof e.fingerprint !== 'string' || typeof e.at !== 'number' || typeof e.labels !== 'object' || e.labels === null) return null;
		return e;
	} catch {
		return null;
	}
}

export class IncidentStore {
	readonly options: IncidentOptions;
	private readonly keys: Keys['alerts']['incidents'];
	private readonly batchSize: number;
	private readonly alertKeys: Keys['alerts'];
	private readonly now: () => number;
	private warnedTrim: string | undefined;

	constructor(
		private readonly redis: Redis,
		keys: Keys,
		private readonly deps: IncidentStoreOptions = {}
	) {
		this.alertKeys = keys.alerts;
		this.keys = keys.alerts.incidents;
		this.options = { ...DEFAULT_INCIDENT_OPTIONS, ...deps.incidents };
		this.batchSize = deps.batchSize ?? 200;
		this.now = deps.now ?? Date.now;
	}

	// ---- the alerts leader ------------------------------------------------------------------

	/**
	 * Applies the alert events written since the last applied one, in order, each exactly once;
	 * returns how many were read (applied or, when they change no incident, passed). Stops after
	 * `maxEvents` (default 10,000) so a long backlog is applied in several calls.
	 */
	async applyEvents(options: { maxEvents?: number } = {}): Promise<number> {
		const max = options.maxEvents ?? 10_000;
		let total = 0;
		while (total < max) {
			const n = await this.applyBatch(Math.min(this.batchSize, max - total));
			total += n;
			if (n === 0) break;
		}
		return total;
	}

	private async applyBatch(count: number): Promise<number> {
		for (let attempt = 0; attempt < RETRIES; attempt++) {
			const cursor = (await this.redis.get(this.keys.cursor)) ?? '';
			const [rangeRes, infoRes] = (await this.redis
				.pipeline()
				.xrange(this.alertKeys.events, cursor ? `(${cursor}` : '-', '+', 'COUNT', count)
				.call('XINFO', 'STREAM', this.alertKeys.events)
				.exec())!;
			if (rangeRes![0]) throw rangeRes![0];
			const rows = rangeRes![1] as Array<[string, string[]]>;
			if (cursor && !infoRes![0]) this.checkTrimmed(cursor, infoRes![1] as unknown[]);
			if (rows.length === 0) return 0;
			const events: AlertEvent[] = [];
			for (const [id, fields] of rows) {
				const e = parseEvent(fields);
				if (e) events.push(e);
				else this.deps.log?.warn({ id }, 'alert event unreadable; incidents skip it');
			}
			const newCursor = rows[rows.length - 1]![0];
			if (await this.applyParsed(events, cursor, newCursor)) return rows.length;
		}
		throw new Error('incidents changed on every attempt to apply alert events; they are applied at the next call');
	}

	/**
	 * Warns (once per gap) when the event stream lost entries after the cursor: its first entry is
	 * after the cursor (trimmed past it; the stream holds ~100,000 events, so this means the feed
	 * fell that far behind), or an entry after the cursor was deleted.
	 */
	private checkTrimmed(cursor: string, info: unknown[]): void {
		const field = (name: string) => {
			const i = info.indexOf(name);
			return i >= 0 ? info[i + 1] : undefined;
		};
		const first = field('first-entry') as [string, unknown] | null | undefined;
		const maxDeleted = field('max-deleted-entry-id');
		const lost = Boolean(first && compareStreamIds(first[0], cursor) > 0) || (typeof maxDeleted === 'string' && compareStreamIds(maxDeleted, cursor) > 0);
		if (lost && this.warnedTrim !== cursor) {
			this.warnedTrim = cursor;
			this.deps.log?.warn(
				{ cursor, stream: this.alertKeys.events },
				'the alert event stream was trimmed past the last event applied to incidents: state changes after it may be missing from incidents; applying continues with the oldest event left'
			);
		}
	}

	/** Applies parsed events with one checked write; false when something moved meanwhile. */
	private async applyParsed(events: readonly AlertEvent[], cursor: string, newCursor: string): Promise<boolean> {
		const groups = [...new Set(events.map((e) => incidentGroupKey(e.labels, e.ruleId, this.options)))];
		const head = await this.redis
			.pipeline()
			.get(this.keys.seq)
			.hmget(this.keys.latest, ...(groups.length ? groups : ['']))
			.exec();
		const seq = Number((head?.[0]?.[1] as string | null) ?? 0);
		const latestIds = (head?.[1]?.[1] as Array<string | null>) ?? [];
		const latest = new Map<string, string>();
		groups.forEach((g, i) => latestIds[i] && latest.set(g, latestIds[i]!));
		const ids = [...new Set(latest.values())];
		const records = new Map<string, IncidentRecord>();
		if (ids.length) {
			const pipe = this.redis.pipeline();
			for (const id of ids) pipe.hgetall(this.keys.record(id));
			const res = (await pipe.exec()) ?? [];
			ids.forEach((id, i) => {
				const r = recordFromHash((res[i]?.[1] as Record<string, string>) ?? {});
				if (r) records.set(id, r);
			});
		}
		// New incidents take their title from the alert's annotations: read them only when needed.
		const wanted = new Set<string>();
		const input = {
			options: this.options,
			latest,
			records,
			seq,
			annotations: (ruleId: string) => {
				wanted.add(ruleId);
				return undefined;
			}
		};
		let result = applyAlertEvents(events, input);
		if (wanted.size) {
			const annotations = await this.annotations([...wanted]);
			result = applyAlertEvents(events, { ...input, annotations: (ruleId, fp) => annotations.get(`${ruleId}\n${fp}`) });
		}

		const keyList: string[] = [this.keys.cursor];
		const index = new Map<string, number>([[this.keys.cursor, 1]]);
		const k = (key: string) => {
			let i = index.get(key);
			if (i === undefined) {
				keyList.push(key);
				index.set(key, (i = keyList.length));
			}
			return i;
		};
		const guards: Array<[number, string]> = [...records.values()].map((r) => [k(this.keys.record(r.id)), String(r.version)]);
		/** [command, key index, ...arguments]. */
		const ops: Array<[string, number, ...string[]]> = [];
		for (const { record: r, created, entries } of result.changed.values()) {
			r.version += 1;
			const rec = k(this.keys.record(r.id));
			const { set, unset } = recordToHash(r);
			ops.push(['HSET', rec, ...Object.entries(set).flat()]);
			if (unset.length && !created) ops.push(['HDEL', rec, ...unset]);
			const tl = k(this.keys.timeline(r.id));
			for (const e of entries) ops.push(['XADD', tl, '*', ...entryFields(e)]);
			if (created) {
				ops.push(['ZADD', k(this.keys.byOpened), String(r.openedAt), r.id]);
				if (r.service) ops.push(['ZADD', k(this.keys.byService(r.service)), String(r.openedAt), r.id]);
			}
			if (r.status !== 'resolved') ops.push(['ZADD', k(this.keys.active), String(r.openedAt), r.id]);
			else ops.push(['ZREM', k(this.keys.active), r.id]);
			if (r.status !== 'resolved' && r.quietSince !== undefined && !r.hold) ops.push(['ZADD', k(this.keys.quiet), String(r.quietSince), r.id]);
			else ops.push(['ZREM', k(this.keys.quiet), r.id]);
		}
		if (result.latest.size) ops.push(['HSET', k(this.keys.latest), ...[...result.latest].flat()]);
		if (result.seq !== seq) ops.push(['SET', k(this.keys.seq), String(result.seq)]);
		const ok = await this.redis.eval(APPLY, keyList.length, ...keyList, cursor, newCursor, JSON.stringify(guards), JSON.stringify(ops));
		return Number(ok) === 1;
	}

	/** Annotations of the instances of some rules, by `ruleId\nfingerprint`, from the alert state. */
	private async annotations(ruleIds: string[]): Promise<Map<string, Record<string, string>>> {
		const out = new Map<string, Record<string, string>>();
		const texts = await this.redis.hmget(this.alertKeys.state, ...ruleIds);
		texts.forEach((text, i) => {
			if (!text) return;
			try {
				const saved = JSON.parse(text) as { state?: RuleState };
				for (const inst of saved.state?.instances ?? []) out.set(`${ruleIds[i]}\n${inst.fingerprint}`, inst.annotations ?? {});
			} catch {
				// an unreadable state gives the default title
			}
		});
		return out;
	}

	/**
	 * Resolves the incidents whose alerts have all stayed resolved for the quiet period by `now`;
	 * returns their ids. The resolution time is when the last alert resolved.
	 */
	async resolveQuiet(now: number): Promise<string[]> {
		const due = await this.redis.zrangebyscore(this.keys.quiet, '-inf', now - this.options.quietPeriod, 'LIMIT', 0, 500);
		const resolved: string[] = [];
		for (const id of due) {
			const r = await this.act(id, 'auto-resolve', now, SYSTEM_ACTOR, String(this.options.quietPeriod));
			if (r[0] === 'ok') resolved.push(id);
		}
		return resolved;
	}

	// ---- the notifier -----------------------------------------------------------------------

	/** The group key of an alert under this store's options. */
	groupKey(labels: Labels, ruleId: string): string {
		return incidentGroupKey(labels, ruleId, this.options);
	}

	/**
	 * The incident each alert belongs to now (its group's latest incident, open or resolved), in
	 * the order given; null for an alert whose group has none. Apply the events first
	 * (`applyEvents`) so that alerts that just fired have theirs.
	 */
	async currentIncidentIds(alerts: ReadonlyArray<{ ruleId: string; labels: Labels }>): Promise<Array<string | null>> {
		if (alerts.length === 0) return [];
		const ids = await this.redis.hmget(this.keys.latest, ...alerts.map((a) => this.groupKey(a.labels, a.ruleId)));
		return ids.map((id) => id ?? null);
	}

	/** Adds a notification's delivery attempt to the timelines of the incidents (those that exist); returns how many. */
	async recordNotification(incidentIds: readonly string[], entry: NotificationOutcome): Promise<number> {
		const ids = [...new Set(incidentIds)];
		if (ids.length === 0) return 0;
		const fields = entryFields({
			type: entry.outcome === 'sent' ? 'notification.sent' : 'notification.failed',
			at: entry.at,
			actor: SYSTEM_ACTOR,
			channel: entry.channel,
			notificationId: entry.notificationId,
			attempt: entry.attempt,
			status: entry.status,
			error: entry.error?.slice(0, 1000)
		});
		const keys = ids.flatMap((id) => [this.keys.record(id), this.keys.timeline(id)]);
		return Number(await this.redis.eval(APPEND, keys.length, ...keys, ...fields));
	}

	// ---- people ------------------------------------------------------------------------------

	/** Acknowledges an open incident. Conflict when it is acknowledged already or resolved. */
	acknowledge(id: string, by: ActionBy): Promise<Incident> {
		return this.human(id, 'acknowledge', by, '');
	}

	/** Makes `owner` (null: nobody) the incident's owner. */
	assign(id: string, owner: string | null, by: ActionBy): Promise<Incident> {
		const o = owner?.trim() ?? '';
		if (owner !== null && (o === '' || o.length > OWNER_MAX || /[\u0000-\u001f\u007f]/.test(o))) {
			throw new IncidentInputError(`owner: expected 1 to ${OWNER_MAX} printable characters, or null to unassign`);
		}
		return this.human(id, 'assign', by, o);
	}

	/** Adds a note (found by the list's text search). */
	addNote(id: string, text: string, by: ActionBy): Promise<Incident> {
		const t = text.trim();
		if (t === '' || t.length > NOTE_MAX) throw new IncidentInputError(`text: expected 1 to ${NOTE_MAX} characters, got ${t.length}`);
		return this.human(id, 'note', by, t);
	}

	/**
	 * Resolves an incident by hand. It stays resolved while its alerts keep firing: only a new
	 * firing of one of its group's alerts reopens it (within the reopen window) or opens another.
	 */
	resolve(id: string, by: ActionBy): Promise<Incident> {
		return this.human(id, 'resolve', by, '');
	}

	/**
	 * Reopens a resolved incident by hand. It does not resolve by itself again until one of its
	 * alerts fires and resolves: it waits for a person.
	 */
	reopen(id: string, by: ActionBy): Promise<Incident> {
		return this.human(id, 'reopen', by, '');
	}

	private async human(id: string, action: Action, by: ActionBy, arg: string): Promise<Incident> {
		const ref = incidentRef(id);
		const verb = action === 'note' ? 'add a note to' : action;
		let r: string[];
		try {
			r = await this.act(id, action, this.now(), by.actor, arg);
		} catch (err) {
			throw new Error(`could not ${verb} ${ref}: ${(err as Error).message}`, { cause: err });
		}
		if (r[0] === 'missing') throw new IncidentNotFoundError(`no incident ${ref}`);
		if (r[0] === 'conflict') throw new IncidentConflictError(conflictMessage(ref, action, r[1]!, r[2]));
		// The script answers the record as it left it: one round trip, nothing read half-way.
		const fields: Record<string, string> = {};
		for (let i = 2; i + 1 < r.length; i += 2) fields[r[i]!] = r[i + 1]!;
		const after = publicIncident(recordFromHash(fields)!);
		const before = r[1];
		const change: Record<Action, [unknown, unknown]> = {
			acknowledge: [{ status: before }, { status: after.status }],
			assign: [undefined, { owner: after.owner ?? null }],
			note: [undefined, { text: arg.length > 200 ? `${arg.slice(0, 199)}…` : arg }],
			resolve: [{ status: before }, { status: after.status }],
			reopen: [{ status: before }, { status: after.status }]
		};
		try {
			await this.deps.audit?.record({ actor: by.actor, action: `incident.${action}`, target: ref, before: change[action][0], after: change[action][1], ip: by.ip });
		} catch (err) {
			throw new Error(`${ref}: the ${action} is done, but the audit log could not record it: ${(err as Error).message}`, { cause: err });
		}
		return after;
	}

	private async act(id: string, action: Action | 'auto-resolve', at: number, actor: string, arg: string): Promise<string[]> {
		const keys = [this.keys.record(id), this.keys.timeline(id), this.keys.active, this.keys.quiet];
		return (await this.redis.eval(ACT, keys.length, ...keys, action, String(at), actor, arg)) as string[];
	}

	// ---- reading ----------------------------------------------------------------------------

	async get(id: string): Promise<Incident | null> {
		const r = recordFromHash(await this.redis.hgetall(this.keys.record(id)));
		return r ? publicIncident(r) : null;
	}

	/**
	 * The incident's timeline in the order things happened (by `at`, ties in the order written; see
	 * inTimeOrder), at most `limit` entries (default 10,000).
	 */
	async timeline(id: string, limit = 10_000): Promise<TimelineEntry[]> {
		const rows = (await this.redis.xrange(this.keys.timeline(id), '-', '+', 'COUNT', limit)) as Array<[string, string[]]>;
		return inTimeOrder(rows.map(([sid, fields]) => entryFromFields(sid, fields)));
	}

	list(query: IncidentQuery = {}): Promise<IncidentPage> {
		return listIncidents(this.redis, this.keys, query);
	}

	/** MTTA, MTTR (with median and p90) and counts of the incidents opened in [from, to). */
	measures(q: { from: number; to: number; service?: string }): Promise<PeriodMeasures> {
		return readMeasures(this.redis, this.keys, q);
	}
}

function conflictMessage(ref: string, action: Action, status: string, ackBy: string | undefined): string {
	if (action === 'acknowledge') {
		return status === 'resolved' ? `${ref} is resolved: reopen it before acknowledging it` : `${ref} is already acknowledged${ackBy ? ` (by ${ackBy})` : ''}`;
	}
	if (action === 'resolve') return `${ref} is already resolved`;
	return `${ref} is ${status}, not resolved: only a resolved incident can be reopened`;
}
