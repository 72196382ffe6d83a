/**
 * /maintenance: maintenance windows (planned work): active, scheduled and ended ones with their
 * matchers, schedule (once, weekly or cron, in a time zone), the occurrence open now or the next,
 * and the current alerts each covers now; a form to make one (a live preview shows the alerts it
 * would cover and its next occurrences, through POST /api/v1/maintenance-windows/preview), to change
 * one (`?edit=<id>`), and a button to end one early. Reading needs `rules:read`; changes need
 * `windows:write` and go through the same store as the API (audited).
 */
import { fail, redirect } from '@sveltejs/kit';
import { currentAlerts } from '$lib/server/alerting/state';
import type { WindowView } from '$lib/server/alerting/muting';
import { parseWindowInput } from '$lib/server/alerting/muting';
import { RECORD_ID } from '$lib/server/alerting/muting';
import { maintenanceStore } from '$lib/server/web/http';
import { can } from '$lib/server/auth';
import { getContext } from '$lib/server/web/context';
import { reportSettings } from '$lib/server/views/reports';
import { alertsMatching, formText, localInput, refusedForm } from '$lib/server/web/muting-page';
import { requirePage, requirePageAction } from '$lib/server/web/pages';
import { formatTime } from '$lib/shared/report-format';
import type { Actions, PageServerLoad } from './$types';

const ENDED_SHOWN = 50;

/** The schedule in words, times in the window's own zone. */
function scheduleText(w: WindowView): string {
	const s = w.schedule;
	const at = (ms: number) => formatTime(ms, w.timeZone).slice(0, 16);
	const validity = s.kind === 'once' ? '' : `${s.validFrom !== undefined ? `, from ${at(s.validFrom)}` : ''}${s.validUntil !== undefined ? `, until ${at(s.validUntil)}` : ''}`;
	switch (s.kind) {
		case 'once':
			return `once, ${at(s.start)} to ${at(s.end)}`;
		case 'weekly':
			return `weekly on ${s.days.join(', ')}, ${s.start} to ${s.end}${validity}`;
		case 'cron':
			return `cron "${s.cron}" for ${s.duration}${validity}`;
	}
}

/** The form's values of a stored window (for editing). */
function editValues(w: WindowView) {
	const s = w.schedule;
	const local = (ms: number | undefined) => (ms === undefined ? '' : localInput(ms, w.timeZone));
	return {
		name: w.name,
		matchers: w.matchersText,
		timeZone: w.timeZone,
		kind: s.kind as string,
		onceStart: s.kind === 'once' ? local(s.start) : '',
		onceEnd: s.kind === 'once' ? local(s.end) : '',
		days: s.kind === 'weekly' ? [...s.days] as string[] : [],
		weeklyStart: s.kind === 'weekly' ? s.start : '',
		weeklyEnd: s.kind === 'weekly' ? s.end : '',
		cron: s.kind === 'cron' ? s.cron : '',
		cronDuration: s.kind === 'cron' ? s.duration : '',
		validFrom: s.kind === 'once' ? '' : local(s.validFrom),
		validUntil: s.kind === 'once' ? '' : local(s.validUntil),
		comment: w.comment,
		publicTitle: w.public?.title ?? '',
		publicDescription: w.public?.description ?? ''
	};
}
export type WindowValues = ReturnType<typeof editValues>;

export const load: PageServerLoad = async ({ locals, url }) => {
	const me = requirePage(locals, url, 'rules:read');
	const ctx = getContext();
	const zone = reportSettings(getContext()).settings.timeZone;
	const [all, alerts] = await Promise.all([maintenanceStore().list(['active', 'scheduled', 'ended']), currentAlerts(ctx.redis, ctx.keys)]);
	const row = (w: WindowView) => ({
		id: w.id,
		name: w.name,
		state: w.state,
		matchers: w.matchersText,
		timeZone: w.timeZone,
		schedule: scheduleText(w),
		current: w.current ? { start: formatTime(w.current.start, zone), end: formatTime(w.current.end, zone) } : null,
		next: w.next ? { start: formatTime(w.next.start, zone), end: formatTime(w.next.end, zone) } : null,
		endedAt: w.endedAt !== undefined ? formatTime(w.endedAt, zone) : null,
		createdBy: w.createdBy,
		updatedBy: w.updatedBy ?? null,
		comment: w.comment,
		publicTitle: w.public?.title ?? null,
		replaces: w.replaces ?? null,
		replacedBy: w.replacedBy ?? null,
		covers: w.state === 'ended' ? { alerts: [], total: 0 } : alertsMatching(alerts, w.matchers)
	});
	const editId = url.searchParams.get('edit');
	const editing = editId ? all.find((w) => w.id === editId && w.state !== 'ended') : undefined;
	const ended = all.filter((w) => w.state === 'ended').sort((a, b) => (b.endedAt ?? b.updatedAt) - (a.endedAt ?? a.updatedAt));
	return {
		me,
		zone,
		zones: Intl.supportedValuesOf('timeZone'),
		mayWrite: can(me.role, 'windows:write'),
		alertsTotal: alerts.length,
		active: all.filter((w) => w.state === 'active').map(row),
		scheduled: all
			.filter((w) => w.state === 'scheduled')
			.sort((a, b) => (a.next?.start ?? 0) - (b.next?.start ?? 0))
			.map(row),
		ended: ended.slice(0, ENDED_SHOWN).map(row),
		endedTotal: ended.length,
		saved: url.searchParams.get('saved'),
		editMissing: editId !== null && !editing ? editId.slice(0, 80) : null,
		editing: editing ? { id: editing.id, state: editing.state, values: editValues(editing) } : null
	};
};

