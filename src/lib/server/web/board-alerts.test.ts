import { describe, expect, it } from 'vitest';
import { alertsMessage, fitLists, MAX_ALERT_ROWS, snapshotMessage, type AlertRow } from '../../shared/live';
import { orderAlerts, summariseAlerts, TOP_ALERT_ROWS } from './board-alerts';

function row(i: number, over: Partial<AlertRow> = {}): AlertRow {
	return { ruleId: `g/${over.name ?? 'wall_screen_down'}`, fingerprint: `f${i}`, name: 'wall_screen_down', severity: 'warning', state: 'firing', service: '', summary: '', since: i, acknowledged: false, ...over };
}

describe('big alert lists are summarised, never dropped', () => {
	// The worst day: 2,204 firing, most of them one rule, a few critical probes of named services.
	const many = orderAlerts([
		...Array.from({ length: 1900 }, (_, i) => row(i)),
		...Array.from({ length: 300 }, (_, i) => row(10_000 + i, { name: 'ProbeDown', ruleId: 'g/ProbeDown', severity: 'critical', service: `svc-${i}` })),
		row(20_000, { name: 'CheckoutLatencyHigh', ruleId: 'g/CheckoutLatencyHigh', service: 'checkout', silenced: { id: 's', until: 1, by: 'u', comment: '' } }),
		row(20_001, { name: 'Slow', ruleId: 'g/Slow', state: 'pending', service: 'search' }),
		row(20_002, { name: 'Lost', ruleId: 'g/Lost', severity: 'info', service: 'search' })
	]);

	it('counts every alert: the true total, loud ones by severity, muted ones, commonest rules', () => {
		const { summary } = summariseAlerts(many);
		expect(summary.total).toBe(2203);
		expect(summary.firing).toBe(2201);
		expect(summary.mutedFiring).toBe(1);
		expect(summary.bySeverity).toEqual({ critical: 300, warning: 1900, info: 1 });
		expect(summary.byRule.slice(0, 2)).toEqual([
			{ name: 'wall_screen_down', count: 1900 },
			{ name: 'ProbeDown', count: 300 }
		]);
	});

	it('sends the worst rows and the worst alert of each service, within the wire limit', () => {
		const { rows } = summariseAlerts(many);
		expect(rows.length).toBeLessThanOrEqual(MAX_ALERT_ROWS);
		expect(rows.slice(0, TOP_ALERT_ROWS)).toEqual(many.slice(0, TOP_ALERT_ROWS));
		// Every service that has an alert keeps its worst one, so status tiles colour it.
		const services = new Set(many.map((a) => a.service));
		expect(new Set(rows.map((a) => a.service))).toEqual(services);
		for (const s of services) expect(rows.find((a) => a.service === s)).toEqual(many.find((a) => a.service === s));
		// And the message is valid as a whole.
		expect(alertsMessage.safeParse({ seq: 1, serverTime: 0, alerts: rows, alertSummary: summariseAlerts(many).summary }).success).toBe(true);
	});

	it('keeps a short list whole', () => {
		const few = many.slice(0, 10);
		expect(summariseAlerts(few).rows).toEqual(few);
	});

	it('cuts any oversized list so that one field cannot make a whole snapshot unreadable', () => {
		const raw = { seq: 1, serverTime: 0, redis: 'up', roles: { web: 1, collect: 1, alerts: 1 }, series: [], alerts: many, maintenance: [], rules: [] };
		expect(snapshotMessage.safeParse(structuredClone(raw)).success).toBe(false);
		const fitted = snapshotMessage.safeParse(fitLists(structuredClone(raw)));
		expect(fitted.success).toBe(true);
		expect(fitted.data!.alerts).toHaveLength(MAX_ALERT_ROWS);
	});
});
