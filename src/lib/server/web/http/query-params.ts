/**
 * The query-string checks the read APIs share: a parameter the route does not know is refused by
 * name (so a typo is not silently ignored), and `format` is json or csv.
 */
import { json } from '@sveltejs/kit';

/** The refusal of the first parameter not in `allowed`, or null when all are known. */
export function unknownParam(params: URLSearchParams, allowed: readonly string[]): string | null {
	for (const k of params.keys()) if (!allowed.includes(k)) return `${k}: unknown parameter; expected ${allowed.join(', ')}`;
	return null;
}

/**
 * The 400 answer for a query with an unknown parameter or a `format` other than json or csv; null
 * when the query passes both checks.
 */
export function refuseQuery(params: URLSearchParams, allowed: readonly string[]): Response | null {
	const unknown = unknownParam(params, allowed);
	if (unknown) return json({ error: unknown }, { status: 400 });
	const format = params.get('format');
	if (format !== null && format !== 'json' && format !== 'csv') return json({ error: 'format: expected json or csv' }, { status: 400 });
	return null;
}
