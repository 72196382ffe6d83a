/**
 * Public updates of an incident: what customers read on the public status page (`/status`), kept
 * apart from the internal record, timeline and notes. Each update has a status (investigating,
 * identified, monitoring, resolved), an optional public title (the first update must give one: the
 * internal title is never shown to customers) and a text. An incident appears on the status page
 * only once it has a public update; what it shows there is only what these updates say, and the
 * incident's start and end times.
 *
 * Keys (under the `{alerts}` hash tag with the incident's record): a list of the updates' JSON per
 * incident, and a sorted set of the incidents that have any, by the time of their latest update.
 */
import type { Redis } from 'ioredis';
import type { AuditLog } from '../../audit';
import type { Keys } from '../../keys';
import { incidentRef, recordFromHash, type IncidentStatus } from './model';
import { IncidentInputError, IncidentNotFoundError, type ActionBy } from './store';

export const PUBLIC_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type PublicStatus = (typeof PUBLIC_STATUSES)[number];

export const PUBLIC_TITLE_MAX = 200;
export const PUBLIC_TEXT_MAX = 5000;
/** Most public updates one incident may have. */
export const PUBLIC_UPDATES_MAX = 200;

export interface PublicUpdate {
	/** Epoch ms it was posted. */
	at: number;
	status: PublicStatus;
	/** The public title it set (the incident's public title is the latest one given). */
	title?: string;
	text: string;
	/** Who posted it (`user:alice`): shown on the incident page, never on the status page. */
	by: string;
}

export interface PublicUpdateInput {
	status: PublicStatus;
	title?: string;
	text: string;
}

/** An incident as the status page may show it: its public title and updates, and its times. */
export interface PublishedIncident {
	id: string;
	title: string;
	/** The latest update's status. */
	status: PublicStatus;
	/** Epoch ms the incident opened. */
	startedAt: number;
	/** When it ended: the incident's resolution, or else the time of a `resolved` public update; null while ongoing. */
	endedAt: number | null;
	/** The internal status (for the page's own sorting; not shown). */
	internalStatus: IncidentStatus;
	/** Oldest first. */
	updates: PublicUpdate[];
}

/**
 * Adds the update only if the record exists; refuses the first one without a title, and more than
 * the cap. KEYS: record, public list, published set. ARGV: update JSON, at, has title ('1'/'0'),
 * cap, incident id. Returns 'ok', 'missing', 'untitled' or 'full'.
 */
