import { describe, expect, it } from 'vitest';
import { durationStats, inTimeOrder, measure, measureByService, quantile, respondersOf, timesFromTimeline, timeToAcknowledge, timeToResolve, type IncidentTimes } from './measures';
import type { TimelineEntry } from './model';

const MIN = 60_000;

describe('quantiles', () => {
	it('interpolate between the closest ranks', () => {
		// rank = 0.9 × 9 = 8.1: 9 + 0.1 × (10 - 9)
		expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1, 10);
		expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
		expect(quantile([5], 0.9)).toBe(5);
		expect(quantile([], 0.5)).toBeNaN();
	});

	it('durationStats sorts first and gives mean, median, p90', () => {
		expect(durationStats([30, 10, 20])).toEqual({ count: 3, mean: 20, median: 20, p90: 28 });
		expect(durationStats([])).toBeNull();
	});
});

describe('measures', () => {
	// Opened at minute 0 of each; hand-computed below.
	const incidents: IncidentTimes[] = [
		{ service: 'checkout', status: 'resolved', openedAt: 0, acknowledgedAt: 2 * MIN, resolvedAt: 30 * MIN },
		{ service: 'checkout', status: 'resolved', openedAt: 0, acknowledgedAt: 4 * MIN, resolvedAt: 60 * MIN },
		{ service: 'checkout', status: 'acknowledged', openedAt: 0, acknowledgedAt: 12 * MIN },
		{ service: 'search', status: 'resolved', openedAt: 0, resolvedAt: 10 * MIN },
		{ service: 'search', status: 'open', openedAt: 0 }
	];

	it('TTA = first acknowledgement - opened; TTR = resolved - opened, only when resolved', () => {
		expect(timeToAcknowledge(incidents[0]!)).toBe(2 * MIN);
		expect(timeToResolve(incidents[2]!)).toBeNull();
		expect(timeToResolve({ service: '', status: 'open', openedAt: 0, resolvedAt: 5 })).toBeNull();
	});

	it('per service and overall: count, MTTA, MTTR with median and p90, unacknowledged, unresolved', () => {
		const m = measureByService(incidents);
		// TTA over 2, 4, 12 min: mean 6, median 4, p90 at rank 1.8: 4 + 0.8 × 8 = 10.4 min.
		expect(m.overall.tta).toEqual({ count: 3, mean: 6 * MIN, median: 4 * MIN, p90: 10.4 * MIN });
		// TTR over 10, 30, 60 min: mean 33.33, median 30, p90 at rank 1.8: 30 + 0.8 × 30 = 54 min.
		expect(m.overall.ttr!.count).toBe(3);
		expect(m.overall.ttr!.mean).toBeCloseTo((100 / 3) * MIN, 6);
		expect(m.overall.ttr!.median).toBe(30 * MIN);
		expect(m.overall.ttr!.p90).toBeCloseTo(54 * MIN, 6);
		expect(m.overall).toMatchObject({ count: 5, unacknowledged: 2, unresolved: 2 });
		expect(m.services.map((s) => s.service)).toEqual(['checkout', 'search']);
		const checkout = m.services[0]!;
		// TTA 2, 4, 12: mean 6, median 4; p90 rank 1.8 -> 10.4. TTR 30, 60: mean 45, median 45, p90 57.
		expect(checkout).toMatchObject({ count: 3, unacknowledged: 0, unresolved: 1 });
		expect(checkout.ttr).toEqual({ count: 2, mean: 45 * MIN, median: 45 * MIN, p90: 57 * MIN });
		const search = m.services[1]!;
		expect(search).toMatchObject({ count: 2, unacknowledged: 2, unresolved: 1, tta: null });
		expect(search.ttr).toEqual({ count: 1, mean: 10 * MIN, median: 10 * MIN, p90: 10 * MIN });
	});

	it('an empty period has counts of zero and no durations', () => {
		expect(measure([])).toEqual({ count: 0, unacknowledged: 0, unresolved: 0, tta: null, ttr: null });
	});
});

