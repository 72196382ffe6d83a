/**
 * /incidents/INC-42/postmortem: a printable postmortem (summary, timeline, impact: duration,
 * affected services and the uptime budget used; notes). Print it from the browser to PDF.
 */
import { getContext } from '$lib/server/web/context';
import { error } from '@sveltejs/kit';
import { incidentView } from '$lib/server/reports/incident-view';
import { reportSettings } from '$lib/server/reports/settings';
import { requirePage } from '$lib/server/web/pages';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url, params }) => {
	requirePage(locals, url, 'incidents:read');
	const view = await incidentView(getContext(), params.id, { chart: false });
	if (!view) error(404, `no incident ${params.id.slice(0, 40)}`);
	return { zone: reportSettings(getContext()).settings.timeZone, generatedAt: Date.now(), ...view };
};
