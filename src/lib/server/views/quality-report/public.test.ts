import { describe, expect, it } from 'vitest';
import type { QualityReport } from './load';
import { toPublic } from './public';

const report: QualityReport = {
	title: 'Quarterly service-quality report',
	quarter: '2026-Q3',
	zone: 'Europe/Berlin',
	from: 1,
	to: 2,
	ended: true,
	generatedAt: 3,
	policy: ['Figures count each ticket once.'],
	uptimePolicy: 'maintenance excluded',
	coverage: 'the whole quarter',
	targets: [{ id: 'satisfaction', name: 'Customer satisfaction', op: '>=', level: 0.9, figure: 0.93, basis: 400, basisUnit: 'ratings', met: true, next: { level: 0.95, from: '2027-07-01', met: false }, error: 'secret_series{host="db-1"} failed' }],
	uptimeObjective: 0.999,
	services: [
		{ service: 'search-internal', displayName: 'Search', availability: 0.9999, met: true, downSeconds: 5, noDataSeconds: 0, maintenanceSeconds: 0 },
		{ service: 'ledger-db', displayName: null, availability: 0.5, met: false, downSeconds: 9, noDataSeconds: 0, maintenanceSeconds: 0 },
		{ service: 'checkout-v2', displayName: 'Checkout', availability: 0.999, met: true, downSeconds: 1, noDataSeconds: 0, maintenanceSeconds: 0 }
	],
	incidents: { count: 4, unacknowledged: 1, unresolved: 0, mttaMs: 60_000, mttrMs: 3_600_000 },
	complaints: { months: ['2026-07', '2026-08', '2026-09'], previousQuarter: '2026-Q2', categories: [{ category: '', months: [1, 0, 0], count: 1, previous: 2, change: -1, changeRatio: -0.5 }], total: 1, previousTotal: 2 },
	teams: [{ team: 'night-desk', tickets: 3, meanFirstResponseMs: 1, answered: 3, answered5m: 1, resolution: 1, satisfaction: 1, below: [] }],
	merchants: { total: 1, below: 1, byMeasure: { completion: 1, satisfaction: 0, complaintRate: 0, answered24h: 0, closed48h: 0 }, merchants: [{ merchant: 'acme', below: ['completion'] }] },
	tickets: { created: 3, complaints: 1, partial: false }
};

describe('the public form', () => {
	const pub = toPublic(report, { 'checkout-v2': 'Checkout', 'search-internal': 'Search' });

	it('keeps the published services only, by display name, in the config order', () => {
		expect(pub.services).toEqual([
			{ name: 'Checkout', availability: 0.999, met: true },
			{ name: 'Search', availability: 0.9999, met: true }
		]);
	});

	it('copies the aggregate figures and the policy, and nothing internal', () => {
		expect(pub.targets).toEqual([{ id: 'satisfaction', name: 'Customer satisfaction', op: '>=', level: 0.9, figure: 0.93, met: true, next: { level: 0.95, from: '2027-07-01' } }]);
		expect(pub.incidents).toEqual({ count: 4, mttaMs: 60_000, mttrMs: 3_600_000 });
		expect(pub.complaints).toEqual({ total: 1, previousTotal: 2, categories: [{ category: 'Uncategorised', count: 1, previous: 2 }] });
		expect(pub.policy).toEqual(['Figures count each ticket once.', 'Uptime: maintenance excluded.']);
		const text = JSON.stringify(pub);
		for (const word of ['search-internal', 'ledger-db', 'checkout-v2', 'night-desk', 'acme', 'secret_series', 'db-1', 'basis', 'coverage', 'generatedAt']) expect(text, word).not.toContain(word);
	});
});
