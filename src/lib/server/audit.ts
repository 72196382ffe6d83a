/**
 * The audit log: an append-only Redis stream of changes (who, when, what, before and after), capped
 * at about a million entries. Secrets never reach it: password and token hashes, secrets and the
 * passwords of URLs are masked before an entry is written.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys';

/** Most entries kept (approximately: Redis trims whole stream nodes). */
export const AUDIT_MAXLEN = 1_000_000;

export interface AuditInput {
	/** Who: `user:alice`, `token:AbCd1234 (alice)`, `cli:root`, `setup`. */
	actor: string;
	/** What: `user.create`, `user.role`, `token.revoke`, `rules.import`, ... */
	action: string;
	/** What it was done to: a user name, a token id, a rule id. */
	target: string;
	before?: unknown;
	after?: unknown;
	/** Where the change came from, e.g. the client IP. */
	ip?: string;
}

export interface AuditEntry extends AuditInput {
	/** The stream id; pass it as `before` to page further back. */
	id: string;
	/** Epoch ms. */
	at: number;
}

const SECRET_KEY = /^(hash|password|passwordHash|secret|token|csrf|apiKey|api_key)$/i;
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+@/gi;

/** A copy of `value` with secrets masked (by key name, and passwords inside URLs). */
export function maskSecrets(value: unknown, depth = 0): unknown {
	if (depth > 20) return '…';
	if (typeof value === 'string') return value.replace(URL_PASSWORD, '$1***@');
	if (Array.isArray(value)) return value.map((v) => maskSecrets(v, depth + 1));
	if (value && typeof value === 'object') {
		const out: Record<string, unknown> = {};
		for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null ? '***' : maskSecrets(v, depth + 1);
		return out;
	}
	return value;
}

export class AuditLog {
	private readonly key: string;

	constructor(
		private readonly redis: Redis,
		keys: Keys
	) {
		this.key = keys.audit;
	}

	async record(entry: AuditInput): Promise<string> {
		const fields = ['actor', entry.actor, 'action', entry.action, 'target', entry.target];
		if (entry.before !== undefined) fields.push('before', JSON.stringify(maskSecrets(entry.before)));
		if (entry.after !== undefined) fields.push('after', JSON.stringify(maskSecrets(entry.after)));
		if (entry.ip) fields.push('ip', entry.ip);
		return (await this.redis.xadd(this.key, 'MAXLEN', '~', AUDIT_MAXLEN, '*', ...fields)) as string;
	}

	/** The newest entries first, `limit` of them, older than the entry `before` when given. */
	async list(options: { limit?: number; before?: string } = {}): Promise<AuditEntry[]> {
		const limit = Math.max(1, Math.min(options.limit ?? 100, 10_000));
		const end = options.before ? `(${options.before}` : '+';
		const rows = (await this.redis.xrevrange(this.key, end, '-', 'COUNT', limit)) as Array<[string, string[]]>;
		return rows.map(([id, flat]) => {
			const f: Record<string, string> = {};
			for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
			const e: AuditEntry = { id, at: Number(id.split('-')[0]), actor: f.actor ?? '', action: f.action ?? '', target: f.target ?? '' };
			if (f.before !== undefined) e.before = JSON.parse(f.before);
			if (f.after !== undefined) e.after = JSON.parse(f.after);
			if (f.ip) e.ip = f.ip;
			return e;
		});
	}
}

/** Stream ids as the API takes them: `<ms>-<seq>`. */
export const AUDIT_ID = /^\d{1,16}-\d{1,16}$/;

function csvCell(value: unknown): string {
	let text = value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
	// A cell that a spreadsheet would read as a formula is quoted as text.
	if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
	return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function auditCsv(entries: readonly AuditEntry[]): string {
	const lines = ['id,time,actor,action,target,ip,before,after'];
	for (const e of entries) lines.push([e.id, new Date(e.at).toISOString(), e.actor, e.action, e.target, e.ip, e.before, e.after].map(csvCell).join(','));
	return `${lines.join('\r\n')}\r\n`;
}

/** Fields left out of summaries: ids and bookkeeping times say little to a reader. */
const SUMMARY_SKIP = new Set(['id', 'userId', 'createdAt', 'updatedAt', 'createdBy']);

/** Fields that hold a time: `revokedAt`, `expiresAt`, `until`, `startsAt`, `since`, `end`… */
const TIME_FIELD = /(?:at|until|since|expires|starts?|ends?|time)$/i;
/** Epoch milliseconds from 2001 to 2286: a number in a time field in this range is a time. */
const isEpochMs = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1e12 && v < 1e13;

function summaryValue(v: unknown, key = '', time: (ms: number) => string = (ms) => new Date(ms).toISOString()): string {
	if (isEpochMs(v) && TIME_FIELD.test(key)) return time(v);
	return typeof v === 'string' ? v : JSON.stringify(v) ?? '';
}

/**
 * A short before → after of an entry, for a table: the changed fields of a change
 * (`role: viewer → admin`), the fields of something made (`+ role=admin`) or removed (`− role=viewer`).
 * Times (epoch milliseconds in a field named like one: `expiresAt`, `until`) read as times, by
 * `time` (ISO 8601 UTC by default; the admin page gives its zone's).
 */
export function auditSummary(e: Pick<AuditEntry, 'before' | 'after'>, max = 140, time?: (ms: number) => string): string {
	const obj = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
	const b = obj(e.before);
	const a = obj(e.after);
	const fields = (o: Record<string, unknown>) => Object.entries(o).filter(([k]) => !SUMMARY_SKIP.has(k)).map(([k, v]) => `${k}=${summaryValue(v, k, time)}`).join(', ');
	let text: string;
	if (b && a) {
		const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => !SUMMARY_SKIP.has(k) && k in a && summaryValue(b[k]) !== summaryValue(a[k]));
		text = keys.map((k) => `${k}: ${k in b ? summaryValue(b[k], k, time) : '—'} → ${summaryValue(a[k], k, time)}`).join(', ');
	} else if (a) {
		text = `+ ${fields(a)}`;
	} else if (b) {
		text = `− ${fields(b)}`;
	} else {
		text = [e.before, e.after].filter((v) => v !== undefined).map((v) => summaryValue(v)).join(' → ');
	}
	return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
