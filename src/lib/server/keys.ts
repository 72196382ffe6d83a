/**
 * Every Redis key Vigil uses is built here, under one configurable prefix, so deployments can share
 * a Redis and tests can isolate themselves.
 *
 * A store is handed its keys one way: the whole `Keys` as its constructor's second argument
 * (`new SilenceStore(redis, keys, ...)`), and it reads its own from it. The time-series store alone
 * takes the prefix (`RedisStore`'s `prefix` option): its per-series key layout is its own
 * (tsdb/redis-store.ts).
 */

export interface Keys {
	prefix: string;
	/** Stream with one entry per ingest batch: the live tail the web role reads. */
	live: string;
	/** Hash: node id -> heartbeat JSON of every running Vigil process and its roles. */
	nodes: string;
	/**
	 * Pub/sub channel of rule-set changes (`{"type":"rules"}`), published by the rule API and `vigil rules`,
	 * heard by the alerts processes (which also poll the revision).
	 */
	control: string;
	/**
	 * Pub/sub channel of collector reload requests (`{"type":"reload"}`), heard by the collect
	 * processes only, so that PUBLISH answers how many collect processes a reload reached.
	 */
	reload: string;
	/**
	 * Pub/sub channel of credential revocations (`{"type":"revoke",...}`), heard by the web processes'
	 * live hubs (on a connection of their own), so that open screens lose a revoked credential at once.
	 */
	revocations: string;
	/** Sorted set: node id of every live collect process -> epoch ms its registration runs out (targets are shared among them). */
	collectMembers: string;
	/** Hash: wall screen id -> JSON of its last heartbeat (board, time, viewport, render time), from every web process. */
	wallScreens: string;
	/**
	 * The alerts role's keys, under one hash tag so its scripts work on Redis Cluster: the lease and
	 * its fencing counter, the alert state of every rule, the state-change event streams, and what
	 * follows from alerts: silences, maintenance windows, notifications and incidents (one slot, so a
	 * transaction can span an event, an incident and a notification).
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
		/** Hash: silence id -> JSON of the silence (matchers, start, end, creator, comment). Expired ones stay. */
		silences: string;
		/** Hash: maintenance window id -> JSON of the window (matchers, schedule, time zone). */
		windows: string;
		/** Hash: channel name -> JSON of the notification channel, its secrets encrypted. */
		channels: string;
		/** Notification pipeline: aggregation groups, the outbox and the delivery log. */
		notify: {
			/** Hash: aggregation group key -> JSON of the group's state (next flush, what was last notified). */
			groups: string;
			/** Sorted set: notification id by the epoch ms of its next delivery attempt (the outbox). */
			queue: string;
			/** Hash: notification id -> JSON of the pending notification (channel, payload, idempotency key, attempts). */
			items: string;
			/** Stream: one entry per delivery attempt (the notification log). */
			log: string;
			/** Counter of notification ids. */
			seq: string;
		};
		/** Incidents: records, timelines and their indexes. */
		incidents: {
			/** Counter of incident ids. */
			seq: string;
			/** Hash: one incident's record. */
			record(id: string): string;
			/** Stream: one incident's timeline. */
			timeline(id: string): string;
			/** Sorted set: incident id by opened time (epoch ms). */
			byOpened: string;
			/** Sorted set: one service's incident ids by opened time. */
			byService(service: string): string;
			/** Hash: incident group key -> id of the group's latest incident (joined or reopened by a new alert). */
			latest: string;
			/** Sorted set: ids of incidents not resolved, by opened time. */
			active: string;
			/**
			 * Sorted set: ids of unresolved incidents whose alerts have all resolved, by when the last one
			 * resolved: what resolves by itself once the quiet period has passed.
			 */
			quiet: string;
			/** String: id of the last entry of the alert event stream applied to incidents. */
			cursor: string;
			/** List: JSON of one incident's public updates (for the public status page), oldest first. */
			publicUpdates(id: string): string;
			/** Sorted set: ids of incidents with at least one public update, by the time of the latest. */
			published: string;
		};
	};
	/** Access control: users, sessions, API tokens, setup links, login attempts. */
	auth: {
		/** Hash: user name -> JSON of the user (id, role, scrypt hash, times). */
		users: string;
		/** String: JSON of one session, by SHA-256 of its cookie id; expires with the session. */
		session(idHash: string): string;
		/** Set: the session id hashes of one user (revoking them is one call). */
		userSessions(user: string): string;
		/** Hash: token id -> JSON of the API token (owner, role, scopes, SHA-256 of the secret). */
		tokens: string;
		/** Hash: SHA-256 of a first-start setup token -> its expiry (epoch ms). */
		setup: string;
		/** Hash: kiosk token id -> JSON of the kiosk token (name, board, SHA-256 of the secret, times). */
		kiosks: string;
		/** Hash: kiosk token id -> JSON `{at, ip}`: when and from where its screen was last seen. */
		kioskSeen: string;
		/** Sorted set: recent login attempts of a user, an IP, or a user from an IP (`user|ip`; sliding window). */
		attempts(kind: 'user' | 'ip' | 'pair', id: string): string;
	};
	/** Stream: the audit log (who, when, what, before and after), capped ~1,000,000 entries. */
	audit: string;
	/**
	 * Helpdesk tickets (src/lib/server/tickets), under one hash tag so the upsert script can check a
	 * ticket's stored `updated` and write the state and its index together on Redis Cluster too.
	 */
	tickets: {
		/** Hash: ticket id -> JSON of the ticket's latest state. */
		state: string;
		/** Sorted set: ticket id by its `updated` time (epoch ms): staleness checks and retention. */
		updated: string;
		/** String: JSON cursor of one tickets collector's incremental SQL read (`updated_at`, id). */
		cursor(collector: string): string;
	};
	/**
	 * Published quarterly service-quality reports (src/lib/server/views/quality-report), under one hash
	 * tag so the publish script bumps a quarter's version and writes its snapshot together on Redis
	 * Cluster too.
	 */
	quality: {
		/** Hash: quarter ("2026-Q4") -> JSON of its published public snapshot (version, publishedAt, publishedBy, report). */
		published: string;
		/** Hash: quarter -> how many times it has been published (kept when it is withdrawn). */
		versions: string;
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
		/** Held (60 s) by the process importing the rule files on first start, so one does. */
		seeding: string;
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
		reload: `${prefix}reload`,
		revocations: `${prefix}revocations`,
		wallScreens: `${prefix}wall:screens`,
		collectMembers: `${prefix}collect:members`,
		alerts: {
			lease: `${prefix}{alerts}:lease`,
			fence: `${prefix}{alerts}:fence`,
			state: `${prefix}{alerts}:state`,
			events: `${prefix}{alerts}:events`,
			ruleEvents: (id) => `${prefix}{alerts}:events:${id}`,
			silences: `${prefix}{alerts}:silences`,
			windows: `${prefix}{alerts}:windows`,
			channels: `${prefix}{alerts}:channels`,
			notify: {
				groups: `${prefix}{alerts}:notify:groups`,
				queue: `${prefix}{alerts}:notify:queue`,
				items: `${prefix}{alerts}:notify:items`,
				log: `${prefix}{alerts}:notify:log`,
				seq: `${prefix}{alerts}:notify:seq`
			},
			incidents: {
				seq: `${prefix}{alerts}:incidents:seq`,
				record: (id) => `${prefix}{alerts}:incident:${id}`,
				timeline: (id) => `${prefix}{alerts}:incident:${id}:timeline`,
				byOpened: `${prefix}{alerts}:incidents:by-opened`,
				// A service name may hold any character: it is hex-encoded so the key stays printable.
				byService: (service) => `${prefix}{alerts}:incidents:by-service:${Buffer.from(service, 'utf8').toString('hex')}`,
				latest: `${prefix}{alerts}:incidents:latest`,
				active: `${prefix}{alerts}:incidents:active`,
				quiet: `${prefix}{alerts}:incidents:quiet`,
				cursor: `${prefix}{alerts}:incidents:cursor`,
				publicUpdates: (id) => `${prefix}{alerts}:incident:${id}:public`,
				published: `${prefix}{alerts}:incidents:published`
			}
		},
		auth: {
			users: `${prefix}auth:users`,
			// One hash tag for sessions and their per-user sets: creating, expiring and revoking a
			// session touches both in one transaction or script, which Redis Cluster runs in one slot only.
			session: (h) => `${prefix}{auth}:session:${h}`,
			userSessions: (u) => `${prefix}{auth}:user-sessions:${u}`,
			tokens: `${prefix}auth:tokens`,
			setup: `${prefix}auth:setup`,
			kiosks: `${prefix}auth:kiosks`,
			kioskSeen: `${prefix}auth:kiosk-seen`,
			attempts: (kind, id) => `${prefix}auth:attempts:${kind}:${id}`
		},
		audit: `${prefix}audit`,
		tickets: {
			state: `${prefix}{tickets}:state`,
			updated: `${prefix}{tickets}:updated`,
			cursor: (name) => `${prefix}{tickets}:cursor:${name}`
		},
		quality: {
			published: `${prefix}{quality}:published`,
			versions: `${prefix}{quality}:versions`
		},
		rules: {
			current: `${prefix}{rules}:current`,
			groups: `${prefix}{rules}:groups`,
			versions: (id) => `${prefix}{rules}:versions:${id}`,
			revision: `${prefix}{rules}:revision`,
			seeding: `${prefix}{rules}:seeding`
		}
	};
}