const ADD = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
local n = redis.call('LLEN', KEYS[2])
if ARGV[3] == '0' and n == 0 then return 'untitled' end
if n >= tonumber(ARGV[4]) then return 'full' end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[5])
return 'ok'
`;

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Checks an update's fields, each refusal naming its field. */
export function checkPublicUpdate(input: { status?: unknown; title?: unknown; text?: unknown }): PublicUpdateInput {
	if (typeof input.status !== 'string' || !(PUBLIC_STATUSES as readonly string[]).includes(input.status)) {
		throw new IncidentInputError(`status: expected one of ${PUBLIC_STATUSES.join(', ')}, got ${JSON.stringify(String(input.status ?? '')).slice(0, 60)}`);
	}
	const text = typeof input.text === 'string' ? input.text.trim() : '';
	if (text === '' || text.length > PUBLIC_TEXT_MAX) throw new IncidentInputError(`text: expected 1 to ${PUBLIC_TEXT_MAX} characters, got ${text.length}`);
	if (CONTROL.test(text)) throw new IncidentInputError('text: control characters are not allowed');
	let title: string | undefined;
	if (input.title !== undefined && input.title !== null) {
		if (typeof input.title !== 'string') throw new IncidentInputError('title: expected text');
		title = input.title.trim() || undefined;
		if (title !== undefined && (title.length > PUBLIC_TITLE_MAX || /[\u0000-\u001f\u007f]/.test(title))) {
			throw new IncidentInputError(`title: expected 1 to ${PUBLIC_TITLE_MAX} printable characters on one line`);
		}
	}
	return { status: input.status as PublicStatus, text, ...(title !== undefined ? { title } : {}) };
}

function parseUpdate(text: string): PublicUpdate | null {
	try {
		const u = JSON.parse(text) as PublicUpdate;
		if (typeof u.at !== 'number' || typeof u.text !== 'string' || !(PUBLIC_STATUSES as readonly string[]).includes(u.status)) return null;
		return u;
	} catch {
		return null;
	}
}

export interface PublicUpdateStoreOptions {
	audit?: Pick<AuditLog, 'record'>;
	/** @defaultValue Date.now */
	now?: () => number;
}

export class PublicUpdateStore {
	private readonly keys: Keys['alerts']['incidents'];
	private readonly now: () => number;

	constructor(
		private readonly redis: Redis,
		keys: Keys,
		private readonly options: PublicUpdateStoreOptions = {}
	) {
		this.keys = keys.alerts.incidents;
		this.now = options.now ?? Date.now;
	}

	/** Posts a public update (audited as `incident.publish`); answers the incident's updates after it. */
	async add(id: string, input: { status?: unknown; title?: unknown; text?: unknown }, by: ActionBy): Promise<PublicUpdate[]> {
		const checked = checkPublicUpdate(input);
		const ref = incidentRef(id);
		const update: PublicUpdate = { at: this.now(), ...checked, by: by.actor };
		const r = (await this.redis.eval(ADD, 3, this.keys.record(id), this.keys.publicUpdates(id), this.keys.published, JSON.stringify(update), String(update.at), checked.title ? '1' : '0', String(PUBLIC_UPDATES_MAX), id)) as string;
		if (r === 'missing') throw new IncidentNotFoundError(`no incident ${ref}`);
		if (r === 'untitled') throw new IncidentInputError(`title: the first public update of ${ref} needs a title for customers (the internal title is never shown to them)`);
		if (r === 'full') throw new IncidentInputError(`${ref} has ${PUBLIC_UPDATES_MAX} public updates, the most it may have`);
		try {
			await this.options.audit?.record({ actor: by.actor, action: 'incident.publish', target: ref, after: { status: update.status, title: update.title, text: update.text.length > 200 ? `${update.text.slice(0, 199)}…` : update.text }, ip: by.ip });
		} catch (err) {
			throw new Error(`${ref}: the public update is posted, but the audit log could not record it: ${(err as Error).message}`, { cause: err });
		}
		return this.updates(id);
	}

	/** An incident's public updates, oldest first (unreadable entries left out). */
	async updates(id: string): Promise<PublicUpdate[]> {
		const rows = await this.redis.lrange(this.keys.publicUpdates(id), 0, -1);
		return rows.map(parseUpdate).filter((u): u is PublicUpdate => u !== null);
	}

	/**
	 * The incidents with public updates that the status page lists: those whose incident or public
	 * story is still open, and those that started or ended since `since`. Newest first.
	 */
	async published(since: number): Promise<PublishedIncident[]> {
		const ids = await this.redis.zrange(this.keys.published, 0, -1);
		if (ids.length === 0) return [];
		const pipe = this.redis.pipeline();
		for (const id of ids) pipe.hgetall(this.keys.record(id)).lrange(this.keys.publicUpdates(id), 0, -1);
		const res = (await pipe.exec()) ?? [];
		const out: PublishedIncident[] = [];
		ids.forEach((id, i) => {
			const record = recordFromHash((res[2 * i]?.[1] as Record<string, string>) ?? {});
			const updates = ((res[2 * i + 1]?.[1] as string[]) ?? []).map(parseUpdate).filter((u): u is PublicUpdate => u !== null);
			if (!record || updates.length === 0) return;
			const latest = updates[updates.length - 1]!;
			const title = [...updates].reverse().find((u) => u.title)?.title;
			if (!title) return;
			const resolvedUpdate = latest.status === 'resolved' ? latest.at : null;
			const endedAt = record.status === 'resolved' ? (record.resolvedAt ?? resolvedUpdate) : resolvedUpdate;
			const open = endedAt === null;
			if (!open && Math.max(record.openedAt, endedAt) < since) return;
			out.push({ id, title, status: latest.status, startedAt: record.openedAt, endedAt, internalStatus: record.status, updates });
		});
		return out.sort((a, b) => b.startedAt - a.startedAt);
	}
}
