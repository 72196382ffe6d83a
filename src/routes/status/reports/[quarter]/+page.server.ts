/**
 * /status/reports/2026-Q4: a published quarterly service-quality report, for customers, without a
 * login (hooks.server.ts reads no session for /status paths, refuses them when the status page is
 * off and limits each client address). It shows the public snapshot a manager published and
 * nothing else; a quarter not published (or withdrawn) is 404.
 */
import { error } from '@sveltejs/kit';
import { getContext } from '$lib/server/web/context';
import { statusServing } from '$lib/server/web/status-page';
import { publishedReport } from '$lib/server/views/status';
import type { PageServerLoad } from './$types';

export const csr = false;

export const load: PageServerLoad = async ({ params, setHeaders }) => {
	const ctx = getContext();
	const serving = statusServing(ctx);
	if (!serving) error(404, 'Not found');
	const report = await publishedReport(ctx, params.quarter);
	if (!report) error(404, `No published report for ${params.quarter.slice(0, 10)}`);
	setHeaders({ 'cache-control': serving.cacheControl });
	return { report, statusTitle: serving.settings.title };
};
