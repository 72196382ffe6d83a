import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { AlertEvent } from '../../rules/types';
import { applyAlertEvents, type ApplyInput } from './apply';
import { incidentGroupKey, incidentTitle, maxSeverity, parseIncidentId, severityOf, type IncidentRecord } from './model';

const OPTIONS = { groupBy: ['service'], perRule: true, reopenWindow: 30 * 60_000 };

function ev(over: Partial<AlertEvent> & { fp?: string; service?: string; severity?: string }): AlertEvent {
	const { fp = 'a1', service = 'checkout', severity = 'warning', ...rest } = over;
	return {
		ruleId: 'shop/Slow',
		fingerprint: fp,
		labels: { alertname: 'Slow', service, severity, instance: fp },
		from: 'pending',
		to: 'firing',
		at: 1000,
		value: 1,
		...rest
	};
}

function input(over: Partial<ApplyInput> = {}): ApplyInput {
	return { options: OPTIONS, latest: new Map(), records: new Map(), seq: 0, annotations: () => undefined, ...over };
}

describe('group keys, titles, severities, ids', () => {
	it('groups by the rule and the groupBy labels, sorted, quoted; a missing label equals an empty one', () => {
		expect(incidentGroupKey({ service: 'checkout', team: 'a"b' }, 'shop/Slow', { groupBy: ['team', 'service'], perRule: true })).toBe('shop/Slow{service="checkout",team="a\\"b"}');
		expect(incidentGroupKey({ service: 'checkout' }, 'shop/Slow', { groupBy: ['service'], perRule: false })).toBe('{service="checkout"}');
		expect(incidentGroupKey({ service: '' }, 'r', { groupBy: ['service'], perRule: true })).toBe(incidentGroupKey({}, 'r', { groupBy: ['service'], perRule: true }));
	});

	it('titles come from the summary annotation, else "<alertname> on <service>"', () => {
		expect(incidentTitle({ alertname: 'Slow', service: 'checkout' }, { summary: ' p95 is 2s ' }, 'shop/Slow')).toBe('p95 is 2s');
		expect(incidentTitle({ alertname: 'Slow', service: 'checkout' }, {}, 'shop/Slow')).toBe('Slow on checkout');
		expect(incidentTitle({ alertname: 'Slow' }, undefined, 'shop/Slow')).toBe('Slow');
	});

	it('severity: critical > warning > info; none or unknown counts as warning', () => {
		expect(maxSeverity('info', 'critical')).toBe('critical');
		expect(maxSeverity('warning', 'info')).toBe('warning');
		expect(severityOf({})).toBe('warning');
		expect(severityOf({ severity: 'page' })).toBe('warning');
		expect(severityOf({ severity: 'info' })).toBe('info');
	});

	it('ids are read as "INC-42", "inc-42" or "42"', () => {
		expect(parseIncidentId('INC-42')).toBe('42');
		expect(parseIncidentId('inc-7')).toBe('7');
		expect(parseIncidentId('42')).toBe('42');
		expect(parseIncidentId('INC-0')).toBeNull();
		expect(parseIncidentId('42; drop')).toBeNull();
	});
});

