/**
 * Every Redis key Vigil uses is built here, under one configurable prefix, so deployments can share
 * a Redis and tests can isolate themselves.
 */

export interface Keys {
	prefix: string;
	/** Stream with one entry per ingest batch: the live tail the web role reads. */
	live: string;
	/** Hash: node id -> heartbeat JSON of every running Vigil process and its roles. */
	nodes: string;
	/** Pub/sub channel of control messages (`{"type":"reload"}`, `{"type":"rules"}`) to every process. */
	control: string;
	/**
	 * The alerts role's keys, under one hash tag so its scripts work on Redis Cluster: the lease and
	 * its fencing counter, the alert state of every rule, and the state-change event streams.
	 */
	alerts: {
		lease: string;
		fence: string;
		/** Hash: rule id -> JSON of the rule's state (instances, health), with when it was saved. */
		state: string;
		/** Stream of every state change of every rule (the wall and incidents read it). */
		events: string;
		/** Stream of one rule's state changes (its history). */
		ruleEvents(ruleId: string): string;
	};
	/** The rule set, the source of truth, under one hash tag (saves are transactions). */
	rules: {
		/** Hash: rule id -> JSON of the current version (spec, version number, author, time, enabled). */
		current: string;
		/** String: JSON of the groups in order (name, interval, rule ids). */
		groups: string;
		/** List of one rule's versions, oldest first. */
		versions(ruleId: string): string;
		/** Counter, bumped on every save. */
		revision: string;
	};
}

const PREFIX = /^[A-Za-z0-9_:.-]{0,64}$/;

export function createKeys(prefix = 'vigil:'): Keys {
	if (!PREFIX.test(prefix)) {
		throw new Error(`redis.prefix: expected up to 64 letters, digits or _:.- characters, got ${JSON.stringify(prefix)}`);
	}
	return {
		prefix,
		live: `${prefix}live`,
		nodes: `${prefix}nodes`,
		control: `${prefix}control`,
		alerts: {
			lease: `${prefix}{alerts}:lease`,
			fence: `${prefix}{alerts}:fence`,
			state: `${prefix}{alerts}:state`,
			events: `${prefix}{alerts}:events`,
			ruleEvents: (id) => `${prefix}{alerts}:events:${id}`
		},
		rules: {
			current: `${prefix}{rules}:current`,
			groups: `${prefix}{rules}:groups`,
			versions: (id) => `${prefix}{rules}:versions:${id}`,
			revision: `${prefix}{rules}:revision`
		}
	};
}
