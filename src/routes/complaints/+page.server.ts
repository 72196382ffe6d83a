/**
 * /complaints: complaints by category per day (per week beyond 31 days) over a range (`range=
 * last-7d|last-30d|this-quarter`, the last 7 days by default), the categories that grew against
 * the previous period of the same length, and the incidents open in the range, each grown
 * category with those that overlapped its busiest bucket; a CSV link of the table. Needs
 * `scorecards:read` (the scorecards' audience: managers, engineers and admins).
 */
import { error } from '@sveltejs/kit';
import { getContext } from '$lib/server/web/context';
import { COMPLAINT_RANGE_LABELS, COMPLAINT_RANGES, complaintRequest, GROWTH_MIN_COUNT, GROWTH_MIN_RATIO, runComplaints } from '$lib/server/views/complaints';
import { requirePage } from '$lib/server/web/pages';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const me = requirePage(locals, url, 'scorecards:read');
	const req = complaintRequest(url.searchParams);
	if (!req.ok) error(400, req.error);
	const analysis = await runComplaints(getContext(), req.value);
	return {
		me,
		analysis,
		ranges: COMPLAINT_RANGES.map((r) => ({ value: r, label: COMPLAINT_RANGE_LABELS[r] })),
		rule: { ratio: GROWTH_MIN_RATIO, count: GROWTH_MIN_COUNT },
		csv: `/api/v1/complaints?${new URLSearchParams({ range: req.value.range, format: 'csv' })}`
	};
};
