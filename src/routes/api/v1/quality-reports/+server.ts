/**
 * GET /api/v1/quality-reports: the published quarterly quality reports, newest quarter first, each
 * its public snapshot with who published it (needs `reports:read`).
 */
import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/web/context';
import { requirePermission } from '$lib/server/web/http';
import { PublishedQualityReports } from '$lib/server/views/quality-report';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'reports:read');
	if (!auth.ok) return auth.response;
	const ctx = getContext();
	const published = await new PublishedQualityReports(ctx.redis, ctx.keys).entries();
	return json({ published }, { headers: { 'cache-control': 'no-store' } });
};
