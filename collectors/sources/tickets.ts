/**
 * tickets: helpdesk tickets and complaints into Vigil's ticket store, and the service-quality series
 * derived from every stored ticket (src/lib/server/tickets).
 *
 * With `url`, each run reads the rows of `table` changed since the last run (by `updated_at`, then
 * `id`, with the cursor kept in Redis), in READ ONLY transactions bounded by the timeout, as the sql
 * source does. Without `url` it reads nothing: tickets come by POST /api/v1/tickets (or the demo
 * shop), and the run only derives. With `derive` (default) each run recomputes the derived series
 * from all stored tickets; give one tickets target `derive: true` and the others `derive: false`,
 * or the series are written once per target.
 */
import pg from 'pg';
import { z } from 'zod';
import type { Sample } from '../../src/lib/shared/series';
import { deriveTicketSeriesInSlices, parseTicket, TICKET_METRICS, type Ticket, type TicketStore } from '../../src/lib/server/tickets';
import { zDuration } from '../../src/lib/shared/duration';
import { collectorBlock, effectiveTimeout, targetOf } from '../common';
import type { SourceDefinition } from '../types';

/** The columns the table (or view) must have; README "Tickets" documents their types. */
export const TICKET_COLUMNS = ['id', 'kind', 'created_at', 'first_response_at', 'resolved_at', 'closed_at', 'category', 'merchant', 'team', 'satisfaction', 'updated_at'] as const;

