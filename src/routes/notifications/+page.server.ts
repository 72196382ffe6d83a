/**
 * /notifications, as Grafana's contact points and notification policies: the channels (provisioned
 * ones from the config are read-only) with what the log says of each lately (sent, failed,
 * muted); the route tree (from the config) with what each route matched lately; and the
 * notification log, per channel and outcome. Admins (`channels:write`) add and change webhook and
 * Slack channels (the URL and header values are sealed and never shown back: a change that leaves
 * them empty keeps the stored ones), delete them, and send a test. Reading needs `rules:read`.
 */
import { fail } from '@sveltejs/kit';
import { deleteChannel, saveChannel, sendTestNotification } from '$lib/server/web/http';
import { CHANNEL_NAME, channelInput, channelReplacement, isChannelError } from '$lib/server/alerting/notify';
import { readLogSummary } from '$lib/server/views';
import { NotificationOutbox, type LogOutcome } from '$lib/server/alerting/notify';
import { flattenRoutes, type Route } from '$lib/server/alerting/notify';
import { can } from '$lib/server/auth';
import { getContext } from '$lib/server/web/context';
import { reportSettings } from '$lib/server/views/reports';
import { formText } from '$lib/server/web/muting-page';
import { requirePage, requirePageAction } from '$lib/server/web/pages';
import { formatDuration, formatTime } from '$lib/shared/report-format';
import type { Actions, PageServerLoad } from './$types';

const LOG_PAGE = 50;
const OUTCOMES: readonly LogOutcome[] = ['sent', 'failed', 'retry', 'muted'];

