/**
 * A helpdesk ticket as Vigil keeps it: the latest state of one customer-service ticket or complaint.
 * Times are epoch ms (null until the thing happened); a reopened ticket comes again with its
 * `resolved` and `closed` back to null and a later `updated`, and replaces what was stored.
 *
 * One parser serves both ways in (the push API's JSON and the SQL source's rows), so both refuse the
 * same things with the same messages, each naming its field.
 */

export const TICKET_KINDS = ['ticket', 'complaint'] as const;
export type TicketKind = (typeof TICKET_KINDS)[number];

export interface Ticket {
	id: string;
	kind: TicketKind;
	created: number;
	firstResponse: number | null;
	resolved: number | null;
	closed: number | null;
	/** Free text from the helpdesk; '' when it has none. */
	category: string;
	merchant: string;
	team: string;
	/** 1 (worst) to 5 (best), or null when the customer has not rated. */
	rating: number | null;
	/** When this state was made: of two states of one ticket, the later `updated` wins. */
	updated: number;
}

export interface TicketFieldError {
	index: number;
	/** e.g. "created", "rating"; '' for the item as a whole. */
	field: string;
	message: string;
}

/** Tickets with times this far ahead of Vigil's clock are refused (a sender's clock is off). */
export const MAX_FUTURE_MS = 10 * 60_000;
export const MAX_ID_LENGTH = 200;
export const MAX_TEXT_LENGTH = 200;

const FIELDS = ['id', 'kind', 'created', 'firstResponse', 'resolved', 'closed', 'category', 'merchant', 'team', 'rating', 'updated'] as const;
const TIME_FIELDS = ['created', 'firstResponse', 'resolved', 'closed'] as const;
const TEXT_FIELDS = ['category', 'merchant', 'team'] as const;

/** A sent value as quoted in a message: short, never a whole large value. */
export function shown(v: unknown): string {
	if (v === undefined) return 'nothing';
	if (Array.isArray(v)) return 'an array';
	if (v !== null && typeof v === 'object') return 'an object';
	if (typeof v === 'string' && v.length > 64) return `${JSON.stringify(v.slice(0, 64))}… (${v.length} characters)`;
	return JSON.stringify(v);
}

/** Epoch ms from a number or an ISO 8601 string; undefined when it is neither. */
function toMillis(v: unknown): number | undefined {
	if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
	if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.getTime();
	if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) {
		const t = Date.parse(v);
		return Number.isNaN(t) || t < 0 ? undefined : t;
	}
	return undefined;
}

type Check<T> = { ok: true; value: T } | { ok: false; field: string; message: string };
const bad = (field: string, message: string): { ok: false; field: string; message: string } => ({ ok: false, field, message });

function checkTimes(it: Record<string, unknown>, now: number): Check<Pick<Ticket, (typeof TIME_FIELDS)[number]>> {
	const out: Record<string, number | null> = {};
	for (const f of TIME_FIELDS) {
		const v = it[f];
		if (v === null || (v === undefined && f !== 'created')) {
			if (f === 'created') return bad(f, 'is required: when the ticket was opened, epoch ms or ISO 8601');
			out[f] = null;
			continue;
		}
		const t = toMillis(v);
		if (t === undefined) return bad(f, `expected epoch milliseconds or an ISO 8601 time, got ${shown(v)}`);
		if (t > now + MAX_FUTURE_MS) return bad(f, `is ${Math.round((t - now) / 60_000)} min in the future; check the sender's clock`);
		out[f] = t;
	}
	const created = out.created!;
	for (const f of ['firstResponse', 'resolved', 'closed'] as const) {
		const t = out[f];
		if (t !== null && t !== undefined && t < created) return bad(f, `is before created (${new Date(t).toISOString()} < ${new Date(created).toISOString()})`);
	}
	return { ok: true, value: out as Pick<Ticket, (typeof TIME_FIELDS)[number]> };
}

