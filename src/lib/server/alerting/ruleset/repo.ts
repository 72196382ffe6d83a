/**
 * The rule set in Redis, its source of truth. Rules are kept as they are written (the rule-file
 * shape of one rule), in groups; every save that changes a rule adds a version with its author,
 * time and a diff, and bumps the set's revision. A save is one transaction and is validated by the
 * caller before it gets here, so a bad version never replaces a good one. Files are an import and
 * export format (`vigil rules import|export`).
 */
import type { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { parseDuration } from '../../../shared/duration';
import type { GroupSpec, RuleSpec } from '../../rules';
import { isRecordingSpec, type AnyRuleSpec, type RecordingRuleSpec } from '../../../shared/rule-spec';
import { unifiedDiff } from '../../../shared/text-diff';
import type { AuditLog } from '../../audit';
import type { Keys } from '../../keys';
import { duplicateClient } from '../../redis';

export interface StoredRule {
	/** `group/alert`, with `#n` added for the n-th (n >= 2) rule of the same name in a group. */
	id: string;
	group: string;
	spec: RuleSpec;
	version: number;
	author: string;
	/** Epoch ms of the version. */
	at: number;
	enabled: boolean;
	/**
	 * Where the current version came from: `file rules/shop.rules.yml` when it was imported from a
	 * file (`vigil rules import`, the first-start import of `alerts.ruleFiles`); null when it was
	 * edited in Vigil (the API or the rule page), and for records written before sources existed.
	 */
	source: string | null;
}

/** A recording rule as stored: its id is `group/record` (`#n` as for alerting rules). */
export type StoredRecordingRule = Omit<StoredRule, 'spec'> & { spec: RecordingRuleSpec };

export interface StoredGroup {
	name: string;
	interval?: string;
	/** The alerting rules, in order. */
	rules: StoredRule[];
	/** The recording rules, in order (absent when the group has none). */
	recordings?: StoredRecordingRule[];
	/** Every rule of both kinds in the group's order (absent when the group has no recording rule: then `rules`). */
	all?: Array<StoredRule | StoredRecordingRule>;
}

/** The group as a rule file's group: every rule, in order. */
export function storedGroupSpec(g: StoredGroup): GroupSpec {
	return { name: g.name, ...(g.interval !== undefined ? { interval: g.interval } : {}), rules: (g.all ?? g.rules).map((r) => r.spec) };
}

export interface RuleVersion {
	version: number;
	author: string;
	at: number;
	/** The rule as of this version; null when the version deleted it. */
	spec: AnyRuleSpec | null;
	enabled: boolean;
	/** Unified diff of the rule's YAML against the previous version. */
	diff: string;
	message?: string;
	/** Where this version came from (see StoredRule.source); absent in versions written before sources existed. */
	source?: string | null;
}

export interface SaveOptions {
	author: string;
	message?: string;
	/**
	 * Epoch ms; default now.
	 * @defaultValue Date.now()
	 */
	at?: number;
	/**
	 * `groups`: the saved groups replace the groups of the same name, other groups stay.
	 * `all`: the saved groups become the whole rule set.
	 * @defaultValue 'groups'
	 */
	replace?: 'groups' | 'all';
	/**
	 * Where the saved rules come from, per group (`file rules/shop.rules.yml`), or null for an edit
	 * in Vigil. Given, it is also recorded on rules whose spec is unchanged (no new version);
	 * absent, changed rules get null and unchanged rules keep theirs.
	 */
	source?: string | null | ((group: string) => string | null);
}

export interface SaveResult {
	revision: number;
	created: string[];
	changed: string[];
	deleted: string[];
	unchanged: number;
}

/** Rule ids of a group's rules, in order: `group/alert`, `group/alert#2`, `group/record`, ... */
export function ruleIds(group: string, rules: ReadonlyArray<Pick<RuleSpec, 'alert'> | Pick<RecordingRuleSpec, 'record'>>): string[] {
	const seen = new Map<string, number>();
	return rules.map((r) => {
		const name = 'record' in r ? r.record : r.alert;
		const n = (seen.get(name) ?? 0) + 1;
		seen.set(name, n);
		return n === 1 ? `${group}/${name}` : `${group}/${name}#${n}`;
	});
}

export type { GroupSpec, RuleSpec, AnyRuleSpec };

/** A rule's YAML, as diffs and exports show it. */
export function ruleYaml(spec: AnyRuleSpec | null): string {
	return spec ? stringify(spec, { lineWidth: 0 }).trimEnd() : '';
}

interface Current {
	group: string;
	spec: AnyRuleSpec;
	version: number;
	author: string;
	at: number;
	enabled: boolean;
	/** Absent in records written before sources existed, and for edits in Vigil. */
	source?: string | null;
}

function storedRule(id: string, c: Current): StoredRule | StoredRecordingRule {
	return { id, group: c.group, spec: c.spec, version: c.version, author: c.author, at: c.at, enabled: c.enabled, source: c.source ?? null } as StoredRule | StoredRecordingRule;
}

function isStoredRecording(r: StoredRule | StoredRecordingRule): r is StoredRecordingRule {
	return isRecordingSpec(r.spec);
}

/** What a change of one rule did: the rule after it, whether it changed, and the set's revision then. */
export interface RuleChange {
	rule: StoredRule;
	changed: boolean;
	/** The rule set's revision after the change (unchanged: as read). */
	revision: number;
}

interface GroupIndex {
	name: string;
	interval?: string;
	ids: string[];
}

export interface RuleRepositoryOptions {
	/** Where every change is recorded (rule.create, rule.update, rule.delete, rule.enable, rule.disable, rule.rollback). */
	audit?: AuditLog;
}

/** No rule of that id in the current set. */
export class RuleNotFoundError extends Error {
	override name = 'RuleNotFoundError';
	constructor(readonly id: string) {
		super(`no rule ${id}`);
	}
}

export class RuleRepository {
	private readonly audit: AuditLog | undefined;
	private readonly keys: Keys['rules'];

	constructor(
		private readonly redis: Redis,
		keys: Keys,
		options: RuleRepositoryOptions = {}
	) {
		this.keys = keys.rules;
		this.audit = options.audit;
	}

	/** Records changes in the audit log; a failure to record does not undo the saved change. */
	private async record(entries: Array<{ actor: string; action: string; target: string; before?: unknown; after?: unknown }>): Promise<void> {
		if (!this.audit) return;
		for (const e of entries) await this.audit.record(e).catch(() => {});
	}

	async revision(): Promise<number> {
		return Number((await this.redis.get(this.keys.revision)) ?? 0);
	}

	/** Whether no rule set was ever saved (first start). */
	async isEmpty(): Promise<boolean> {
		return (await this.redis.exists(this.keys.revision)) === 0;
	}

	/** The whole rule set, groups in order, at one revision. */
	async load(): Promise<{ revision: number; groups: StoredGroup[] }> {
		return this.read(this.redis, true);
	}

	/**
	 * Reads the three keys in one transaction so the set is consistent; under WATCH, a plain
	 * pipeline (an EXEC would end the WATCH; the save's own EXEC checks consistency).
	 */
	private async read(conn: Redis, transaction: boolean): Promise<{ revision: number; groups: StoredGroup[] }> {
		const res = await (transaction ? conn.multi() : conn.pipeline()).get(this.keys.revision).get(this.keys.groups).hgetall(this.keys.current).exec();
		const [rev, groupsText, current] = (res ?? []).map(([err, v]) => {
			if (err) throw err;
			return v;
		}) as [string | null, string | null, Record<string, string>];
		const index: GroupIndex[] = groupsText ? (JSON.parse(groupsText) as GroupIndex[]) : [];
		const groups = index.map((g) => {
			const all: Array<StoredRule | StoredRecordingRule> = [];
			for (const id of g.ids) {
				const text = current[id];
				if (!text) continue;
				all.push(storedRule(id, JSON.parse(text) as Current));
			}
			const recordings = all.filter(isStoredRecording);
			const out: StoredGroup = { name: g.name, rules: all.filter((r): r is StoredRule => !isStoredRecording(r)) };
			if (recordings.length) {
				out.recordings = recordings;
				out.all = all;
			}
			if (g.interval !== undefined) out.interval = g.interval;
			return out;
		});
		return { revision: Number(rev ?? 0), groups };
	}

	/** An alerting rule (a recording rule is found in its group, through load). */
	async get(id: string): Promise<StoredRule | undefined> {
		const text = await this.redis.hget(this.keys.current, id);
		if (!text) return undefined;
		const r = storedRule(id, JSON.parse(text) as Current);
		return isStoredRecording(r) ? undefined : r;
	}

	/** A group's name, interval and rule ids, without its rules. */
	async group(name: string): Promise<{ name: string; interval?: string; ids: string[] } | undefined> {
		const text = await this.redis.get(this.keys.groups);
		const index: GroupIndex[] = text ? (JSON.parse(text) as GroupIndex[]) : [];
		return index.find((g) => g.name === name);
	}

	/** A rule's versions, newest first. */
	async versions(id: string): Promise<RuleVersion[]> {
		const items = await this.redis.lrange(this.keys.versions(id), 0, -1);
		return items.map((t) => JSON.parse(t) as RuleVersion).reverse();
	}

	/**
	 * Saves groups (already validated). Rules whose spec and enabled flag are unchanged keep their
	 * version; changed, new and removed rules get a version each. Retries if the set changed
	 * underneath (optimistic, with WATCH).
	 */
	async save(groups: readonly GroupSpec[], options: SaveOptions): Promise<SaveResult> {
		const names = new Set<string>();
		for (const g of groups) {
			if (names.has(g.name)) throw new Error(`group "${g.name}" appears twice: group names must be unique`);
			names.add(g.name);
		}
		return this.watching(async (conn) => {
			for (let attempt = 0; attempt < 10; attempt++) {
				await conn.watch(this.keys.revision);
				const result = await this.trySave(conn, groups, options);
				if (result) return result;
			}
			throw new Error('the rule set kept changing while saving; try again');
		});
	}

	/** WATCH is per connection: optimistic transactions run on a connection of their own. */
	private async watching<T>(run: (conn: Redis) => Promise<T>): Promise<T> {
		const conn = duplicateClient(this.redis, { enableOfflineQueue: true });
		try {
			return await run(conn);
		} finally {
			conn.disconnect();
		}
	}

	private async trySave(conn: Redis, groups: readonly GroupSpec[], options: SaveOptions): Promise<SaveResult | undefined> {
		const at = options.at ?? Date.now();
		const { groups: before } = await this.read(conn, false);
		const beforeById = new Map<string, StoredRule | StoredRecordingRule>();
		for (const g of before) for (const r of g.all ?? g.rules) beforeById.set(r.id, r);

		const replaced = new Set(options.replace === 'all' ? before.map((g) => g.name) : groups.map((g) => g.name));
		const index: GroupIndex[] = [];
		const newGroups = new Map(groups.map((g) => [g.name, g]));
		const toIndex = (g: GroupSpec): GroupIndex => {
			const e: GroupIndex = { name: g.name, ids: ruleIds(g.name, g.rules) };
			if (g.interval !== undefined) e.interval = g.interval;
			return e;
		};
		// Groups keep their place; new groups go at the end.
		for (const g of before) {
			if (newGroups.has(g.name)) index.push(toIndex(newGroups.get(g.name)!));
			else if (!replaced.has(g.name)) index.push({ name: g.name, ids: (g.all ?? g.rules).map((r) => r.id), ...(g.interval !== undefined ? { interval: g.interval } : {}) });
		}
		for (const g of groups) if (!before.some((b) => b.name === g.name)) index.push(toIndex(g));

		const multi = conn.multi();
		const result: SaveResult = { revision: 0, created: [], changed: [], deleted: [], unchanged: 0 };
		const kept = new Set<string>();
		for (const g of groups) {
			const ids = ruleIds(g.name, g.rules);
			const given = typeof options.source === 'function' ? options.source(g.name) : options.source;
			const source = given ?? null;
			g.rules.forEach((spec, i) => {
				const id = ids[i]!;
				kept.add(id);
				const prev = beforeById.get(id);
				const enabled = prev?.enabled ?? true;
				const yamlBefore = ruleYaml(prev?.spec ?? null);
				const yamlAfter = ruleYaml(spec);
				if (prev && yamlBefore === yamlAfter) {
					result.unchanged++;
					// Imported again from a file: the rule now says so (without a new version).
					if (given !== undefined && prev.source !== source) {
						const c: Current = { group: prev.group, spec: prev.spec, version: prev.version, author: prev.author, at: prev.at, enabled: prev.enabled };
						if (source !== null) c.source = source;
						multi.hset(this.keys.current, id, JSON.stringify(c));
					}
					return;
				}
				const version = (prev?.version ?? 0) + 1;
				const current: Current = { group: g.name, spec, version, author: options.author, at, enabled };
				if (source !== null) current.source = source;
				const v: RuleVersion = { version, author: options.author, at, spec, enabled, diff: unifiedDiff(yamlBefore, yamlAfter), source };
				if (options.message) v.message = options.message;
				multi.hset(this.keys.current, id, JSON.stringify(current));
				multi.rpush(this.keys.versions(id), JSON.stringify(v));
				(prev ? result.changed : result.created).push(id);
			});
		}
		for (const [id, prev] of beforeById) {
			if (kept.has(id) || !replaced.has(prev.group)) continue;
			const v: RuleVersion = { version: prev.version + 1, author: options.author, at, spec: null, enabled: false, diff: unifiedDiff(ruleYaml(prev.spec), '') };
			if (options.message) v.message = options.message;
			multi.hdel(this.keys.current, id);
			multi.rpush(this.keys.versions(id), JSON.stringify(v));
			result.deleted.push(id);
		}
		multi.set(this.keys.groups, JSON.stringify(index));
		multi.incr(this.keys.revision);
		const res = await multi.exec();
		if (res === null) return undefined; // the set changed underneath: retry
		for (const [err] of res) if (err) throw err;
		result.revision = Number(res.at(-1)![1]);
		const after = new Map(groups.flatMap((g) => ruleIds(g.name, g.rules).map((id, i) => [id, g.rules[i]!] as const)));
		await this.record([
			...result.created.map((id) => ({ actor: options.author, action: 'rule.create', target: id, after: after.get(id) })),
			...result.changed.map((id) => ({ actor: options.author, action: 'rule.update', target: id, before: beforeById.get(id)?.spec, after: after.get(id) })),
			...result.deleted.map((id) => ({ actor: options.author, action: 'rule.delete', target: id, before: beforeById.get(id)?.spec }))
		]);
		return result;
	}

	/** Turns a rule on or off (a version of its own, so the history shows who and when). */
	async setEnabled(id: string, enabled: boolean, options: { author: string; message?: string; at?: number }): Promise<StoredRule> {
		return (await this.changeEnabled(id, enabled, options)).rule;
	}

	/** setEnabled, telling whether anything changed and the revision after it. */
	async changeEnabled(id: string, enabled: boolean, options: { author: string; message?: string; at?: number }): Promise<RuleChange> {
		const r = await this.update(id, options, (c) => (c.enabled === enabled ? undefined : { ...c, enabled }));
		if (r.changed) await this.record([{ actor: options.author, action: enabled ? 'rule.enable' : 'rule.disable', target: id, before: { enabled: !enabled }, after: { enabled } }]);
		return r;
	}

	/** Makes an earlier version current again, as a new version (with that version's source). */
	async rollback(id: string, version: number, options: { author: string; message?: string; at?: number }): Promise<StoredRule> {
		return (await this.rollbackChange(id, version, options)).rule;
	}

	/**
	 * rollback, telling the revision after it. The new version's message is `roll back to version
	 * N`, followed by `: <message>` when one is given. Throws RuleNotFoundError, or an Error naming
	 * the version.
	 */
	async rollbackChange(id: string, version: number, options: { author: string; message?: string; at?: number }): Promise<RuleChange> {
		const target = (await this.versions(id)).find((v) => v.version === version);
		if (!target) {
			if (!(await this.redis.hexists(this.keys.current, id))) throw new RuleNotFoundError(id);
			throw new Error(`rule ${id} has no version ${version}`);
		}
		if (!target.spec) throw new Error(`version ${version} of rule ${id} is a deletion; nothing to roll back to`);
		const spec = target.spec;
		const source = target.source ?? null;
		let before: AnyRuleSpec | undefined;
		const message = `roll back to version ${version}${options.message ? `: ${options.message}` : ''}`;
		const r = await this.update(id, { ...options, message }, (c) => {
			before = c.spec;
			const next: Current = { ...c, spec };
			delete next.source;
			if (source !== null) next.source = source;
			return next;
		});
		await this.record([{ actor: options.author, action: 'rule.rollback', target: id, before, after: { version, spec } }]);
		return r;
	}

	/**
	 * Replaces one rule's spec (already validated; its alert name must stay, so its id does) as a
	 * new version edited in Vigil (source null). An unchanged spec saves nothing.
	 */
	async saveRule(id: string, spec: RuleSpec, options: { author: string; message?: string; at?: number }): Promise<RuleChange> {
		let before: AnyRuleSpec | undefined;
		const r = await this.update(id, options, (c) => {
			if (isRecordingSpec(c.spec)) throw new Error(`${id} is a recording rule; change it in its rule file and import that`);
			if (c.spec.alert !== spec.alert) throw new Error(`alert: the alert name must stay ${JSON.stringify(c.spec.alert)} (a rule's id is group/alert)`);
			if (ruleYaml(c.spec) === ruleYaml(spec)) return undefined;
			before = c.spec;
			const next: Current = { ...c, spec };
			delete next.source;
			return next;
		});
		if (r.changed) await this.record([{ actor: options.author, action: 'rule.update', target: id, before, after: spec }]);
		return r;
	}

	private async update(id: string, options: { author: string; message?: string; at?: number }, change: (c: Current) => Current | undefined): Promise<RuleChange> {
		return this.watching(async (conn) => {
			for (let attempt = 0; attempt < 10; attempt++) {
				await conn.watch(this.keys.revision);
				const [text, rev] = await Promise.all([conn.hget(this.keys.current, id), conn.get(this.keys.revision)]);
				if (!text) {
					await conn.unwatch();
					throw new RuleNotFoundError(id);
				}
				const c = JSON.parse(text) as Current;
				let next: Current | undefined;
				try {
					next = change(c);
				} catch (err) {
					await conn.unwatch();
					throw err;
				}
				if (!next) {
					await conn.unwatch();
					return { rule: storedRule(id, c) as StoredRule, changed: false, revision: Number(rev ?? 0) };
				}
				const at = options.at ?? Date.now();
				const updated: Current = { ...next, version: c.version + 1, author: options.author, at };
				const v: RuleVersion = {
					version: updated.version,
					author: options.author,
					at,
					spec: updated.spec,
					enabled: updated.enabled,
					diff: unifiedDiff(ruleYaml(c.spec), ruleYaml(updated.spec)),
					source: updated.source ?? null
				};
				if (options.message) v.message = options.message;
				const res = await conn.multi().hset(this.keys.current, id, JSON.stringify(updated)).rpush(this.keys.versions(id), JSON.stringify(v)).incr(this.keys.revision).exec();
				if (res === null) continue;
				for (const [err] of res) if (err) throw err;
				return { rule: storedRule(id, updated) as StoredRule, changed: true, revision: Number(res.at(-1)![1]) };
			}
			throw new Error('the rule set kept changing while saving; try again');
		});
	}
}

/** A group's interval in ms: its own, else `defaultMs` (the config's `alerts.defaultInterval`). */
export function groupIntervalMs(interval: string | undefined | null, defaultMs: number): number {
	const ms = interval ? parseDuration(interval) : null;
	return ms !== null && ms > 0 ? ms : defaultMs;
}
