/**
 * /rules/<group>/<alert>: one rule. Its expression and options, a chart of what it compares over
 * the last 6 h with its threshold and clear lines, a band per instance of its states, its current
 * instances, its state changes, the notifications it sent, its versions with diffs, and (for
 * roles that may) the editor, the backtest preview, rollback, disable and silence. Changes go
 * through the API (fetch with the session's CSRF token), so they are the API's, audited.
 */
import { getContext } from '$lib/server/web/context';
import { error } from '@sveltejs/kit';
import { can } from '$lib/server/auth';
import { ruleChart, readRuleDetail } from '$lib/server/views';
import { reportSettings } from '$lib/server/views/reports';
import { requirePage } from '$lib/server/web/pages';
import { instanceBands } from '$lib/shared/rule-timeline';
import type { PageServerLoad } from './$types';

/** The window of the chart and the bands. */
const WINDOW_MS = 6 * 3_600_000;

export const load: PageServerLoad = async ({ locals, url, params }) => {
	const me = requirePage(locals, url, 'rules:read');
	const id = `${params.group}/${params.alert}`;
	const ctx = getContext();
	const { settings, retention } = reportSettings(ctx);
	const detail = await readRuleDetail(id, ctx);
	if (!detail) error(404, `no rule ${id.slice(0, 200)}; the list at /rules has them all`);
	const now = Date.now();
	const from = now - WINDOW_MS;
	const chart = await ruleChart({ store: ctx.store, retention }, detail.rule.spec.expr, detail.threshold, from, now, now);
	const bands = instanceBands(detail.events, from, now);
	return {
		me,
		now,
		zone: settings.timeZone,
		...detail,
		chart,
		bands,
		may: { write: can(me.role, 'rules:write'), silence: can(me.role, 'silences:write') }
	};
};
