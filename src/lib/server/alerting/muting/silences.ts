/**
 * Silences, with Alertmanager's semantics: label matchers and a time span [startsAt, endsAt) during
 * which matching alerts send no notifications. They never change an alert's state; the notifier
 * asks `mute.ts` which silences hold an alert.
 *
 * A silence is pending before it starts, active while it runs, expired after. Expiring one sets
 * its end to now: silences are never deleted by hand, and expired ones stay as history for
 * SILENCE_RETENTION_MS (a year) after their end; older ones are pruned when a silence is created.
 *
 * Updates keep that history true. A pending silence (it has muted nothing yet) and an active one
 * whose matchers and start stay the same (a new end or comment) change in place. An active silence
 * whose matchers or start change is expired now and replaced by a new silence with a new id
 * (`replacedBy` / `replaces` link the two), as Alertmanager does: what was muted until now stays
 * recorded as muted by the old matchers. An expired silence does not change.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { AuditLog } from '../../audit';
import type { Keys } from '../../keys';
import { compileMatchers, formatMatchers, MutingInputError, parseMatchers, type Matcher } from './matchers';
import {
	asObject,
	MutingStateError,
	newId,
	parseInstant,
	parsePositiveDuration,
	parseText,
	RecordHash,
	refuseUnknown,
	type ChangeBy,
	MutingStore, type MutingStoreOptions, WRITE_ATTEMPTS
} from './common';

export type { ChangeBy };

export type SilenceState = 'pending' | 'active' | 'expired';
export const SILENCE_STATES: readonly SilenceState[] = ['pending', 'active', 'expired'];

/** How long an expired silence is kept after its end: a year. */
export const SILENCE_RETENTION_MS = 365 * 24 * 3_600_000;

export interface Silence {
	id: string;
	matchers: Matcher[];
	/** Epoch ms. */
	startsAt: number;
	/** Epoch ms; exclusive. */
	endsAt: number;
	/** Who made it (the audit log's actor: `user:alice`, `token:AbCd (alice)`). */
	createdBy: string;
	comment: string;
	createdAt: number;
	updatedAt: number;
	/** Who changed or expired it last. */
	updatedBy?: string;
	/** The silence this one replaced (an update that changed an active silence's matchers or start). */
	replaces?: string;
	/** The silence that replaced this one. */
	replacedBy?: string;
}

/**
 * Alertmanager's list filter: each filter matcher is applied to the silence's own matchers read as
 * labels (a name to the text it matches; a name the silence does not match on counts as ""). So
 * `service="payments"` finds the silences made for service="payments", and `alertname=~"Pay.*"`
 * those whose alertname matcher's text matches Pay.*.
 */
export function silenceFilter(filter: readonly Matcher[]): (silence: Pick<Silence, 'matchers'>) => boolean {
	const test = compileMatchers(filter, 'filter');
	return (silence) => test(Object.fromEntries(silence.matchers.map((m) => [m.name, m.value])));
}

/** A silence as the API shows it: with its state now and its matchers as text. */
export interface SilenceView extends Silence {
	state: SilenceState;
	matchersText: string;
}

const matcherSchema = z.strictObject({ name: z.string(), op: z.enum(['=', '!=', '=~', '!~']), value: z.string() });

/** The stored JSON of a silence (what is read back is checked against it; corrupt entries are skipped). */
export const storedSilence: z.ZodType<Silence> = z.strictObject({
	id: z.string(),
	matchers: z.array(matcherSchema).min(1),
	startsAt: z.number(),
	endsAt: z.number(),
	createdBy: z.string(),
	comment: z.string(),
	createdAt: z.number(),
	updatedAt: z.number(),
	updatedBy: z.string().optional(),
	replaces: z.string().optional(),
	replacedBy: z.string().optional()
});

export function silenceState(s: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): SilenceState {
	if (now >= s.endsAt) return 'expired';
	return now < s.startsAt ? 'pending' : 'active';
}

export function silenceView(s: Silence, now: number): SilenceView {
	return { ...s, state: silenceState(s, now), matchersText: formatMatchers(s.matchers) };
}

