/**
 * POST /api/v1/quality-reports/2026-Q4/publish (no body): publishes an ended quarter's report: its
 * public snapshot is stored for the status page (replacing an earlier one; the version counts up)
 * and the audit log records it. Needs `reports:publish` (managers and admins); a session's POST
 * carries its CSRF token (x-csrf-token). 409 for a quarter that has not ended.
 */
import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/web/context';
import { requirePermission } from '$lib/server/web/http';
import { postOnly } from '$lib/server/web/method';
import { actorOf } from '$lib/server/auth';
import { publishQualityReport, QualityPublishError } from '$lib/server/views/quality-report';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'reports:publish');
	if (!auth.ok) return auth.response;
	const p = auth.principal;
	try {
		const published = await publishQualityReport(getContext(), event.params.quarter, { actor: actorOf(p), name: p.user ?? actorOf(p), ip: event.getClientAddress() });
		return json({ published });
	} catch (err) {
		if (err instanceof QualityPublishError) return json({ error: err.message }, { status: err.status });
		throw err;
	}
};

export const fallback: RequestHandler = postOnly;