function values(form: FormData): WindowValues {
	const kind = formText(form, 'kind', 10);
	return {
		name: formText(form, 'name', 400),
		matchers: formText(form, 'matchers', 65_536),
		timeZone: formText(form, 'timeZone', 100),
		kind: kind as WindowValues['kind'],
		onceStart: formText(form, 'onceStart', 40),
		onceEnd: formText(form, 'onceEnd', 40),
		days: form
			.getAll('days')
			.filter((d): d is string => typeof d === 'string')
			.slice(0, 7),
		weeklyStart: formText(form, 'weeklyStart', 10),
		weeklyEnd: formText(form, 'weeklyEnd', 10),
		cron: formText(form, 'cron', 200),
		cronDuration: formText(form, 'cronDuration', 40),
		validFrom: formText(form, 'validFrom', 40),
		validUntil: formText(form, 'validUntil', 40),
		comment: formText(form, 'comment', 4000),
		publicTitle: formText(form, 'publicTitle', 400),
		publicDescription: formText(form, 'publicDescription', 4000)
	};
}

/** The form as the API's body: blank optional fields left out, local times passed as typed (the schedule reads them in the window's zone). */
function windowBody(v: WindowValues): Record<string, unknown> {
	const opt = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).filter(([, x]) => x.trim() !== '').map(([k, x]) => [k, x.trim()]));
	const validity = opt({ validFrom: v.validFrom, validUntil: v.validUntil });
	const schedule =
		v.kind === 'weekly'
			? { kind: 'weekly', days: v.days, start: v.weeklyStart.trim(), end: v.weeklyEnd.trim(), ...validity }
			: v.kind === 'cron'
				? { kind: 'cron', cron: v.cron.trim(), duration: v.cronDuration.trim(), ...validity }
				: { kind: v.kind, start: v.onceStart.trim(), end: v.onceEnd.trim() };
	// Announced on the public status page only when a public title or description is typed (a
	// description without a title is refused, naming public.title).
	const notice = v.publicTitle.trim() || v.publicDescription.trim() ? { public: { title: v.publicTitle, description: v.publicDescription } } : {};
	return { name: v.name, matchers: v.matchers, timeZone: v.timeZone.trim(), schedule, ...(v.comment.trim() ? { comment: v.comment } : {}), ...notice };
}

function idOf(form: FormData): string | null {
	const id = formText(form, 'id', 80);
	return RECORD_ID.test(id) ? id : null;
}

export const actions: Actions = {
	create: async (event) => {
		const by = await requirePageAction(event, 'windows:write');
		const v = values(await event.request.formData());
		try {
			const w = await maintenanceStore().create(parseWindowInput(windowBody(v)), by);
			return { message: `Made maintenance window ${w.id} "${w.name}" (${w.state})`, id: w.id };
		} catch (err) {
			return refusedForm(err, v);
		}
	},
	update: async (event) => {
		const by = await requirePageAction(event, 'windows:write');
		const form = await event.request.formData();
		const v = values(form);
		const id = idOf(form);
		if (!id) return fail(404, { error: 'id: no such maintenance window', field: 'id', values: v });
		let saved: string;
		try {
			saved = (await maintenanceStore().update(id, parseWindowInput(windowBody(v)), by)).window.id;
		} catch (err) {
			return refusedForm(err, v);
		}
		redirect(303, `/maintenance?saved=${encodeURIComponent(saved)}#w-${saved}`);
	},
	end: async (event) => {
		const by = await requirePageAction(event, 'windows:write');
		const id = idOf(await event.request.formData());
		if (!id) return fail(404, { error: 'id: no such maintenance window', field: 'id', values: null });
		try {
			const w = await maintenanceStore().end(id, by);
			return { message: `Ended maintenance window ${w.id} "${w.name}": its alerts notify again`, id: w.id };
		} catch (err) {
			return refusedForm(err, null);
		}
	}
};
