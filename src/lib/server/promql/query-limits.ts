/**
 * The limits every PromQL query of the process keeps (the config's `query:` section), as
 * Prometheus' --query.max-samples and --query.timeout. The HTTP API names them in its errors
 * (prom-api/limits.ts); the read models keep them too.
 */

export interface QueryLimits {
	/**
	 * Most samples a query may hold in memory at once: loaded by its selectors plus its result's points.
	 * @defaultValue 50_000_000 (Prometheus' --query.max-samples)
	 */
	maxSamples: number;
	/**
	 * Longest a query may take, queueing included; a request's `timeout` parameter can only shorten it.
	 * @defaultValue 120_000 (Prometheus' --query.timeout=2m)
	 */
	timeoutMs: number;
}

/** Prometheus' defaults: --query.max-samples=50000000, --query.timeout=2m. */
export const DEFAULT_QUERY_LIMITS: Readonly<QueryLimits> = { maxSamples: 50_000_000, timeoutMs: 120_000 };

const SLOT = Symbol.for('vigil.queryLimits');
type WithSlot = typeof globalThis & { [SLOT]?: QueryLimits };

/**
 * The process's limits, for queries evaluated in-process (the API, reports, rule charts): set once
 * at start. On `globalThis` because SvelteKit's bundle and the runtime are two module graphs.
 */
export function setProcessQueryLimits(limits: QueryLimits | undefined): void {
	(globalThis as WithSlot)[SLOT] = limits;
}

export function processQueryLimits(): QueryLimits {
	return (globalThis as WithSlot)[SLOT] ?? DEFAULT_QUERY_LIMITS;
}
