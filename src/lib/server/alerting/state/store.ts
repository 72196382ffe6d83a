/**
 * Durable alert state: each rule's instances (active since, fired at, keep-firing since, what was
 * last notified) and health, written after every evaluation, and every state change as an event on
 * the rule's history stream and on the stream of all changes. Writes carry the leader's fencing
 * token and are refused, whole, when a newer leader exists.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../../keys';

/** Checks a fencing token first: KEYS[1] is the fence counter, ARGV[1] the writer's token. */
export const FENCE_CHECK = `
local fence = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) < fence then return -1 end
`;

/**
 * KEYS: fence, state hash, all-events stream, then one rule stream per event.
 * ARGV: token, saved-at ms, n states, all-events maxlen, rule maxlen, then n (rule id, state JSON)
 * pairs, then one event JSON per rule stream. Returns 1, or -1 when fenced out.
 */
const SAVE = `${FENCE_CHECK}
local n = tonumber(ARGV[3])
local at = 6
for i = 1, n do
  redis.call('HSET', KEYS[2], ARGV[at], '{"savedAt":' .. ARGV[2] .. ',"state":' .. ARGV[at + 1] .. '}')
  at = at + 2
end
for k = 4, #KEYS do
  local e = ARGV[at]
  at = at + 1
  redis.call('XADD', KEYS[k], 'MAXLEN', '~', ARGV[5], '*', 'e', e)
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', 'e', e)
end
return 1
`;

/** KEYS: fence, state hash. ARGV: token, rule ids. */
const REMOVE = `${FENCE_CHECK}
for i = 2, #ARGV do redis.call('HDEL', KEYS[2], ARGV[i]) end
return 1
`;

/** A state change as stored on the streams; `ruleId` names the rule. */
export interface StoredEvent {
	ruleId: string;
}

export interface SavedState<S> {
	state: S;
	/** When the leader saved it (its evaluation time): how long ago the engine was last alive. */
	savedAt: number;
}

export interface StateStoreOptions {
	/**
	 * Entries kept on the stream of all changes.
	 * @defaultValue 100_000
	 */
	eventsMaxLen?: number;
	/**
	 * Entries kept on each rule's history.
	 * @defaultValue 5_000
	 */
	ruleEventsMaxLen?: number;
}

export class FencedOutError extends Error {
	override name = 'FencedOutError';
	constructor() {
		super('a newer alerts leader exists: this process no longer writes alert state');
	}
}

export class AlertStateStore<S = unknown, E extends StoredEvent = StoredEvent> {
	private readonly keys: Keys['alerts'];
	private readonly eventsMaxLen: number;
	private readonly ruleEventsMaxLen: number;

	constructor(
		private readonly redis: Redis,
		keys: Keys,
		options: StateStoreOptions = {}
	) {
		this.keys = keys.alerts;
		this.eventsMaxLen = options.eventsMaxLen ?? 100_000;
		this.ruleEventsMaxLen = options.ruleEventsMaxLen ?? 5_000;
	}

	/** Writes rule states and their events atomically; throws FencedOutError when fenced out. */
	async save(token: number, savedAt: number, states: ReadonlyArray<{ ruleId: string; state: S }>, events: readonly E[] = []): Promise<void> {
		if (states.length === 0 && events.length === 0) return;
		const keys = [this.keys.fence, this.keys.state, this.keys.events, ...events.map((e) => this.keys.ruleEvents(e.ruleId))];
		const args: string[] = [String(token), String(Math.round(savedAt)), String(states.length), String(this.eventsMaxLen), String(this.ruleEventsMaxLen)];
		for (const s of states) args.push(s.ruleId, JSON.stringify(s.state));
		for (const e of events) args.push(JSON.stringify(e));
		const r = await this.redis.eval(SAVE, keys.length, ...keys, ...args);
		if (Number(r) === -1) throw new FencedOutError();
	}

	/** Drops the state of rules that no longer exist. */
	async remove(token: number, ruleIds: readonly string[]): Promise<void> {
		if (ruleIds.length === 0) return;
		const r = await this.redis.eval(REMOVE, 2, this.keys.fence, this.keys.state, String(token), ...ruleIds);
		if (Number(r) === -1) throw new FencedOutError();
	}

	/** Every rule's saved state; entries that do not parse are reported and left out. */
	async load(onBad?: (ruleId: string, problem: string) => void): Promise<Map<string, SavedState<S>>> {
		const all = await this.redis.hgetall(this.keys.state);
		const out = new Map<string, SavedState<S>>();
		for (const [id, text] of Object.entries(all)) {
			try {
				const parsed = JSON.parse(text) as SavedState<S>;
				if (typeof parsed.savedAt !== 'number' || typeof parsed.state !== 'object' || parsed.state === null) throw new Error('not a saved state');
				out.set(id, parsed);
			} catch (err) {
				onBad?.(id, (err as Error).message);
			}
		}
		return out;
	}

	/** One rule's saved state, if any. */
	async get(ruleId: string): Promise<SavedState<S> | undefined> {
		const text = await this.redis.hget(this.keys.state, ruleId);
		return text ? (JSON.parse(text) as SavedState<S>) : undefined;
	}

	/**
	 * State changes, newest first: of one rule, or of every rule. `before` is a stream id to page
	 * back from (exclusive).
	 */
	async events(options: { ruleId?: string; count?: number; before?: string } = {}): Promise<Array<E & { id: string }>> {
		const key = options.ruleId === undefined ? this.keys.events : this.keys.ruleEvents(options.ruleId);
		const end = options.before ? `(${options.before}` : '+';
		const entries = await this.redis.xrevrange(key, end, '-', 'COUNT', Math.min(Math.max(1, options.count ?? 100), 10_000));
		return entries.flatMap(([id, fields]) => {
			const i = fields.indexOf('e');
			if (i < 0) return [];
			try {
				return [{ id, ...(JSON.parse(fields[i + 1]!) as E) }];
			} catch {
				return [];
			}
		});
	}
}
