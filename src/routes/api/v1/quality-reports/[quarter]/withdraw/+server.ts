/**
 * POST /api/v1/quality-reports/2026-Q4/withdraw (no body): removes a published quarter from the
 * status page; the audit log records it. Needs `reports:withdraw` (admins). 404 when the quarter is
 * not published.
 */
import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/web/context';
import { requirePermission } from '$lib/server/web/http';
import { postOnly } from '$lib/server/web/method';
import { actorOf } from '$lib/server/auth';
import { QualityPublishError, withdrawQualityReport } from '$lib/server/views/quality-report';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'reports:withdraw');
	if (!auth.ok) return auth.response;
	const p = auth.principal;
	try {
		await withdrawQualityReport(getContext(), event.params.quarter, { actor: actorOf(p), name: p.user ?? actorOf(p), ip: event.getClientAddress() });
		return json({ withdrawn: event.params.quarter.toUpperCase() });
	} catch (err) {
		if (err instanceof QualityPublishError) return json({ error: err.message }, { status: err.status });
		throw err;
	}
};

export const fallback: RequestHandler = postOnly;