/** A create or update request, checked. Times are epoch ms. */
export interface SilenceInput {
	matchers: Matcher[];
	startsAt?: number;
	/** Exactly one of endsAt and durationMs is set. */
	endsAt?: number;
	durationMs?: number;
	comment: string;
}

const INPUT_FIELDS = ['matchers', 'startsAt', 'endsAt', 'duration', 'comment', 'createdBy'] as const;

/**
 * Reads a create or update body: `{matchers, startsAt?, endsAt? | duration?, comment}`. `createdBy`
 * is accepted (Alertmanager clients send it) and ignored: the creator is who sent the request.
 */
export function parseSilenceInput(body: unknown): SilenceInput {
	const o = asObject(body);
	refuseUnknown(o, INPUT_FIELDS);
	const matchers = parseMatchers(o.matchers);
	const startsAt = o.startsAt === undefined || o.startsAt === null ? undefined : parseInstant(o.startsAt, 'startsAt');
	const hasEnd = o.endsAt !== undefined && o.endsAt !== null;
	const hasDuration = o.duration !== undefined && o.duration !== null;
	if (hasEnd && hasDuration) throw new MutingInputError('duration', 'give endsAt or duration, not both');
	if (!hasEnd && !hasDuration) throw new MutingInputError('endsAt', 'required (or give duration, e.g. "2h")');
	const comment = parseText(o.comment, 'comment', { required: true, max: 2000, hint: 'say why these alerts are silenced' })!;
	return hasEnd ? { matchers, startsAt, endsAt: parseInstant(o.endsAt, 'endsAt'), comment } : { matchers, startsAt, durationMs: parsePositiveDuration(o.duration, 'duration'), comment };
}

/**
 * The span of a silence made or changed at `now`. Without a start, it starts at `current` (the
 * start of the silence being changed) or now; a start given is kept when it is `current` (to the
 * second), else a start in the past becomes now (as in Alertmanager). A duration counts from the start. The end
 * must follow the start and lie in the future.
 */
export function silenceSpan(input: Pick<SilenceInput, 'startsAt' | 'endsAt' | 'durationMs'>, now: number, current?: number): { startsAt: number; endsAt: number } {
	let startsAt: number;
	if (input.startsAt === undefined) startsAt = current ?? now;
	else if (current !== undefined && sameSecond(input.startsAt, current)) startsAt = current;
	else startsAt = Math.max(input.startsAt, now);
	const endsAt = input.endsAt ?? startsAt + input.durationMs!;
	if (endsAt <= startsAt) throw new MutingInputError('endsAt', 'must be after startsAt');
	if (endsAt <= now) throw new MutingInputError('endsAt', 'must be in the future (to end a silence now, expire it)');
	return { startsAt, endsAt };
}

/** Starts are compared to the second: clients send back RFC 3339 or unix seconds without the milliseconds. */
function sameSecond(a: number, b: number): boolean {
	return Math.floor(a / 1000) === Math.floor(b / 1000);
}

function sameMatchers(a: readonly Matcher[], b: readonly Matcher[]): boolean {
	const key = (ms: readonly Matcher[]) => ms.map((m) => JSON.stringify([m.name, m.op, m.value])).sort().join('\n');
	return key(a) === key(b);
}

export interface SilenceStoreOptions extends MutingStoreOptions {
	/**
	 * How long expired silences are kept.
	 * @defaultValue SILENCE_RETENTION_MS
	 */
	retentionMs?: number;
}

/** The silences in Redis (`keys.alerts.silences`: id -> JSON); every change is audited. */
export class SilenceStore extends MutingStore<Silence> {
	constructor(redis: Redis, keys: Keys, audit: Pick<AuditLog, 'record'>, options: SilenceStoreOptions = {}) {
		super(new RecordHash(redis, keys.alerts.silences, storedSilence, 'silence', options.onBad), audit, options, SILENCE_RETENTION_MS);
	}

	/** Silences in the given states (default pending and active), newest first (by creation). */
	async list(states: readonly SilenceState[] = ['pending', 'active']): Promise<SilenceView[]> {
		const now = this.now();
		const all = await this.records.all();
		return [...all.values()]
			.map((r) => silenceView(r.value, now))
			.filter((s) => states.includes(s.state))
			.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
	}