const schema = collectorBlock('tickets', {
	url: z.string().regex(/^postgres(ql)?:\/\//, 'expected a URL like postgres://user:password@host:5432/database').optional(),
	table: z
		.string()
		.regex(/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/, 'expected a table or view name, optionally schema-qualified (lowercase letters, digits, _)')
		.default('tickets'),
	/** Rows per query; a run reads up to `maxPages` of them and goes on at the next run. */
	batchSize: z.number().int().min(1).max(100_000).default(5000),
	maxPages: z.number().int().min(1).max(1000).default(20),
	/**
	 * Rows are read once their updated_at is this far behind the database's clock, so that rows
	 * written with one updated_at by transactions still open then are not passed by the cursor.
	 */
	settle: zDuration({ min: 0, max: 3_600_000 }).default(5000),
	derive: z.boolean().default(true)
});

type Config = z.output<typeof schema>;

interface Cursor {
	table: string;
	/** updated_at as PostgreSQL prints it (microseconds kept), and the id: where the last read ended. */
	at: string;
	id: string;
}

function redact(url: string): string {
	return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** The column of each ticket field, for messages about a row. */
const COLUMN_OF: Record<string, string> = { created: 'created_at', firstResponse: 'first_response_at', resolved: 'resolved_at', closed: 'closed_at', rating: 'satisfaction', updated: 'updated_at' };

/** A row of the documented table as the fields of a ticket. */
export function rowToFields(row: Record<string, unknown>): Record<string, unknown> {
	return {
		id: row.id,
		kind: row.kind,
		created: row.created_at,
		firstResponse: row.first_response_at,
		resolved: row.resolved_at,
		closed: row.closed_at,
		category: row.category,
		merchant: row.merchant,
		team: row.team,
		rating: row.satisfaction,
		updated: row.updated_at ?? undefined
	};
}

/** The ticket of a row, or why it is refused, naming the row's id and the column. */
export function ticketOfRow(row: Record<string, unknown>, now: number): Ticket | string {
	const r = parseTicket(rowToFields(row), now, now);
	if (r.ok) return r.value;
	return `row id=${JSON.stringify(String(row.id))}: ${r.field ? `${COLUMN_OF[r.field] ?? r.field}: ` : ''}${r.message}`;
}

/** Each page of changed rows in a READ ONLY transaction; stores them and moves the cursor. */
async function readChanged(client: pg.PoolClient, config: Config, store: TicketStore, timeout: number, now: number, signal: AbortSignal) {
	const key = config.name;
	const saved = await store.cursor(key);
	let cursor = saved ? (JSON.parse(saved) as Cursor) : null;
	// A cursor of another table means nothing here: read this one from its start.
	if (cursor && cursor.table !== config.table) cursor = null;
	let read = 0;
	const refused: string[] = [];
	const columns = TICKET_COLUMNS.map((c) => (c === 'id' ? 'id::text AS id' : c)).join(', ');
	const sql = `SELECT ${columns}, updated_at::text AS cursor_at FROM ${config.table}
		WHERE updated_at <= now() - $4::double precision * interval '1 millisecond'
		AND ($1::timestamptz IS NULL OR (updated_at, id::text) > ($1::timestamptz, $2::text))
		ORDER BY updated_at, id::text LIMIT $3`;
	for (let page = 0; page < config.maxPages && !signal.aborted; page++) {
		await client.query('BEGIN READ ONLY');
		await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeout))}`);
		const res = await client.query(sql, [cursor?.at ?? null, cursor?.id ?? '', config.batchSize, config.settle]);
		await client.query('COMMIT');
		const rows = res.rows as Array<Record<string, unknown>>;
		const tickets: Ticket[] = [];
		for (const row of rows) {
			const r = ticketOfRow(row, now);
			if (typeof r === 'string') refused.push(r);
			else tickets.push(r);
		}
		await store.upsert(tickets, now);
		read += rows.length;
		const last = rows[rows.length - 1];
		// A refused row moves the cursor on too: it is reported, never retried forever.
		if (last) {
			cursor = { table: config.table, at: String(last.cursor_at), id: String(last.id) };
			await store.setCursor(key, JSON.stringify(cursor));
		}
		if (rows.length < config.batchSize) break;
	}
	return { read, refused };
}

export const ticketsSource: SourceDefinition<typeof schema> = {
	kind: 'tickets',
	summary: 'helpdesk tickets from PostgreSQL (or the push API) and the service-quality series derived from them',
	schema,
	create(config, deps) {
		const tickets = deps.tickets;
		if (!tickets) throw new Error(`collector ${config.name}: Vigil's ticket store is not known here`);
		const timeout = effectiveTimeout(config.interval, config.timeout);
		let pool: pg.Pool | undefined;
		const getPool = (url: string) => {
			if (!pool) {
				pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: Math.min(5000, timeout), idleTimeoutMillis: 60_000 });
				pool.on('error', () => {});
			}
			return pool;
		};
		const read = async (url: string, now: number, signal: AbortSignal) => {
			let client: pg.PoolClient;
			try {
				client = await getPool(url).connect();
			} catch (err) {
				throw new Error(`cannot connect to ${redact(url)}: ${(err as Error).message}`);
			}
			try {
				return await readChanged(client, config, tickets.store, timeout, now, signal);
			} catch (err) {
				await client.query('ROLLBACK').catch(() => {});
				throw err;
			} finally {
				client.release();
			}
		};
		return targetOf(
			config,
			async ({ now, signal }) => {
				const samples: Sample[] = [];
				let error: string | undefined;
				let up = true;
				if (config.url) {
					try {
						const r = await read(config.url, now, signal);
						samples.push({ name: 'vigil_tickets_source_rows_read', labels: {}, ts: now, value: r.read }, { name: 'vigil_tickets_source_rows_refused', labels: {}, ts: now, value: r.refused.length });
						if (r.refused.length) {
							error = `${r.refused.length} row(s) refused: ${r.refused.slice(0, 3).join('; ')}`;
							deps.log.warn({ collector: config.name, refused: r.refused.length, first: r.refused.slice(0, 3) }, 'ticket rows refused');
						}
					} catch (err) {
						// The tickets stored so far (and pushed ones) still make their series: the target is
						// down, its figures go on.
						if (!config.derive) throw err;
						up = false;
						error = (err as Error).message;
					}
				}
				if (config.derive) {
					await tickets.store.prune(now);
					samples.push(...(await deriveTicketSeriesInSlices(await tickets.store.all(), { now, maxLabelValues: tickets.maxLabelValues })));
				}
				return { samples, error, up, metadata: [...TICKET_METRICS] };
			},
			{
				async close() {
					await pool?.end().catch(() => {});
					pool = undefined;
				}
			}
		);
	}
};
