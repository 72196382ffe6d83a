/**
 * What silences and maintenance windows share: random ids, times as the API takes them, refusals
 * that are not input problems (404, 409), and their records in one Redis hash each (id -> JSON),
 * read with corrupt entries skipped and written with compare-and-set, so two people changing the
 * same record at once cannot overwrite each other unseen.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../../audit';
import type { z } from 'zod';
import { parseDuration } from '../../../shared/duration';
import { parseTimestamp } from '../../../shared/time-arg';
import { MutingInputError } from './matchers';

/** A refused change that is not an input problem: 404 (no such record) or 409 (its state forbids it). */
export class MutingStateError extends Error {
	override name = 'MutingStateError';
	constructor(
		readonly status: 404 | 409,
		message: string
	) {
		super(message);
	}
}

/** The HTTP status of a refusal (by the error's name: see isMutingInputError), or null for other errors. */
export function refusalStatus(err: unknown): 400 | 404 | 409 | null {
	if (!(err instanceof Error)) return null;
	if (err.name === 'MutingInputError') return 400;
	if (err.name === 'MutingStateError') return (err as MutingStateError).status;
	return null;
}

/** Who changes a silence or window, for the record and the audit log. */
export interface ChangeBy {
	/** The audit log's actor (`actorOf(principal)`). */
	actor: string;
	ip?: string;
}

/** A new record id: 16 url-safe characters (96 random bits). */
export function newId(): string {
	return randomBytes(12).toString('base64url');
}

/** Record ids as the API takes them in paths. */
export const RECORD_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Epoch ms of an instant given as RFC 3339 text or unix seconds (number or text). */
export function parseInstant(value: unknown, field: string): number {
	let ms: number | null = null;
	if (typeof value === 'number') ms = Number.isFinite(value) ? Math.round(value * 1000) : null;
	else if (typeof value === 'string') ms = parseTimestamp(value);
	if (ms === null || !Number.isSafeInteger(ms) || ms < 0 || ms > 253_402_300_799_000) {
		throw new MutingInputError(field, `expected RFC 3339 (2026-11-01T02:00:00Z) or unix seconds, got ${JSON.stringify(value)?.slice(0, 80)}`);
	}
	return ms;
}

/** Milliseconds of a positive duration such as "2h" or "1h30m". */
export function parsePositiveDuration(value: unknown, field: string): number {
	const ms = typeof value === 'string' ? parseDuration(value) : null;
	if (ms === null || ms <= 0) throw new MutingInputError(field, `expected a duration such as "2h" or "1h30m", got ${JSON.stringify(value)?.slice(0, 80)}`);
	return ms;
}

/** A string field: required (non-blank) or optional, at most `max` characters. */
export function parseText(value: unknown, field: string, options: { required: boolean; max: number; hint?: string }): string | undefined {
	if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
		if (options.required) throw new MutingInputError(field, `required${options.hint ? ` (${options.hint})` : ''}`);
		return undefined;
	}
	if (typeof value !== 'string') throw new MutingInputError(field, 'expected a string');
	if (value.length > options.max) throw new MutingInputError(field, `${value.length} characters: at most ${options.max} are allowed`);
	return value.trim();
}

/** Refuses fields a body may not have, naming the first. */
export function refuseUnknown(body: Record<string, unknown>, known: readonly string[], where = ''): void {
	for (const k of Object.keys(body)) if (!known.includes(k)) throw new MutingInputError(`${where}${k}`, `unknown field (expected ${known.join(', ')})`);
}

/** The body as an object, or a refusal. */
export function asObject(body: unknown, field = 'body'): Record<string, unknown> {
	if (!body || typeof body !== 'object' || Array.isArray(body)) throw new MutingInputError(field, 'expected a JSON object');
	return body as Record<string, unknown>;
}

/** A record as read: its parsed value and the exact stored text (what compare-and-set compares). */
export interface StoredRecord<T> {
	value: T;
	text: string;
}

/** Reads every record of a hash; an entry that does not parse or fails the schema is reported and left out. */
export async function readAll<T>(redis: Redis, key: string, schema: z.ZodType<T>, onBad?: (id: string, problem: string) => void): Promise<Map<string, StoredRecord<T>>> {
	const all = await redis.hgetall(key);
	const out = new Map<string, StoredRecord<T>>();
	for (const [id, text] of Object.entries(all)) {
		const r = parseRecord(text, schema);
		if (r.ok) out.set(id, { value: r.value, text });
		else onBad?.(id, r.problem);
	}
	return out;
}

/** One record, or null when it is missing or corrupt (then reported). */
export async function readOne<T>(redis: Redis, key: string, id: string, schema: z.ZodType<T>, onBad?: (id: string, problem: string) => void): Promise<StoredRecord<T> | null> {
	const text = await redis.hget(key, id);
	if (text === null) return null;
	const r = parseRecord(text, schema);
	if (r.ok) return { value: r.value, text };
	onBad?.(id, r.problem);
	return null;
}