describe('applyAlertEvents', () => {
	it('a firing alert opens an incident; another of its group joins it; the severity is the highest', () => {
		const r = applyAlertEvents([ev({}), ev({ fp: 'a2', at: 2000, severity: 'critical' }), ev({ fp: 'a3', at: 3000, severity: 'info' })], input({ seq: 41 }));
		expect(r.seq).toBe(42);
		const c = r.changed.get('42')!;
		expect(c.created).toBe(true);
		expect(c.record).toMatchObject({ id: '42', ref: 'INC-42', title: 'Slow on checkout', severity: 'critical', service: 'checkout', status: 'open', openedAt: 1000 });
		expect(c.record.alerts.map((a) => a.fingerprint)).toEqual(['a1', 'a2', 'a3']);
		expect(c.entries.map((e) => e.type)).toEqual(['opened', 'alert.joined', 'alert.joined']);
		expect(r.latest.get('shop/Slow{service="checkout"}')).toBe('42');
	});

	it('other groups (service, rule) get incidents of their own; pending and other changes do nothing', () => {
		const r = applyAlertEvents(
			[ev({}), ev({ fp: 'b', service: 'search' }), ev({ fp: 'c', ruleId: 'shop/Errors' }), ev({ fp: 'd', from: 'inactive', to: 'pending' })],
			input()
		);
		expect([...r.changed.keys()]).toEqual(['1', '2', '3']);
		expect(r.changed.get('2')!.record.service).toBe('search');
	});

	it('the title comes from the alert instance\'s summary', () => {
		const r = applyAlertEvents([ev({})], input({ annotations: (rule, fp) => (rule === 'shop/Slow' && fp === 'a1' ? { summary: 'checkout p95 is 2.1s' } : undefined) }));
		expect(r.changed.get('1')!.record.title).toBe('checkout p95 is 2.1s');
	});

	it('alerts that stop firing are marked resolved; when all have, the incident is quiet since the last', () => {
		const r = applyAlertEvents(
			[ev({}), ev({ fp: 'a2', at: 1500 }), ev({ from: 'firing', to: 'inactive', at: 5000 }), ev({ fp: 'a2', from: 'firing', to: 'inactive', at: 7000 })],
			input()
		);
		const rec = r.changed.get('1')!.record;
		expect(rec.alerts.map((a) => a.resolvedAt)).toEqual([5000, 7000]);
		expect(rec.quietSince).toBe(7000);
		expect(rec.status).toBe('open');
		expect(r.changed.get('1')!.entries.map((e) => e.type)).toEqual(['opened', 'alert.joined', 'alert.resolved', 'alert.resolved']);
	});

	it('a member that fires again is no longer quiet; an alert resolving outside any incident is ignored', () => {
		const r = applyAlertEvents([ev({}), ev({ from: 'firing', to: 'inactive', at: 2000 }), ev({ at: 3000 }), ev({ fp: 'zz', from: 'firing', to: 'inactive', at: 4000 })], input());
		const c = r.changed.get('1')!;
		expect(c.record.quietSince).toBeUndefined();
		expect(c.record.alerts).toHaveLength(1);
		expect(c.record.alerts[0]!.firedAt).toBe(3000);
		expect(c.entries.map((e) => e.type)).toEqual(['opened', 'alert.resolved', 'alert.fired']);
	});

	const resolved = (resolvedAt: number, over: Partial<IncidentRecord> = {}): IncidentRecord => ({
		id: '7',
		ref: 'INC-7',
		title: 't',
		severity: 'info',
		service: 'checkout',
		status: 'resolved',
		openedAt: 0,
		resolvedAt,
		resolvedBy: 'auto',
		acknowledgedAt: 100,
		acknowledgedBy: 'user:ana',
		group: 'shop/Slow{service="checkout"}',
		reopened: 0,
		alerts: [{ ruleId: 'shop/Slow', fingerprint: 'a1', labels: {}, firedAt: 0, resolvedAt: 500 }],
		hold: false,
		notes: '',
		version: 3,
		...over
	});

	it('within the reopen window a firing alert reopens its group\'s resolved incident (first ack kept)', () => {
		const latest = new Map([['shop/Slow{service="checkout"}', '7']]);
		const r = applyAlertEvents([ev({ at: 1000 + 30 * 60_000 })], input({ latest, records: new Map([['7', resolved(1000)]]), seq: 7 }));
		const c = r.changed.get('7')!;
		expect(c.created).toBe(false);
		expect(c.record).toMatchObject({ status: 'open', reopened: 1, acknowledgedAt: 100, severity: 'warning' });
		expect(c.record.resolvedAt).toBeUndefined();
		expect(c.entries.map((e) => [e.type, 'by' in e ? e.by : undefined])).toEqual([
			['reopened', 'auto'],
			['alert.fired', undefined]
		]);
		expect(r.seq).toBe(7);
	});

	it('after the reopen window it opens a new incident, and the group points to it', () => {
		const latest = new Map([['shop/Slow{service="checkout"}', '7']]);
		const r = applyAlertEvents([ev({ at: 1001 + 30 * 60_000 })], input({ latest, records: new Map([['7', resolved(1000)]]), seq: 7 }));
		expect([...r.changed.keys()]).toEqual(['8']);
		expect(r.latest.get('shop/Slow{service="checkout"}')).toBe('8');
	});

	it('does not change the records it was given', () => {
		const rec = resolved(1000);
		applyAlertEvents([ev({ at: 2000 })], input({ latest: new Map([['shop/Slow{service="checkout"}', '7']]), records: new Map([['7', rec]]) }));
		expect(rec.status).toBe('resolved');
	});
});

