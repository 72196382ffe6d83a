/**
 * The latest state of every ticket, in Redis: a hash (id -> JSON) and a sorted set (id by
 * `updated`), both under the `{tickets}` hash tag so one script checks and writes them together on
 * Redis Cluster too. A state older than the stored one is ignored (a late delivery never undoes a
 * reopen or a re-rating); an equal one replaces it (a redelivery changes nothing). Tickets whose
 * latest `updated` is older than the retention are dropped, on write and by `prune`.
 */
import type { Redis } from '../redis';
import type { Keys } from '../keys';
import type { Ticket } from './model';

/** KEYS: state hash, updated index. ARGV: cutoff, then id, updated, JSON for each ticket. */
const UPSERT = `
local stored, stale, expired = 0, 0, 0
local cutoff = tonumber(ARGV[1])
for i = 2, #ARGV, 3 do
  local id, updated = ARGV[i], tonumber(ARGV[i + 1])
  if updated < cutoff then
    expired = expired + 1
  else
    local prev = redis.call('ZSCORE', KEYS[2], id)
    if prev and tonumber(prev) > updated then
      stale = stale + 1
    else
      redis.call('HSET', KEYS[1], id, ARGV[i + 2])
      redis.call('ZADD', KEYS[2], updated, id)
      stored = stored + 1
    end
  end
end
return {stored, stale, expired}`;

/** KEYS: state hash, updated index. ARGV: cutoff, batch size. Drops one batch; returns how many. */
const PRUNE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #ids == 0 then return 0 end
redis.call('HDEL', KEYS[1], unpack(ids))
redis.call('ZREM', KEYS[2], unpack(ids))
return #ids`;

export interface UpsertResult {
	/** Stored as the ticket's latest state. */
	stored: number;
	/** Ignored: the store holds a later state of the ticket. */
	stale: number;
	/** Ignored: last updated before the retention. */
	expired: number;
}

export interface TicketStoreOptions {
	/** Tickets not updated for this long are dropped (ms). */
	retentionMs: number;
}

/** Tickets per script call: bounds how long one call holds Redis. */
const WRITE_BATCH = 500;
const SCAN_COUNT = 1000;

export class TicketStore {
	constructor(
		private readonly redis: Redis,
		private readonly keys: Keys,
		readonly options: TicketStoreOptions
	) {}

	async upsert(tickets: readonly Ticket[], now = Date.now()): Promise<UpsertResult> {
		const total: UpsertResult = { stored: 0, stale: 0, expired: 0 };
		const cutoff = now - this.options.retentionMs;
		for (let i = 0; i < tickets.length; i += WRITE_BATCH) {
			const args: Array<string | number> = [cutoff];
			for (const t of tickets.slice(i, i + WRITE_BATCH)) args.push(t.id, t.updated, JSON.stringify(t));
			const [stored, stale, expired] = (await this.redis.eval(UPSERT, 2, this.keys.tickets.state, this.keys.tickets.updated, ...args)) as number[];
			total.stored += stored ?? 0;
			total.stale += stale ?? 0;
			total.expired += expired ?? 0;
		}
		return total;
	}

	/** Drops the tickets last updated before the retention; returns how many. */
	async prune(now = Date.now()): Promise<number> {
		let dropped = 0;
		for (;;) {
			const n = Number(await this.redis.eval(PRUNE, 2, this.keys.tickets.state, this.keys.tickets.updated, now - this.options.retentionMs, WRITE_BATCH));
			dropped += n;
			if (n < WRITE_BATCH) return dropped;
		}
	}

	/** Every stored ticket, read in pieces (HSCAN) so a large store never blocks Redis for long. */
	async all(): Promise<Ticket[]> {
		// HSCAN may return a field twice while the hash grows: by id, each ticket once.
		const out = new Map<string, Ticket>();
		let cursor = '0';
		do {
			const [next, flat] = await this.redis.hscan(this.keys.tickets.state, cursor, 'COUNT', SCAN_COUNT);
			for (let i = 1; i < flat.length; i += 2) out.set(flat[i - 1]!, JSON.parse(flat[i]!) as Ticket);
			cursor = next;
		} while (cursor !== '0');
		return [...out.values()];
	}

	async get(id: string): Promise<Ticket | null> {
		const raw = await this.redis.hget(this.keys.tickets.state, id);
		return raw === null ? null : (JSON.parse(raw) as Ticket);
	}

	async count(): Promise<number> {
		return this.redis.hlen(this.keys.tickets.state);
	}

	/** The cursor of one collector's incremental read, as it saved it (opaque here). */
	async cursor(collector: string): Promise<string | null> {
		return this.redis.get(this.keys.tickets.cursor(collector));
	}

	async setCursor(collector: string, value: string): Promise<void> {
		await this.redis.set(this.keys.tickets.cursor(collector), value);
	}
}