export function parseRecord<T>(text: string, schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; problem: string } {
	let data: unknown;
	try {
		data = JSON.parse(text);
	} catch (err) {
		return { ok: false, problem: `not JSON: ${(err as Error).message}` };
	}
	const r = schema.safeParse(data);
	if (!r.success) {
		const issue = r.error.issues[0]!;
		return { ok: false, problem: `${issue.path.join('.') || 'record'}: ${issue.message}` };
	}
	return { ok: true, value: r.data };
}

/**
 * KEYS[1]: the hash. ARGV: triples (id, expected text or "" for "must not exist", new text or ""
 * for "delete"). Writes all or nothing; 1 when written, 0 when a record was not as expected.
 */
const CAS = `
for i = 1, #ARGV, 3 do
  local cur = redis.call('HGET', KEYS[1], ARGV[i])
  if ARGV[i + 1] == '' then
    if cur then return 0 end
  elseif cur ~= ARGV[i + 1] then
    return 0
  end
end
for i = 1, #ARGV, 3 do
  if ARGV[i + 2] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2]) end
end
return 1
`;

export interface RecordChange {
	id: string;
	/** The text read (null: the record must not exist yet). */
	expected: string | null;
	/** The new value (null: delete the record). */
	value: unknown;
}

/** Applies changes atomically when every record is still as read; false when one changed meanwhile. */
export async function compareAndSet(redis: Redis, key: string, changes: readonly RecordChange[]): Promise<boolean> {
	const args: string[] = [];
	for (const c of changes) args.push(c.id, c.expected ?? '', c.value === null ? '' : JSON.stringify(c.value));
	return Number(await redis.eval(CAS, 1, key, ...args)) === 1;
}

/** The refusal when a record kept changing under a writer. */
export function changedMeanwhile(what: string, id: string): MutingStateError {
	return new MutingStateError(409, `${what} ${id} was changed by someone else meanwhile: read it again and retry`);
}

/** What silences' and maintenance windows' stores take besides their Redis, keys and audit log. */
export interface MutingStoreOptions {
	/**
	 * The clock (epoch ms).
	 * @defaultValue Date.now
	 */
	now?: () => number;
	/** Receives entries that do not parse (skipped). */
	onBad?: (id: string, problem: string) => void;
}

/**
 * One store's hash of records (id -> JSON): read with corrupt entries reported and skipped, changed
 * with compare-and-set; `what` names a record in refusals ("silence", "maintenance window").
 */
export class RecordHash<T> {
	constructor(
		private readonly redis: Redis,
		private readonly key: string,
		private readonly schema: z.ZodType<T>,
		private readonly what: string,
		private readonly onBad?: (id: string, problem: string) => void
	) {}

	all(): Promise<Map<string, StoredRecord<T>>> {
		return readAll(this.redis, this.key, this.schema, this.onBad);
	}

	one(id: string): Promise<StoredRecord<T> | null> {
		return readOne(this.redis, this.key, id, this.schema, this.onBad);
	}

	/** The record, or a 404 refusal naming it. */
	async required(id: string): Promise<StoredRecord<T>> {
		const r = await this.one(id);
		if (!r) throw new MutingStateError(404, `no ${this.what} with id ${JSON.stringify(id.slice(0, 80))}`);
		return r;
	}

	/** Applies the changes when every record is still as read; false when one changed meanwhile. */
	write(changes: readonly RecordChange[]): Promise<boolean> {
		return compareAndSet(this.redis, this.key, changes);
	}

	/** The 409 refusal when a record kept changing under a writer. */
	changedMeanwhile(id: string): MutingStateError {
		return changedMeanwhile(this.what, id);
	}

	/** Deletes the records `isOld` picks, all or none (bookkeeping: corrupt entries are not reported here); how many. */
	async prune(isOld: (value: T) => boolean): Promise<number> {
		const all = await readAll(this.redis, this.key, this.schema);
		const old = [...all.entries()].filter(([, r]) => isOld(r.value));
		if (old.length === 0) return 0;
		return (await this.write(old.map(([id, r]) => ({ id, expected: r.text, value: null })))) ? old.length : 0;
	}
}

/** How many times a store reads and writes again when a record changed under it, before refusing with a 409. */
export const WRITE_ATTEMPTS = 5;

/** What silences' and maintenance windows' stores share: their records, clock, retention and audit log. */
export abstract class MutingStore<T> {
	protected readonly now: () => number;
	protected readonly retentionMs: number;

	constructor(
		protected readonly records: RecordHash<T>,
		protected readonly audit: Pick<AuditLog, 'record'>,
		options: MutingStoreOptions & { retentionMs?: number },
		defaultRetentionMs: number
	) {
		this.now = options.now ?? Date.now;
		this.retentionMs = options.retentionMs ?? defaultRetentionMs;
	}
}