describe("the demo's grouping (vigil.config.yaml): one outage of a service is one incident", () => {
	const root = join(import.meta.dirname, '../../../../..');
	const config = parse(readFileSync(join(root, 'vigil.config.yaml'), 'utf8')) as { incidents: { groupBy: string[]; perRule: boolean } };
	const rules = (parse(readFileSync(join(root, 'rules/demo-shop.rules.yml'), 'utf8')) as { groups: Array<{ name: string; rules: Array<{ alert: string; severity?: string; labels?: Record<string, string> }> }> }).groups;
	/** A firing event of a demo rule, with the labels the rule and the series give it. */
	const firing = (alert: string, series: Record<string, string>, at: number): AlertEvent => {
		const group = rules.find((g) => g.rules.some((r) => r.alert === alert))!;
		const rule = group.rules.find((r) => r.alert === alert)!;
		return { ruleId: `${group.name}/${alert}`, fingerprint: alert, labels: { ...series, ...rule.labels, alertname: alert, severity: rule.severity ?? 'warning' }, from: 'pending', to: 'firing', at, value: 1 };
	};
	const options = { ...config.incidents, reopenWindow: 30 * 60_000 };

	it('payment-outage: the payments probe and the payment failure ratio open one incident of payments', () => {
		const r = applyAlertEvents(
			[firing('ProbeDown', { kind: 'http', service: 'payments', target: 'payments' }, 75_000), firing('PaymentFailureRatioHigh', { instance: '127.0.0.1:3100', target: 'shop-metrics' }, 135_000)],
			{ options, latest: new Map(), records: new Map(), seq: 0, annotations: () => undefined }
		);
		expect([...r.changed.keys()]).toEqual(['1']);
		const c = r.changed.get('1')!;
		expect(c.record.service).toBe('payments');
		expect(c.record.alerts.map((a) => a.ruleId)).toEqual(['demo-shop.availability/ProbeDown', 'demo-shop.checkout/PaymentFailureRatioHigh']);
		expect(c.entries.map((e) => e.type)).toEqual(['opened', 'alert.joined']);
	});

	it('alerts without a service label keep an incident per rule: unrelated shop-wide alerts do not pile into one', () => {
		const r = applyAlertEvents(
			[firing('ShopNoOrders', { instance: 'i', target: 'shop-metrics' }, 1000), firing('SatisfactionBelowTarget', { instance: 'i', target: 'shop-metrics' }, 2000), firing('ProbeDown', { kind: 'http', service: 'checkout', target: 'checkout' }, 3000)],
			{ options, latest: new Map(), records: new Map(), seq: 0, annotations: () => undefined }
		);
		expect([...r.changed.values()].map((c) => [c.record.service, c.record.alerts.length])).toEqual([
			['', 1],
			['', 1],
			['checkout', 1]
		]);
		expect(incidentGroupKey({ instance: 'i' }, 'demo-shop.checkout/ShopNoOrders', { groupBy: ['service'], perRule: false })).toBe('demo-shop.checkout/ShopNoOrders{}');
	});
});
