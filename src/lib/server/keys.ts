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
	/** Pub/sub channel of control messages (`{"type":"reload"}`) to the collect processes. */
	control: string;
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
		control: `${prefix}control`
	};
}
