/**
 * /silences, as Alertmanager's silences page: active, pending and expired silences with their
 * matchers, creator, comment and the current alerts each mutes now (a pending one: would mute when
 * it starts); a form to make one (the page previews the alerts it would mute as you type, through
 * POST /api/v1/silences/preview), to change one (`?edit=<id>`), and a button to expire one early.
 * Reading needs `rules:read`; changes need `silences:write` and go through the same store as the
 * API (audited). Times are in reports.timeZone, named on the page.
 */
import { fail, redirect } from '@sveltejs/kit';
import { currentAlerts } from '$lib/server/alerting/state';
import { RECORD_ID } from '$lib/server/alerting/muting';
import { silenceStore } from '$lib/server/web/http';
import { parseSilenceInput, type SilenceView } from '$lib/server/alerting/muting';
import { can } from '$lib/server/auth';
import { getContext } from '$lib/server/web/context';
import { reportSettings } from '$lib/server/views/reports';
import { alertsMatching, formText, localInput, refusedForm, zonedField } from '$lib/server/web/muting-page';
import { requirePage, requirePageAction } from '$lib/server/web/pages';
import { formatTime } from '$lib/shared/report-format';
import type { Actions, PageServerLoad } from './$types';

/** Expired silences listed (newest end first); the API has them all. */
const EXPIRED_SHOWN = 50;

export const load: PageServerLoad = async ({ locals, url }) => {
	const me = requirePage(locals, url, 'rules:read');
	const ctx = getContext();
	const zone = reportSettings(getContext()).settings.timeZone;
	const now = Date.now();
	const [all, alerts] = await Promise.all([silenceStore().list(['active', 'pending', 'expired']), currentAlerts(ctx.redis, ctx.keys)]);
	const row = (s: SilenceView) => ({
		id: s.id,
		state: s.state,
		matchers: s.matchersText,
		createdBy: s.createdBy,
		comment: s.comment,
		startsAt: formatTime(s.startsAt, zone),
		endsAt: formatTime(s.endsAt, zone),
		updatedBy: s.updatedBy ?? null,
		replaces: s.replaces ?? null,
		replacedBy: s.replacedBy ?? null,
		mutes: s.state === 'expired' ? { alerts: [], total: 0 } : alertsMatching(alerts, s.matchers)
	});
	const active = all.filter((s) => s.state === 'active');
	const pending = all.filter((s) => s.state === 'pending').sort((a, b) => a.startsAt - b.startsAt);
	const expired = all.filter((s) => s.state === 'expired').sort((a, b) => b.endsAt - a.endsAt);
	const editId = url.searchParams.get('edit');
	const editing = editId ? all.find((s) => s.id === editId && s.state !== 'expired') : undefined;
	const prefill = url.searchParams.get('matchers')?.slice(0, 2000) ?? '';
	return {
		me,
		zone,
		mayWrite: can(me.role, 'silences:write'),
		alertsTotal: alerts.length,
		active: active.map(row),
		pending: pending.map(row),
		expired: expired.slice(0, EXPIRED_SHOWN).map(row),
		expiredTotal: expired.length,
		saved: url.searchParams.get('saved'),
		editMissing: editId !== null && !editing ? editId.slice(0, 80) : null,
		editing: editing
			? { id: editing.id, state: editing.state, matchers: editing.matchersText, startsAt: localInput(editing.startsAt, zone), endsAt: localInput(editing.endsAt, zone), comment: editing.comment }
			: null,
		prefill
	};
};

/** The form's fields, as sent back to refill it after a refusal. */
function values(form: FormData) {
	return {
		matchers: formText(form, 'matchers', 65_536),
		startsAt: formText(form, 'startsAt', 40),
		startsAtWas: formText(form, 'startsAtWas', 40),
		endsAt: formText(form, 'endsAt', 40),
		duration: formText(form, 'duration', 40),
		comment: formText(form, 'comment', 4000)
	};
}

/** The form as the store's input: local times read in the page's zone; an unchanged start is left out (kept to the millisecond). */
function input(v: ReturnType<typeof values>, zone: string) {
	const start = v.startsAt.trim() && v.startsAt.trim() !== v.startsAtWas.trim() ? zonedField(v.startsAt, 'startsAt', zone) : undefined;
	const end = zonedField(v.endsAt, 'endsAt', zone);
	return parseSilenceInput({
		matchers: v.matchers,
		...(start !== undefined ? { startsAt: start / 1000 } : {}),
		...(end !== undefined ? { endsAt: end / 1000 } : {}),
		...(v.duration.trim() ? { duration: v.duration.trim() } : {}),
		comment: v.comment
	});
}

function idOf(form: FormData): string | null {
	const id = formText(form, 'id', 80);
	return RECORD_ID.test(id) ? id : null;
}

export const actions: Actions = {
	create: async (event) => {
		const by = await requirePageAction(event, 'silences:write');
		const v = values(await event.request.formData());
		try {
			const s = await silenceStore().create(input(v, reportSettings(getContext()).settings.timeZone), by);
			return { message: `Made silence ${s.id} (${s.state}) for ${s.matchersText}`, id: s.id };
		} catch (err) {
			return refusedForm(err, v);
		}
	},
	update: async (event) => {
		const by = await requirePageAction(event, 'silences:write');
		const form = await event.request.formData();
		const v = values(form);
		const id = idOf(form);
		if (!id) return fail(404, { error: 'id: no such silence', field: 'id', values: v });
		let saved: string;
		try {
			const r = await silenceStore().update(id, input(v, reportSettings(getContext()).settings.timeZone), by);
			saved = r.silence.id;
		} catch (err) {
			return refusedForm(err, v);
		}
		redirect(303, `/silences?saved=${encodeURIComponent(saved)}#s-${saved}`);
	},
	expire: async (event) => {
		const by = await requirePageAction(event, 'silences:write');
		const id = idOf(await event.request.formData());
		if (!id) return fail(404, { error: 'id: no such silence', field: 'id', values: null });
		try {
			const s = await silenceStore().expire(id, by);
			return { message: `Expired silence ${s.id}: its alerts notify again`, id: s.id };
		} catch (err) {
			return refusedForm(err, null);
		}
	}
};
