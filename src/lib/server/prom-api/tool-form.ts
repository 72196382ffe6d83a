/**
 * Form posts from tools to the Prometheus-compatible read endpoints. promtool and Grafana send
 * `query`, `query_range`, `series` and `labels` as POST form bodies without an Origin header, which
 * SvelteKit's origin check refuses as cross-site form posts. These endpoints only read (and still
 * need a token or a session), so there is nothing a cross-site form could do through them: the
 * server marks such a body with a content type of its own before SvelteKit sees it, and the
 * routes read it as the form it is. Requests with an Origin header are left to SvelteKit's check.
 */

export const TOOL_FORM_TYPE = 'application/x-vigil-tool-form';

const READ_PATHS = new Set(['/api/v1/query', '/api/v1/query_range', '/api/v1/series', '/api/v1/labels']);

/** Relabels the body of a tool's form post to a read endpoint; any other request is left as it is. */
export function admitToolForm(req: { method?: string; url?: string; headers: Record<string, string | string[] | undefined> }): void {
	if (req.method !== 'POST' || req.headers.origin !== undefined) return;
	const type = String(req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
	if (type !== 'application/x-www-form-urlencoded') return;
	const path = (req.url ?? '').split('?', 1)[0]!;
	if (READ_PATHS.has(path)) req.headers['content-type'] = TOOL_FORM_TYPE;
}