function checkText(it: Record<string, unknown>): Check<Pick<Ticket, (typeof TEXT_FIELDS)[number]>> {
	const out: Record<string, string> = {};
	for (const f of TEXT_FIELDS) {
		const v = it[f];
		if (v === undefined || v === null) out[f] = '';
		else if (typeof v !== 'string') return bad(f, `expected a string, got ${shown(v)}`);
		else if (v.length > MAX_TEXT_LENGTH) return bad(f, `may be at most ${MAX_TEXT_LENGTH} characters, got ${v.length}`);
		else out[f] = v.trim();
	}
	return { ok: true, value: out as Pick<Ticket, (typeof TEXT_FIELDS)[number]> };
}

function checkRating(v: unknown): Check<number | null> {
	if (v === undefined || v === null) return { ok: true, value: null };
	const n = typeof v === 'string' && /^\d$/.test(v) ? Number(v) : v;
	if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 5) return bad('rating', `expected a whole number from 1 to 5, or null, got ${shown(v)}`);
	return { ok: true, value: n };
}

/**
 * One ticket from an object with the fields of `Ticket`. `updated` defaults to `defaultUpdated`
 * (the push API: the time of the request, so a later push of a ticket wins).
 */
export function parseTicket(item: unknown, now: number, defaultUpdated: number): Check<Ticket> {
	if (item === null || typeof item !== 'object' || Array.isArray(item)) return bad('', `expected an object with ${FIELDS.join(', ')}`);
	const it = item as Record<string, unknown>;
	const unknown = Object.keys(it).find((k) => !(FIELDS as readonly string[]).includes(k));
	if (unknown !== undefined) return bad(unknown, `unknown field; expected ${FIELDS.join(', ')}`);
	if (typeof it.id !== 'string' && typeof it.id !== 'number') return bad('id', `expected a string (the helpdesk's ticket id), got ${shown(it.id)}`);
	const id = String(it.id);
	if (id.length === 0 || id.length > MAX_ID_LENGTH) return bad('id', `expected 1 to ${MAX_ID_LENGTH} characters, got ${id.length}`);
	if (!(TICKET_KINDS as readonly unknown[]).includes(it.kind)) return bad('kind', `expected "ticket" or "complaint", got ${shown(it.kind)}`);
	const times = checkTimes(it, now);
	if (!times.ok) return times;
	const text = checkText(it);
	if (!text.ok) return text;
	const rating = checkRating(it.rating);
	if (!rating.ok) return rating;
	let updated = defaultUpdated;
	if (it.updated !== undefined && it.updated !== null) {
		const t = toMillis(it.updated);
		if (t === undefined) return bad('updated', `expected epoch milliseconds or an ISO 8601 time, got ${shown(it.updated)}`);
		if (t > now + MAX_FUTURE_MS) return bad('updated', `is ${Math.round((t - now) / 60_000)} min in the future; check the sender's clock`);
		updated = t;
	}
	return { ok: true, value: { id, kind: it.kind as TicketKind, ...times.value, ...text.value, rating: rating.value, updated } };
}

/** The push API's body: a JSON array of tickets; each bad one is refused with its index and field. */
export function parseTickets(body: unknown, now: number, maxItems: number): { ok: true; tickets: Ticket[]; errors: TicketFieldError[] } | { ok: false; error: string } {
	if (!Array.isArray(body)) return { ok: false, error: 'expected a JSON array of tickets: [{"id": "T-1", "kind": "ticket", "created": 1700000000000, ...}]' };
	if (body.length > maxItems) return { ok: false, error: `at most ${maxItems} tickets per request, got ${body.length}` };
	const tickets: Ticket[] = [];
	const errors: TicketFieldError[] = [];
	body.forEach((item: unknown, index) => {
		const r = parseTicket(item, now, now);
		if (r.ok) tickets.push(r.value);
		else errors.push({ index, field: r.field, message: r.message });
	});
	return { ok: true, tickets, errors };
}

/** "tickets[3].created: is before …": how a refused item is named in messages. */
export function describeError(e: TicketFieldError): string {
	return `tickets[${e.index}]${e.field ? `.${e.field}` : ''}: ${e.message}`;
}

/** True while a ticket is waiting for the helpdesk: neither resolved nor closed. */
export function isOpen(t: Ticket): boolean {
	return t.resolved === null && t.closed === null;
}
