/**
 * /rules: every alerting rule with its group, severity, active alerts by state, health, last
 * evaluation, silences and whether it is enabled; filters (text, state, severity, group, enabled,
 * silenced) live in the URL so a filtered view can be shared. The page renders the rows of this
 * load (filtered), then keeps them current over the live feed (`rules:rows`). Needs a session whose
 * role may `rules:read`.
 */
import { readRuleOverview } from '$lib/server/views';
import { getContext } from '$lib/server/web/context';
import { requirePage } from '$lib/server/web/pages';
import { readRuleFilter } from '$lib/shared/rule-rows';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const me = requirePage(locals, url, 'rules:read');
	const ctx = getContext();
	const overview = await readRuleOverview(ctx.redis, ctx.keys, { onBad: (what, id, problem) => ctx.log.warn({ what, id, problem }, 'left out of the rules overview: it does not parse') });
	return { me, revision: overview.revision, rows: overview.rows, filter: readRuleFilter(url.searchParams), serverNow: Date.now() };
};
