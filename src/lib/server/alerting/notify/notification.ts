/**
 * A notification: what the dispatcher decided to tell a channel about one aggregation group, as
 * kept in the outbox until delivered, and the bodies it becomes for each kind of channel.
 *
 * - webhook: Alertmanager's webhook body (version 4) plus `idempotencyKey` and `incidents`; the key
 *   is also sent as the `Idempotency-Key` header, the same on every retry; each alert's
 *   `generatorURL` is its rule's page on `notifications.externalUrl`;
 * - slack: `text` (the fallback line) and `blocks`, with every value from the data escaped as
 *   Slack's mrkdwn requires (`&`, `<`, `>`), so a label cannot inject a link or a mention.
 */
import { rulePathOfId } from '../../../shared/rule-rows';
import type { Labels } from '../../../shared/series';
import type { JsonNumber } from '../../rules';
import type { Channel } from './channels';

export interface NotificationAlert {
	status: 'firing' | 'resolved';
	ruleId: string;
	fingerprint: string;
	labels: Labels;
	annotations: Labels;
	/** Epoch ms the alert started firing. */
	startsAt: number;
	/** Epoch ms it resolved (resolved alerts only). */
	endsAt?: number;
	value?: JsonNumber;
	/** The incident the alert belongs to, when there is one. */
	incidentId?: string;
}

export interface Notification {
	id: string;
	/** Sent with every attempt; receivers deduplicate on it. */
	idempotencyKey: string;
	groupKey: string;
	routeId: string;
	/** The channel's name. */
	receiver: string;
	status: 'firing' | 'resolved';
	groupLabels: Labels;
	alerts: NotificationAlert[];
	incidentIds: string[];
	/** Epoch ms the dispatcher decided to send it. */
	createdAt: number;
	/** Epoch ms after which no attempt is made (the time budget). */
	deadline: number;
	/** Attempts made so far. */
	attempts: number;
}

export interface RenderContext {
	/** Vigil's address for links (`server.origin`). */
	externalUrl: string;
}

function common(alerts: readonly NotificationAlert[], pick: (a: NotificationAlert) => Labels): Labels {
	if (alerts.length === 0) return {};
	const first = pick(alerts[0]!);
	const out: Labels = {};
	for (const k of Object.keys(first)) if (alerts.every((a) => pick(a)[k] === first[k])) out[k] = first[k]!;
	return out;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function listed(n: Notification, channel: Channel): { alerts: NotificationAlert[]; truncated: number } {
	const alerts = channel.sendResolved ? n.alerts : n.alerts.filter((a) => a.status === 'firing');
	if (channel.maxAlerts > 0 && alerts.length > channel.maxAlerts) return { alerts: alerts.slice(0, channel.maxAlerts), truncated: alerts.length - channel.maxAlerts };
	return { alerts, truncated: 0 };
}

/** The rule's page, `/rules/<group>/<alert>` with each segment encoded, as the rule pages expect. */
function ruleUrl(ctx: RenderContext, ruleId: string): string {
	return `${ctx.externalUrl.replace(/\/$/, '')}${rulePathOfId(ruleId)}`;
}

function incidentUrl(ctx: RenderContext, id: string): string {
	return `${ctx.externalUrl.replace(/\/$/, '')}/incidents/${encodeURIComponent(id)}`;
}

/** The generic webhook's JSON body. */
export function webhookBody(n: Notification, channel: Channel, ctx: RenderContext): Record<string, unknown> {
	const { alerts, truncated } = listed(n, channel);
	return {
		version: '4',
		groupKey: n.groupKey,
		truncatedAlerts: truncated,
		status: n.status,
		receiver: n.receiver,
		groupLabels: n.groupLabels,
		commonLabels: common(alerts, (a) => a.labels),
		commonAnnotations: common(alerts, (a) => a.annotations),
		externalURL: ctx.externalUrl,
		alerts: alerts.map((a) => ({
			status: a.status,
			labels: a.labels,
			annotations: a.annotations,
			startsAt: new Date(a.startsAt).toISOString(),
			endsAt: a.endsAt !== undefined ? new Date(a.endsAt).toISOString() : ZERO_TIME,
			generatorURL: ruleUrl(ctx, a.ruleId),
			fingerprint: a.fingerprint,
			...(a.incidentId ? { incidentId: a.incidentId } : {})
		})),
		idempotencyKey: n.idempotencyKey,
		incidents: n.incidentIds.map((id) => ({ id, url: incidentUrl(ctx, id) }))
	};
}

/** Escapes text for Slack's mrkdwn: data is text, never markup. */
export function slackEscape(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
	return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** One line naming the group: `[FIRING:2] PaymentsDown (payments)`. */
export function notificationTitle(n: Notification): string {
	const firing = n.alerts.filter((a) => a.status === 'firing').length;
	const head = n.status === 'firing' ? `[FIRING:${firing}]` : '[RESOLVED]';
	const labels = Object.keys(n.groupLabels).length ? n.groupLabels : common(n.alerts, (a) => a.labels);
	const name = labels.alertname ?? n.alerts[0]?.labels.alertname ?? 'alerts';
	const rest = Object.entries(labels)
		.filter(([k]) => k !== 'alertname')
		.map(([, v]) => v);
	return `${head} ${name}${rest.length ? ` (${rest.join(' ')})` : ''}`;
}

/** The Slack-compatible body: a fallback `text` and blocks, within Slack's limits. */
export function slackBody(n: Notification, channel: Channel, ctx: RenderContext): Record<string, unknown> {
	const { alerts, truncated } = listed(n, channel);
	const title = notificationTitle(n);
	const blocks: unknown[] = [{ type: 'header', text: { type: 'plain_text', text: clip(title, 150) } }];
	for (const a of alerts.slice(0, 20)) {
		const summary = a.annotations.summary ?? a.annotations.description ?? a.labels.alertname ?? '';
		const labels = Object.entries(a.labels)
			.map(([k, v]) => `${k}=${v}`)
			.join(', ');
		const lines = [
			`*${a.status === 'firing' ? 'Firing' : 'Resolved'}:* ${slackEscape(summary)}`,
			`_${slackEscape(labels)}_`,
			a.annotations.runbook_url ? `Runbook: ${slackEscape(a.annotations.runbook_url)}` : '',
			a.incidentId ? `Incident: <${incidentUrl(ctx, a.incidentId)}|${slackEscape(a.incidentId)}>` : ''
		].filter(Boolean);
		blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(lines.join('\n'), 3000) } });
	}
	const more = alerts.length - Math.min(alerts.length, 20) + truncated;
	if (more > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `and ${more} more` }] });
	return { text: slackEscape(title), blocks };
}

/** A short description for logs and the notification log (no secrets, no full bodies). */
export function notificationSummary(n: Notification): { title: string; status: string; alerts: number; rules: string[] } {
	return { title: notificationTitle(n), status: n.status, alerts: n.alerts.length, rules: [...new Set(n.alerts.map((a) => a.ruleId))] };
}