	async get(id: string): Promise<SilenceView | null> {
		const r = await this.records.one(id);
		return r ? silenceView(r.value, this.now()) : null;
	}

	async create(input: SilenceInput, by: ChangeBy): Promise<SilenceView> {
		const now = this.now();
		const span = silenceSpan(input, now);
		const silence: Silence = { id: newId(), matchers: input.matchers, ...span, createdBy: by.actor, comment: input.comment, createdAt: now, updatedAt: now };
		if (!(await this.records.write([{ id: silence.id, expected: null, value: silence }]))) throw this.records.changedMeanwhile(silence.id);
		await this.audit.record({ actor: by.actor, action: 'silence.create', target: silence.id, after: silence, ip: by.ip });
		await this.prune(now);
		return silenceView(silence, now);
	}

	/**
	 * Changes a silence as the module's comment says: in place, or (an active silence whose
	 * matchers or start change) by expiring it and creating its replacement. Answers the silence as
	 * it now is (the replacement, if any) and the id of the one replaced.
	 */
	async update(id: string, input: SilenceInput, by: ChangeBy): Promise<{ silence: SilenceView; replaced?: string }> {
		for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
			const now = this.now();
			const cur = await this.records.required(id);
			const old = cur.value;
			const state = silenceState(old, now);
			if (state === 'expired') {
				throw new MutingStateError(409, `silence ${id} expired at ${new Date(old.endsAt).toISOString()}: expired silences stay as history and do not change; create a new one`);
			}
			const inPlace = state === 'pending' || (sameMatchers(old.matchers, input.matchers) && (input.startsAt === undefined || sameSecond(input.startsAt, old.startsAt)));
			if (inPlace) {
				const span = silenceSpan(input, now, old.startsAt);
				const next: Silence = { ...old, matchers: input.matchers, ...span, comment: input.comment, updatedAt: now, updatedBy: by.actor };
				if (!(await this.records.write([{ id, expected: cur.text, value: next }]))) continue;
				await this.audit.record({ actor: by.actor, action: 'silence.update', target: id, before: old, after: next, ip: by.ip });
				return { silence: silenceView(next, now) };
			}
			const span = silenceSpan(input, now);
			const replacement: Silence = {
				id: newId(),
				matchers: input.matchers,
				...span,
				createdBy: by.actor,
				comment: input.comment,
				createdAt: now,
				updatedAt: now,
				replaces: id
			};
			const ended: Silence = { ...old, endsAt: now, updatedAt: now, updatedBy: by.actor, replacedBy: replacement.id };
			const ok = await this.records.write([
				{ id, expected: cur.text, value: ended },
				{ id: replacement.id, expected: null, value: replacement }
			]);
			if (!ok) continue;
			await this.audit.record({ actor: by.actor, action: 'silence.expire', target: id, before: old, after: ended, ip: by.ip });
			await this.audit.record({ actor: by.actor, action: 'silence.create', target: replacement.id, after: replacement, ip: by.ip });
			return { silence: silenceView(replacement, now), replaced: id };
		}
		throw this.records.changedMeanwhile(id);
	}

	/** Ends a silence now (a pending one never starts); it stays as history. */
	async expire(id: string, by: ChangeBy): Promise<SilenceView> {
		for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
			const now = this.now();
			const cur = await this.records.required(id);
			const old = cur.value;
			const state = silenceState(old, now);
			if (state === 'expired') throw new MutingStateError(409, `silence ${id} has already expired (at ${new Date(old.endsAt).toISOString()})`);
			const next: Silence = { ...old, startsAt: state === 'pending' ? now : old.startsAt, endsAt: now, updatedAt: now, updatedBy: by.actor };
			if (!(await this.records.write([{ id, expected: cur.text, value: next }]))) continue;
			await this.audit.record({ actor: by.actor, action: 'silence.expire', target: id, before: old, after: next, ip: by.ip });
			return silenceView(next, now);
		}
		throw this.records.changedMeanwhile(id);
	}

	/** Deletes silences that ended more than the retention ago (not audited: bookkeeping, like stream trimming). */
	async prune(now = this.now()): Promise<number> {
		return this.records.prune((s) => s.endsAt < now - this.retentionMs);
	}
}
