/**
 * An optional copy of the demo helpdesk's tickets in PostgreSQL, in the table shape the `tickets`
 * source documents (`vigil_demo_shop_tickets`), so the demo's optional `helpdesk-db` target reads
 * tickets by SQL as a real helpdesk's database would be read. Like the order mirror: when
 * PostgreSQL cannot be reached it retries every 30 s and costs nothing meanwhile; the shop never
 * waits for it. Each ticket keeps the `updated` of its state, so both ways into Vigil carry the
 * same state.
 */
import pg from 'pg';
import type { Logger } from '../src/lib/server/log';
import type { Ticket } from '../src/lib/server/tickets';

export const TICKETS_TABLE = 'vigil_demo_shop_tickets';

export interface TicketMirror {
	tickets(batch: readonly Ticket[]): void;
	close(): Promise<void>;
}

const RETRY_MS = 30_000;
const FLUSH_MS = 1000;
const BATCH = 500;
const COLUMNS = 'id, kind, created_at, first_response_at, resolved_at, closed_at, category, merchant, team, satisfaction, updated_at';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

async function upsert(pool: pg.Pool, batch: Ticket[]): Promise<void> {
	await pool.query(
		`INSERT INTO ${TICKETS_TABLE} (${COLUMNS})
		 SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::smallint[], $11::timestamptz[])
		 ON CONFLICT (id) DO UPDATE SET first_response_at = EXCLUDED.first_response_at, resolved_at = EXCLUDED.resolved_at,
		   closed_at = EXCLUDED.closed_at, satisfaction = EXCLUDED.satisfaction, updated_at = EXCLUDED.updated_at`,
		[
			batch.map((t) => t.id),
			batch.map((t) => t.kind),
			batch.map((t) => iso(t.created)),
			batch.map((t) => iso(t.firstResponse)),
			batch.map((t) => iso(t.resolved)),
			batch.map((t) => iso(t.closed)),
			batch.map((t) => t.category),
			batch.map((t) => t.merchant),
			batch.map((t) => t.team),
			batch.map((t) => t.rating),
			batch.map((t) => iso(t.updated))
		]
	);
}

export function startTicketMirror(options: { postgresUrl?: string; log?: Logger }): TicketMirror {
	let pool: pg.Pool | undefined;
	let pending = new Map<string, Ticket>();
	let closed = false;
	let timer: NodeJS.Timeout | undefined;
	const later = (fn: () => void, ms: number) => {
		if (closed) return;
		timer = setTimeout(fn, ms);
		timer.unref();
	};
	const connect = async () => {
		if (!options.postgresUrl || closed) return;
		const p = new pg.Pool({ connectionString: options.postgresUrl, max: 1, connectionTimeoutMillis: 3000 });
		p.on('error', () => {});
		try {
			await p.query(`CREATE TABLE IF NOT EXISTS ${TICKETS_TABLE} (id text PRIMARY KEY, kind text NOT NULL, created_at timestamptz NOT NULL,
				first_response_at timestamptz, resolved_at timestamptz, closed_at timestamptz, category text, merchant text, team text,
				satisfaction smallint, updated_at timestamptz NOT NULL)`);
			await p.query(`CREATE INDEX IF NOT EXISTS ${TICKETS_TABLE}_updated ON ${TICKETS_TABLE} (updated_at, id)`);
			pool = p;
			options.log?.info({ table: TICKETS_TABLE }, 'demo shop: copying helpdesk tickets to PostgreSQL');
			later(() => void flush(), FLUSH_MS);
		} catch (err) {
			await p.end().catch(() => {});
			options.log?.debug({ err: (err as Error).message }, 'demo shop: PostgreSQL not reachable for tickets; retrying later');
			later(() => void connect(), RETRY_MS);
		}
	};
	const flush = async () => {
		if (pool && pending.size) {
			const all = [...pending.values()];
			pending = new Map();
			try {
				for (let i = 0; i < all.length; i += BATCH) await upsert(pool, all.slice(i, i + BATCH));
				if (Math.random() < 0.01) await pool.query(`DELETE FROM ${TICKETS_TABLE} WHERE updated_at < now() - interval '2 days'`);
			} catch {
				// PostgreSQL went away: these states are not copied (Vigil has them from the ticket store).
			}
		}
		later(() => void flush(), FLUSH_MS);
	};
	void connect();
	return {
		tickets(batch) {
			// The latest state of each ticket only; bounded while PostgreSQL is slow.
			if (pool && pending.size < 20_000) for (const t of batch) pending.set(t.id, t);
		},
		async close() {
			closed = true;
			clearTimeout(timer);
			await pool?.end().catch(() => {});
			pool = undefined;
		}
	};
}
