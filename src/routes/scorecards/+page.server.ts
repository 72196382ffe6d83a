/**
 * /scorecards: merchants ranked by order completion, satisfaction, complaint rate and complaint
 * handling, and (`tab=teams`) customer-service teams by response time and resolution rate, for a
 * quarter (`quarter=2026-Q3`, the current one by default) with each one's trend over the quarters
 * before it; below-standard figures flagged; CSV links of both tables. Needs `scorecards:read`.
 */
import { error } from '@sveltejs/kit';
import { getContext } from '$lib/server/web/context';
import { currentPeriod, previousPeriod, reportSettings } from '$lib/server/views/reports';
import { MAX_QUARTERS, runScorecards, scorecardRequest } from '$lib/server/views/scorecards';
import { requirePage } from '$lib/server/web/pages';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const me = requirePage(locals, url, 'scorecards:read');
	const params = new URLSearchParams(url.searchParams);
	const tab = params.get('tab') === 'teams' ? 'teams' : 'merchants';
	params.delete('tab');
	const req = scorecardRequest(params);
	if (!req.ok) error(400, req.error);
	const now = Date.now();
	const scorecards = await runScorecards(getContext(), req.value, now);
	const choices: string[] = [];
	let p = currentPeriod('quarter', reportSettings(getContext()).settings.timeZone, now);
	for (let i = 0; i < MAX_QUARTERS; i++, p = previousPeriod(p)) choices.push(p.label);
	const quarter = scorecards.quarters[scorecards.quarters.length - 1]!.label;
	const link = (extra: Record<string, string>) => {
		const q = new URLSearchParams({ quarter, ...extra });
		return q.toString();
	};
	return {
		me,
		tab,
		scorecards,
		choices,
		quarter,
		sort: { merchants: req.value.merchantSort, teams: req.value.teamSort },
		tabs: { merchants: `/scorecards?${link({})}`, teams: `/scorecards?${link({ tab: 'teams' })}` },
		csv: { merchants: `/api/v1/scorecards?${link({ format: 'csv', table: 'merchants' })}`, teams: `/api/v1/scorecards?${link({ format: 'csv', table: 'teams' })}` }
	};
};
