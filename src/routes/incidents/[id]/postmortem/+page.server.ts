/**
 * /incidents/INC-42/postmortem: a printable postmortem (summary, impact: duration, affected
 * services and the uptime budget used; a chart of the alerts' expressions over the incident; the
 * written sections impact, root cause and follow-ups; timeline; notes). Print it from the browser
 * to PDF. The sections are notes on the incident (see $lib/shared/postmortem): roles that may add
 * notes write them here.
 */
import { error, fail } from '@sveltejs/kit';
import { IncidentStore, parseIncidentId } from '$lib/server/alerting/incidents';
import { can } from '$lib/server/auth';
import { getContext } from '$lib/server/web/context';
import { incidentErrorStatus } from '$lib/server/web/http';
import { incidentView, reportSettings } from '$lib/server/views/reports';
import { requirePage, requirePageAction } from '$lib/server/web/pages';
import { sectionNote } from '$lib/shared/postmortem';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url, params }) => {
	const me = requirePage(locals, url, 'incidents:read');
	const view = await incidentView(getContext(), params.id, { chart: true });
	if (!view) error(404, `no incident ${params.id.slice(0, 40)}`);
	return { zone: reportSettings(getContext()).settings.timeZone, generatedAt: Date.now(), ...view, mayWrite: can(me.role, 'incidents:note') };
};

export const actions: Actions = {
	section: async (event) => {
		const by = await requirePageAction(event, 'incidents:note');
		const form = await event.request.formData();
		const id = parseIncidentId(event.params.id);
		if (!id) return fail(404, { error: `no incident ${event.params.id.slice(0, 40)}` });
		const section = String(form.get('section') ?? '');
		const text = sectionNote(section, String(form.get('text') ?? '').slice(0, 10_000));
		if (text === null) return fail(400, { error: section && ['impact', 'cause', 'followups'].includes(section) ? 'text: write something' : 'section: expected impact, cause or followups' });
		const ctx = getContext();
		try {
			await new IncidentStore(ctx.redis, ctx.keys, { audit: ctx.audit }).addNote(id, text, by);
			return { message: 'Added' };
		} catch (err) {
			const known = incidentErrorStatus(err);
			if (known) return fail(known.status, { error: known.error });
			throw err;
		}
	}
};