function routeRows(root: Route) {
	const depth = (id: string) => id.split('.').length - 1;
	return flattenRoutes(root).map((r) => ({
		id: r.id,
		depth: depth(r.id),
		receiver: r.receiver,
		matchers: r.matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`).join(', '),
		groupBy: r.groupBy === null ? '... (every label)' : r.groupBy.join(', '),
		timing: `wait ${formatDuration(r.groupWaitMs)}, interval ${formatDuration(r.groupIntervalMs)}, repeat ${formatDuration(r.repeatIntervalMs)}`,
		continue: r.continue
	}));
}

export const load: PageServerLoad = async ({ locals, url }) => {
	const me = requirePage(locals, url, 'rules:read');
	const ctx = getContext();
	const zone = reportSettings(getContext()).settings.timeZone;
	const when = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : formatTime(ms, zone));
	const channelParam = url.searchParams.get('channel') ?? '';
	const outcomeParam = url.searchParams.get('outcome') ?? '';
	const beforeParam = url.searchParams.get('before') ?? '';
	const filter = {
		channel: CHANNEL_NAME.test(channelParam) ? channelParam : '',
		outcome: ((OUTCOMES as readonly string[]).includes(outcomeParam) ? outcomeParam : '') as LogOutcome | '',
		before: /^\d{1,16}-\d{1,16}$/.test(beforeParam) ? beforeParam : ''
	};
	const [channels, summary, log] = await Promise.all([
		ctx.channels.list(),
		readLogSummary(ctx.redis, ctx.keys.alerts),
		new NotificationOutbox(ctx.redis, ctx.keys).log({ limit: LOG_PAGE, ...(filter.channel ? { channel: filter.channel } : {}), ...(filter.outcome ? { outcome: filter.outcome } : {}), ...(filter.before ? { before: filter.before } : {}) })
	]);
	const editName = url.searchParams.get('edit');
	const editing = editName ? channels.find((c) => c.name === editName && !c.provisioned && c.type !== 'log') : undefined;
	return {
		me,
		zone,
		mayWrite: can(me.role, 'channels:write'),
		channels: channels.map((c) => {
			const t = summary.channels.get(c.name);
			return {
				name: c.name,
				type: c.type,
				url: c.url ?? null,
				headers: c.headers ?? [],
				sendResolved: c.sendResolved,
				maxAlerts: c.maxAlerts,
				provisioned: c.provisioned,
				createdBy: c.createdBy ?? null,
				updated: when(c.updatedAt),
				tally: { sent: t?.sent ?? 0, failed: t?.failed ?? 0, retry: t?.retry ?? 0, muted: t?.muted ?? 0, lastSent: when(t?.lastSentAt), lastFailed: when(t?.lastFailedAt), lastProblem: t?.lastProblem ?? null }
			};
		}),
		routes: routeRows(ctx.notificationRoute).map((r) => {
			const t = summary.routes.get(r.id);
			return { ...r, matched: { notifications: t?.notifications ?? 0, muted: t?.muted ?? 0, last: when(t?.lastAt), groups: t?.groups ?? [] } };
		}),
		lately: { scanned: summary.scanned, since: when(summary.since) },
		filter,
		outcomes: [...OUTCOMES],
		log: {
			entries: log.entries.map((e) => ({
				id: e.id,
				at: formatTime(e.at, zone),
				channel: e.channel,
				outcome: e.outcome,
				attempt: e.attempt,
				answer: e.outcome === 'muted' ? [...(e.silences ?? []).map((s) => `silence ${s}`), ...(e.windows ?? []).map((w) => `window ${w}`)].join(', ') : e.error ?? (e.status !== undefined ? `HTTP ${e.status}` : ''),
				durationMs: e.durationMs ?? null,
				title: e.title,
				status: e.alertStatus,
				alerts: e.alerts,
				rules: e.rules,
				incidents: e.incidentIds,
				route: e.groupKey === 'test' ? 'test' : e.groupKey
			})),
			older: log.entries.length === LOG_PAGE && log.next ? log.next : null
		},
		editing: editing ? { name: editing.name, type: editing.type, url: editing.url ?? '', headers: editing.headers ?? [], sendResolved: editing.sendResolved, maxAlerts: editing.maxAlerts } : null
	};
};

/** "Name: value" lines -> headers; a bad line is a refusal naming it. Blank text: undefined. */
function parseHeaders(text: string): Record<string, string> | undefined | string {
	if (!text.trim()) return undefined;
	const out: Record<string, string> = {};
	const lines = text.split(/\r?\n/);
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i]!;
		if (!line.trim()) continue;
		const at = line.indexOf(':');
		if (at <= 0) return `headers: line ${i + 1}: expected "Name: value"`;
		out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
	}
	return out;
}

/** What a refused form gets back: never the URL or header values (secrets are not shown back). */
function refill(form: FormData) {
	return { name: formText(form, 'name', 100), type: formText(form, 'type', 20), sendResolved: form.get('sendResolved') === 'on', maxAlerts: formText(form, 'maxAlerts', 10) };
}

function refused(section: string, error: string, form: FormData | null, status = 400) {
	return fail(status, { section, error, values: form ? refill(form) : null });
}

/** The form as a channel body (url and headers left out when blank). */
function channelBody(form: FormData): { body?: Record<string, unknown>; error?: string } {
	const headers = parseHeaders(formText(form, 'headers', 65_536));
	if (typeof headers === 'string') return { error: headers };
	const maxText = formText(form, 'maxAlerts', 10).trim();
	const maxAlerts = maxText === '' ? 0 : Number(maxText);
	if (!/^\d+$/.test(maxText || '0')) return { error: 'maxAlerts: expected a whole number from 0 (all) to 10000' };
	const url = formText(form, 'url', 4096).trim();
	return { body: { name: formText(form, 'name', 100).trim(), type: formText(form, 'type', 20), ...(url ? { url } : {}), ...(headers ? { headers } : {}), sendResolved: form.get('sendResolved') === 'on', maxAlerts } };
}

function issue(e: { issues: Array<{ path: PropertyKey[]; message: string }> }): string {
	const i = e.issues[0]!;
	return `${i.path.map(String).join('.') || 'channel'}: ${i.message}`;
}

export const actions: Actions = {
	create: async (event) => {
		const by = await requirePageAction(event, 'channels:write');
		const form = await event.request.formData();
		const { body, error } = channelBody(form);
		if (!body) return refused('create', error!, form);
		if (body.type !== 'webhook' && body.type !== 'slack') return refused('create', 'type: expected webhook or slack', form);
		const parsed = channelInput.safeParse(body);
		if (!parsed.success) return refused('create', issue(parsed.error), form);
		try {
			const c = await saveChannel(getContext(), parsed.data, by.actor, 'create', by.ip);
			return { section: 'create', message: `Added channel ${c.name} (${c.type}, ${c.url ?? ''}); its URL${c.headers?.length ? ' and headers are' : ' is'} stored sealed and not shown again` };
		} catch (err) {
			if (isChannelError(err)) return refused('create', err.message, form, err.status);
			throw err;
		}
	},
	update: async (event) => {
		const by = await requirePageAction(event, 'channels:write');
		const form = await event.request.formData();
		const { body, error } = channelBody(form);
		if (!body) return refused('edit', error!, form);
		if (body.type !== 'webhook' && body.type !== 'slack') return refused('edit', 'type: expected webhook or slack', form);
		const parsed = channelReplacement.safeParse(body);
		if (!parsed.success) return refused('edit', issue(parsed.error), form);
		try {
			const c = await saveChannel(getContext(), parsed.data, by.actor, 'replace', by.ip);
			return { section: 'channels', message: `Saved channel ${c.name}${body.url || body.headers ? '' : ' (URL and headers kept)'}` };
		} catch (err) {
			if (isChannelError(err)) return refused('edit', err.message, form, err.status);
			throw err;
		}
	},
	delete: async (event) => {
		const by = await requirePageAction(event, 'channels:write');
		const name = formText(await event.request.formData(), 'name', 100);
		try {
			await deleteChannel(getContext(), name, by.actor, by.ip);
			return { section: 'channels', message: `Deleted channel ${name}; routes that name it send nothing until it is added again` };
		} catch (err) {
			if (isChannelError(err)) return refused('channels', err.message, null, err.status);
			throw err;
		}
	},
	test: async (event) => {
		const by = await requirePageAction(event, 'channels:write');
		const name = formText(await event.request.formData(), 'name', 100);
		try {
			const r = await sendTestNotification(getContext(), name, by.actor, by.ip);
			const answer = r.status !== undefined ? `HTTP ${r.status}` : (r.error ?? '');
			// The test was made (and logged): an answer, not a refused action, so the page reloads its counts.
			if (!r.ok) return { section: 'channels', error: `Test to ${name} failed: ${r.error ?? answer} (${r.durationMs} ms)` };
			return { section: 'channels', message: `Test sent to ${name}: ${answer || 'delivered'} in ${r.durationMs} ms` };
		} catch (err) {
			if (isChannelError(err)) return refused('channels', err.message, null, err.status);
			throw err;
		}
	}
};
