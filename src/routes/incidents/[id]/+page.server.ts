/**
 * /incidents/INC-42: the incident's timeline, responders, TTA and TTR, a chart of its alerts'
 * expressions over its window, and the actions the role may take (form actions with the
 * session's CSRF token): acknowledge, assign (to one of the users, as the API), resolve, reopen
 * (engineers, admins), notes and public updates (managers too; public updates are what customers read
 * on the status page, shown in a section of their own). Each action goes through the same store calls as
 * the API, so it is audited. Times are in reports.timeZone, named on the page.
 */
import { error, fail } from '@sveltejs/kit';
import { incidentErrorStatus } from '$lib/server/web/http';
import { IncidentInputError, IncidentStore, parseIncidentId, PUBLIC_STATUSES, PublicUpdateStore } from '$lib/server/alerting/incidents';
import { can, type Action } from '$lib/server/auth';
import { getContext } from '$lib/server/web/context';
import { incidentView, reportSettings } from '$lib/server/views/reports';
import { requirePage, requirePageAction } from '$lib/server/web/pages';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async ({ locals, url, params }) => {
	const me = requirePage(locals, url, 'incidents:read');
	const view = await incidentView(getContext(), params.id, { chart: true });
	if (!view) error(404, `no incident ${params.id.slice(0, 40)}`);
	const may = (a: Action) => can(me.role, a);
	// The owner is chosen from the users (the API refuses any other name too).
	const users = may('incidents:assign') ? (await getContext().users.list()).map((u) => u.name) : [];
	const ctx = getContext();
	const publicUpdates = await new PublicUpdateStore(ctx.redis, ctx.keys).updates(view.incident.id);
	return {
		me,
		zone: reportSettings(ctx).settings.timeZone,
		users,
		...view,
		publicUpdates,
		publicStatuses: PUBLIC_STATUSES,
		statusPageOn: ctx.status?.enabled ?? false,
		may: { ack: may('incidents:ack'), assign: may('incidents:assign'), note: may('incidents:note'), resolve: may('incidents:resolve'), publish: may('incidents:publish') }
	};
};

async function act(event: RequestEvent, permission: Action, run: (store: IncidentStore, id: string, by: { actor: string; ip: string }, form: FormData) => Promise<unknown>, done: string) {
	const by = await requirePageAction(event, permission);
	const form = await event.request.formData();
	const id = parseIncidentId(event.params.id);
	if (!id) return fail(404, { error: `no incident ${event.params.id.slice(0, 40)}` });
	const ctx = getContext();
	try {
		await run(new IncidentStore(ctx.redis, ctx.keys, { audit: ctx.audit }), id, by, form);
		return { message: done };
	} catch (err) {
		const known = incidentErrorStatus(err);
		if (known) return fail(known.status, { error: known.error });
		throw err;
	}
}

const field = (form: FormData, name: string, max: number) => {
	const v = form.get(name);
	return typeof v === 'string' ? v.slice(0, max) : '';
};

export const actions: Actions = {
	acknowledge: (event) => act(event, 'incidents:ack', (s, id, by) => s.acknowledge(id, by), 'Acknowledged'),
	assign: (event) =>
		act(
			event,
			'incidents:assign',
			async (s, id, by, form) => {
				const owner = field(form, 'owner', 100).trim();
				if (!owner) return s.assign(id, null, by);
				const user = await getContext().users.get(owner);
				if (!user) throw new IncidentInputError(`owner: no user named ${JSON.stringify(owner.slice(0, 80))}; choose one of the users, or nobody`);
				return s.assign(id, user.name, by);
			},
			'Owner changed'
		),
	note: (event) => act(event, 'incidents:note', (s, id, by, form) => s.addNote(id, field(form, 'text', 10_001), by), 'Note added'),
	publish: (event) =>
		act(
			event,
			'incidents:publish',
			(_s, id, by, form) => {
				const ctx = getContext();
				return new PublicUpdateStore(ctx.redis, ctx.keys, { audit: ctx.audit }).add(id, { status: field(form, 'status', 40), title: field(form, 'title', 201), text: field(form, 'text', 5001) }, by);
			},
			'Public update posted: customers see it on the status page'
		),
	resolve: (event) => act(event, 'incidents:resolve', (s, id, by) => s.resolve(id, by), 'Resolved'),
	reopen: (event) => act(event, 'incidents:resolve', (s, id, by) => s.reopen(id, by), 'Reopened')
};
