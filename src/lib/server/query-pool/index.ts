/** The query pool: worker threads answering /api/v1/query and query_range under the query limits. */
export { QueryPool, type QueryRunner } from './pool';
export { startQueryPool } from './start';
