/**
 * The alerts leader's side of incidents: applies the alert event stream to incidents and resolves
 * quiet ones, on a timer (every second by default) and whenever asked (after an evaluation saved
 * its state changes). Runs while this process leads; start it on leadership, stop it on losing it.
 *
 * Applying is exactly-once whatever runs it (the store checks the stream cursor in the same write),
 * so an old leader that has not noticed a new one does no harm; a failed step (Redis down) is
 * logged once and retried at the next one.
 */
import type { Redis } from 'ioredis';
import { IncidentStore, type IncidentOptions } from './store';
import type { AuditLog } from '../../audit';
import { systemClock, type Clock } from '../../clock';
import type { Keys } from '../../keys';
import type { Logger } from '../../log';

export interface IncidentFeedOptions {
	redis: Redis;
	keys: Keys;
	/** The `incidents` section of the config. */
	incidents: IncidentOptions;
	log: Logger;
	/** @defaultValue systemClock */
	clock?: Clock;
	audit?: AuditLog;
	/**
	 * How often events are applied and quiet incidents resolved without being asked.
	 * @defaultValue 1000
	 */
	intervalMs?: number;
	/**
	 * A store to use instead of one made here (tests).
	 * @defaultValue a store on `redis` and `keys`
	 */
	store?: IncidentStore;
}

export interface IncidentFeed {
	/**
	 * The store (for the notifier: `currentIncidentIds`, `recordNotification`, `groupKey`), made with
	 * the configured grouping.
	 */
	readonly store: IncidentStore;
	/**
	 * Applies the events written so far (call after each evaluation's save); resolves once they are
	 * applied, so alerts that just fired have their incident. Never rejects: a failure is logged
	 * and retried at the next step.
	 */
	process(): Promise<void>;
	/** Stops the timer and waits for the step in progress. */
	stop(): Promise<void>;
}

export function startIncidentFeed(options: IncidentFeedOptions): IncidentFeed {
	const clock = options.clock ?? systemClock;
	const log = options.log.child({ part: 'incidents' });
	const store = options.store ?? new IncidentStore(options.redis, options.keys, { incidents: options.incidents, audit: options.audit, log });
	const intervalMs = options.intervalMs ?? 1000;
	let chain: Promise<void> = Promise.resolve();
	let queued: Promise<void> | undefined;
	let stopped = false;
	let failing: string | undefined;
	let timer: unknown;

	const fail = (what: string, err: Error) => {
		const message = `${what}: ${err.message}`;
		if (failing !== message) log.warn({ err: err.message }, `incidents: could not ${what}; retrying at the next step`);
		failing = message;
	};

	const step = async (tick: boolean) => {
		try {
			// A backlog is applied in several steps (10,000 events each) so a tick is never held long.
			const n = await store.applyEvents();
			if (n) log.debug({ events: n }, 'alert events applied to incidents');
			if (tick) {
				const resolved = await store.resolveQuiet(clock.now());
				if (resolved.length) log.info({ incidents: resolved }, 'incidents resolved: their alerts stayed resolved for the quiet period');
			}
			if (failing) log.info('incidents: applying alert events works again');
			failing = undefined;
		} catch (err) {
			fail(tick ? 'apply alert events or resolve quiet incidents' : 'apply alert events', err as Error);
		}
	};

	/** Runs steps one at a time; asks made while one waits share it. */
	const enqueue = (tick: boolean): Promise<void> => {
		if (!tick && queued) return queued;
		const p = chain.then(() => {
			if (!tick) queued = undefined;
			return stopped ? undefined : step(tick);
		});
		chain = p;
		if (!tick) queued = p;
		return p;
	};

	const schedule = () => {
		timer = clock.setTimeout(() => {
			void enqueue(true).then(() => {
				if (!stopped) schedule();
			});
		}, intervalMs);
	};
	schedule();

	return {
		store,
		process: () => (stopped ? Promise.resolve() : enqueue(false)),
		async stop() {
			stopped = true;
			clock.clearTimeout(timer);
			await chain;
		}
	};
}