describe('times from a timeline', () => {
	const e = (type: string, at: number, extra: Record<string, unknown> = {}) => ({ id: `${at}-0`, type, at, actor: 'x', ...extra }) as unknown as TimelineEntry;

	it('a reopened incident: the first acknowledgement, and the final resolution', () => {
		const t = timesFromTimeline([e('opened', 1000), e('acknowledged', 3000), e('resolved', 9000), e('reopened', 10_000), e('acknowledged', 11_000), e('resolved', 20_000)], 'checkout');
		expect(t).toEqual({ service: 'checkout', status: 'resolved', openedAt: 1000, acknowledgedAt: 3000, resolvedAt: 20_000 });
		expect(timeToResolve(t!)).toBe(19_000);
		expect(timeToAcknowledge(t!)).toBe(2000);
	});

	it('reopened and not resolved again: no TTR', () => {
		const t = timesFromTimeline([e('opened', 1000), e('resolved', 9000), e('reopened', 10_000)]);
		expect(t!.status).toBe('open');
		expect(timeToResolve(t!)).toBeNull();
		expect(timesFromTimeline([])).toBeNull();
	});
});

describe('acknowledgements after the resolution, responders, time order', () => {
	const e = (type: string, at: number, extra: Record<string, unknown> = {}) => ({ id: `${at}-0`, type, at, actor: 'vigil', ...extra }) as unknown as TimelineEntry;
	// An incident whose alert stopped firing at minute 10; the quiet period confirmed the resolution at
	// minute 15 and wrote it then, dated minute 10. Eve acknowledged at minute 12, in between; Meg
	// (a manager) added a note at minute 40 while reviewing it.
	const written = [
		e('opened', 0),
		e('assigned', 3 * MIN, { actor: 'user:bob', owner: 'bob', previous: null }),
		e('alert.resolved', 10 * MIN),
		e('acknowledged', 12 * MIN, { actor: 'user:eve', from: 'open', to: 'acknowledged' }),
		e('resolved', 10 * MIN, { by: 'auto', from: 'acknowledged', to: 'resolved', confirmedAt: 15 * MIN }),
		e('note', 40 * MIN, { actor: 'user:meg', text: 'reviewed' })
	];

	it('an acknowledgement after the (automatic) resolution is no TTA: the incident counts as not acknowledged', () => {
		const t = timesFromTimeline(written)!;
		expect(t).toMatchObject({ status: 'resolved', resolvedAt: 10 * MIN, acknowledgedAt: 12 * MIN });
		expect(timeToResolve(t)).toBe(10 * MIN);
		expect(timeToAcknowledge(t)).toBeNull();
		expect(measure([t])).toMatchObject({ unacknowledged: 1, tta: null });
		// The same from a record's fields (lists, exports, reports read those).
		expect(timeToAcknowledge({ service: '', status: 'resolved', openedAt: 0, acknowledgedAt: 12 * MIN, resolvedAt: 10 * MIN })).toBeNull();
		// Before the resolution it counts; while unresolved too.
		expect(timeToAcknowledge({ service: '', status: 'resolved', openedAt: 0, acknowledgedAt: 10 * MIN, resolvedAt: 10 * MIN })).toBe(10 * MIN);
		expect(timeToAcknowledge({ service: '', status: 'acknowledged', openedAt: 0, acknowledgedAt: 12 * MIN })).toBe(12 * MIN);
	});

	it('responders acted before the resolution: the owner assigned, not a late acknowledgement or a review note', () => {
		expect(respondersOf(written, timesFromTimeline(written))).toEqual(['bob']);
		// Unresolved: everyone who acted so far.
		const open = written.filter((x) => x.type !== 'resolved');
		expect(respondersOf(open, timesFromTimeline(open))).toEqual(['bob', 'eve', 'meg']);
		// Assigned to someone else by a person: both responded.
		expect(respondersOf([e('opened', 0), e('assigned', MIN, { actor: 'user:eve', owner: 'ana', previous: null })], null)).toEqual(['eve', 'ana']);
		// Through the API: a token acts for its user.
		expect(respondersOf([e('opened', 0), e('acknowledged', MIN, { actor: 'token:AbCd1234 (eve)' }), e('note', 2 * MIN, { actor: 'user:eve', text: 'x' })], null)).toEqual(['eve']);
	});

	it('time order: by time, entries of the same time in the order written', () => {
		expect(inTimeOrder(written).map((x) => x.type)).toEqual(['opened', 'assigned', 'alert.resolved', 'resolved', 'acknowledged', 'note']);
		const same = [e('a', 5, { n: 1 }), e('b', 1), e('c', 5, { n: 2 }), e('d', 5, { n: 3 })];
		expect(inTimeOrder(same).map((x) => x.type)).toEqual(['b', 'a', 'c', 'd']);
	});
});
