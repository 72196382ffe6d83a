/**
 * GET /api/v1/audit?limit=100&before=<id>&format=json|csv: the audit log, newest first (admins).
 * Page back with the last entry's id as `before`.
 */
import { json } from '@sveltejs/kit';
import { auditCsv, AUDIT_ID } from '$lib/server/audit';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'audit:read');
	if (!auth.ok) return auth.response;
	const q = event.url.searchParams;
	const limitText = q.get('limit') ?? '100';
	const limit = Number(limitText);
	if (!/^\d{1,5}$/.test(limitText) || limit < 1 || limit > 10_000) return json({ error: `limit: expected a whole number from 1 to 10000, got ${JSON.stringify(limitText.slice(0, 40))}` }, { status: 400 });
	const before = q.get('before') ?? undefined;
	if (before !== undefined && !AUDIT_ID.test(before)) return json({ error: `before: expected an entry id like 1767225600000-0, got ${JSON.stringify(before.slice(0, 40))}` }, { status: 400 });
	const format = q.get('format') ?? 'json';
	if (format !== 'json' && format !== 'csv') return json({ error: `format: expected json or csv, got ${JSON.stringify(format.slice(0, 40))}` }, { status: 400 });
	const entries = await getContext().audit.list({ limit, before });
	if (format === 'csv') {
		return new Response(auditCsv(entries), {
			headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="vigil-audit.csv"', 'cache-control': 'no-store' }
		});
	}
	return json({ entries, next: entries.length === limit ? entries.at(-1)!.id : null }, { headers: { 'cache-control': 'no-store' } });
};
