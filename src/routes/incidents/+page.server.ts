/**
 * /incidents: incidents opened in a time range, filtered by service, severity, status, owner and
 * text, newest first, a page at a time (cursor); the filters live in the URL, so a link shares
 * them. The CSV export link carries the same filter to /api/v1/incidents/export. Needs a session
 * whose role may `incidents:read`.
 */
import { timeToAcknowledge, timeToResolve, IncidentStore, INCIDENT_STATUSES } from '$lib/server/alerting/incidents';
import { getContext } from '$lib/server/web/context';
import { apiParams, listQuery, pageParams, RANGE_LABELS, RANGES, readFilter, reportSettings } from '$lib/server/views/reports';
import { requirePage } from '$lib/server/web/pages';
import { SEVERITIES } from '$lib/server/rules';
import type { PageServerLoad } from './$types';

const PAGE = 50;

export const load: PageServerLoad = async ({ locals, url }) => {
	const me = requirePage(locals, url, 'incidents:read');
	const ctx = getContext();
	const zone = reportSettings(getContext()).settings.timeZone;
	const now = Date.now();
	const filter = readFilter(url.searchParams, zone, now);
	const store = new IncidentStore(ctx.redis, ctx.keys);
	const [page, services] = await Promise.all([
		filter.problems.length ? Promise.resolve({ incidents: [], nextCursor: null }) : store.list(listQuery(filter, PAGE)),
		ctx.store.labelValues('service').catch(() => [] as string[])
	]);
	const base = pageParams(filter);
	const next = page.nextCursor ? `?${new URLSearchParams([...base, ['cursor', page.nextCursor]])}` : null;
	return {
		me,
		zone,
		ranges: RANGES.map((r) => ({ value: r, label: RANGE_LABELS[r] })),
		severities: [...SEVERITIES],
		statuses: [...INCIDENT_STATUSES],
		services: [...new Set([...services, ...(filter.service ? [filter.service] : [])])].sort(),
		filter: { ...filter, from: filter.from ?? null, to: filter.to ?? null, cursor: filter.cursor ?? null },
		incidents: page.incidents.map((i) => ({
			id: i.id,
			ref: i.ref,
			title: i.title,
			service: i.service,
			severity: i.severity,
			status: i.status,
			owner: i.owner ?? '',
			openedAt: i.openedAt,
			tta: timeToAcknowledge(i),
			ttr: timeToResolve(i),
			alerts: i.alertCount
		})),
		next,
		first: filter.cursor ? `?${base}` : null,
		exportUrl: `/api/v1/incidents/export?${apiParams(filter)}`
	};
};
