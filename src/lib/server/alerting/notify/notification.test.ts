import { describe, expect, it } from 'vitest';
import type { Channel } from './channels';
import { notificationTitle, slackBody, slackEscape, webhookBody, type Notification } from './notification';

const n: Notification = {
	id: 'n1',
	idempotencyKey: 'key-1',
	groupKey: '0:{alertname="PaymentsDown"}',
	routeId: '0',
	receiver: 'hook',
	status: 'firing',
	groupLabels: { alertname: 'PaymentsDown' },
	alerts: [
		{ status: 'firing', ruleId: 'shop/PaymentsDown', fingerprint: 'f1', labels: { alertname: 'PaymentsDown', service: 'payments', severity: 'critical' }, annotations: { summary: 'Payments <b>fail</b> & stop' }, startsAt: Date.UTC(2026, 10, 23, 10), incidentId: '7' },
		{ status: 'resolved', ruleId: 'shop/PaymentsDown', fingerprint: 'f2', labels: { alertname: 'PaymentsDown', service: 'payments-eu', severity: 'critical' }, annotations: { summary: 'x' }, startsAt: Date.UTC(2026, 10, 23, 9), endsAt: Date.UTC(2026, 10, 23, 10, 5) }
	],
	incidentIds: ['7'],
	createdAt: 0,
	deadline: 1,
	attempts: 0
};
const hook: Channel = { name: 'hook', type: 'webhook', url: 'http://x', sendResolved: true, maxAlerts: 0 };

describe('webhook body', () => {
	it("has Alertmanager's shape plus the idempotency key and incident links", () => {
		const b = webhookBody(n, hook, { externalUrl: 'https://vigil.example.com/' });
		expect(b).toMatchObject({ version: '4', status: 'firing', receiver: 'hook', groupLabels: { alertname: 'PaymentsDown' }, idempotencyKey: 'key-1', truncatedAlerts: 0 });
		expect(b.commonLabels).toEqual({ alertname: 'PaymentsDown', severity: 'critical' });
		const alerts = b.alerts as Array<Record<string, unknown>>;
		expect(alerts[0]).toMatchObject({ status: 'firing', startsAt: '2026-11-23T10:00:00.000Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'https://vigil.example.com/rules/shop/PaymentsDown', incidentId: '7' });
		expect(alerts[1]).toMatchObject({ status: 'resolved', endsAt: '2026-11-23T10:05:00.000Z' });
		expect(b.incidents).toEqual([{ id: '7', url: 'https://vigil.example.com/incidents/7' }]);
	});

	it("links each alert to its rule's page, each path segment encoded as the rule pages expect", () => {
		const odd = { ...n, alerts: [{ ...n.alerts[0]!, ruleId: 'shop #1 & co/Slow#2' }] };
		const alerts = webhookBody(odd, hook, { externalUrl: 'https://vigil.example.com/ops/' }).alerts as Array<{ generatorURL: string }>;
		expect(alerts[0]!.generatorURL).toBe('https://vigil.example.com/ops/rules/shop%20%231%20%26%20co/Slow%232');
	});

	it('leaves resolved alerts out when the channel does not want them, and truncates to maxAlerts', () => {
		expect((webhookBody(n, { ...hook, sendResolved: false }, { externalUrl: 'x' }).alerts as unknown[]).length).toBe(1);
		const b = webhookBody(n, { ...hook, maxAlerts: 1 }, { externalUrl: 'x' });
		expect((b.alerts as unknown[]).length).toBe(1);
		expect(b.truncatedAlerts).toBe(1);
	});
});

describe('slack body', () => {
	it('escapes data so a label cannot become markup, a link or a mention', () => {
		expect(slackEscape('<!channel> & <http://evil|click>')).toBe('&lt;!channel&gt; &amp; &lt;http://evil|click&gt;');
		const b = slackBody(n, { ...hook, type: 'slack' }, { externalUrl: 'https://v' });
		const text = JSON.stringify(b.blocks);
		expect(text).toContain('Payments &lt;b&gt;fail&lt;/b&gt; &amp; stop');
		expect(text).not.toContain('<b>');
		expect(b.text).toBe('[FIRING:1] PaymentsDown');
		expect(text).toContain('<https://v/incidents/7|7>');
	});

	it('titles resolved groups', () => {
		expect(notificationTitle({ ...n, status: 'resolved', alerts: [n.alerts[1]!] })).toBe('[RESOLVED] PaymentsDown');
	});
});
