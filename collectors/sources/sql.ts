/**
 * sql: a read-only query against PostgreSQL whose rows become samples: one numeric column is the
 * value, the others are labels. Example: orders created in the last minute, by channel.
 *
 * Config: `url` (postgres://user:password@host:5432/db), `query`, `metric` (the series name),
 * `valueColumn` (default "value"), `labelColumns` (default: every other column), plus the common
 * fields; `timeout` also bounds the statement (statement_timeout). The query runs in a READ ONLY
 * transaction, so it cannot change data whatever it says.
 */
import pg from 'pg';
import { z } from 'zod';
import { LABEL_NAME, METRIC_NAME, type Sample } from '../../src/lib/shared/series';
import { collectorBlock, effectiveTimeout, targetOf } from '../common';
import type { SourceDefinition } from '../types';

const schema = collectorBlock('sql', {
	url: z.string().regex(/^postgres(ql)?:\/\//, 'expected a URL like postgres://user:password@host:5432/database'),
	query: z.string().min(1),
	metric: z.string().regex(METRIC_NAME, 'expected a metric name matching [a-zA-Z_:][a-zA-Z0-9_:]*'),
	valueColumn: z.string().min(1).default('value'),
	labelColumns: z.array(z.string().regex(LABEL_NAME, 'label columns must be valid label names')).optional()
});

function redact(url: string): string {
	return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** Turns result rows into samples; a row whose value is not a number is an error, named. */
export function rowsToSamples(rows: Array<Record<string, unknown>>, options: { metric: string; valueColumn: string; labelColumns?: string[]; now: number }): Sample[] {
	return rows.map((row, i) => {
		if (!(options.valueColumn in row)) throw new Error(`row ${i + 1} has no column ${JSON.stringify(options.valueColumn)} (valueColumn)`);
		const raw = row[options.valueColumn];
		const value = raw === null ? NaN : typeof raw === 'number' ? raw : typeof raw === 'string' || typeof raw === 'bigint' ? Number(raw) : NaN;
		if (raw !== null && Number.isNaN(value)) throw new Error(`row ${i + 1}: ${options.valueColumn} is ${JSON.stringify(String(raw))}, not a number`);
		const labels: Record<string, string> = {};
		const columns = options.labelColumns ?? Object.keys(row).filter((k) => k !== options.valueColumn);
		for (const c of columns) {
			if (!LABEL_NAME.test(c)) throw new Error(`column ${JSON.stringify(c)} cannot be a label name: alias it in the query (AS a_name)`);
			const v = row[c];
			labels[c] = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v);
		}
		return { name: options.metric, labels, ts: options.now, value };
	});
}

export const sqlSource: SourceDefinition<typeof schema> = {
	kind: 'sql',
	summary: 'a read-only PostgreSQL query whose rows are labels and values',
	schema,
	create(config) {
		const timeout = effectiveTimeout(config.interval, config.timeout);
		let pool: pg.Pool | undefined;
		const getPool = () => {
			if (!pool) {
				pool = new pg.Pool({ connectionString: config.url, max: 1, connectionTimeoutMillis: Math.min(5000, timeout), idleTimeoutMillis: 60_000 });
				// An idle connection's error (the server restarted) is the next query's to report. Once per
				// pool: a listener per tick grew without bound over weeks.
				pool.on('error', () => {});
			}
			return pool;
		};
		return targetOf(
			config,
			async ({ now }) => {
				let client: pg.PoolClient;
				try {
					client = await getPool().connect();
				} catch (err) {
					throw new Error(`cannot connect to ${redact(config.url)}: ${(err as Error).message}`);
				}
				try {
					await client.query('BEGIN READ ONLY');
					await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeout))}`);
					const res = await client.query(config.query);
					await client.query('COMMIT');
					return { samples: rowsToSamples(res.rows as Array<Record<string, unknown>>, { ...config, now }) };
				} catch (err) {
					await client.query('ROLLBACK').catch(() => {});
					throw err;
				} finally {
					client.release();
				}
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
