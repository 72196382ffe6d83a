import { describe, expect, it } from 'vitest';
import { DrainTracker } from './drain';

const value = (samples: Array<{ name: string; value: number }>, name: string) => samples.find((s) => s.name === name)!.value;

describe('DrainTracker', () => {
	it('measures the net drain over the window and the time left to empty', () => {
		const d = new DrainTracker(60_000);
		d.observe('q', {}, 0, 1000);
		const s = d.observe('q', {}, 10_000, 900);
		expect(value(s, 'queue_drain_rate')).toBe(10);
		expect(value(s, 'queue_time_to_drain_seconds')).toBe(90);
	});

	it('says +Inf while the backlog grows, and 0 once it is empty', () => {
		const d = new DrainTracker(60_000);
		d.observe('q', {}, 0, 10);
		const growing = d.observe('q', {}, 5000, 50);
		expect(value(growing, 'queue_drain_rate')).toBe(0);
		expect(value(growing, 'queue_time_to_drain_seconds')).toBe(Infinity);
		expect(value(d.observe('q', {}, 10_000, 0), 'queue_time_to_drain_seconds')).toBe(0);
	});

	it('forgets readings older than the window', () => {
		const d = new DrainTracker(20_000);
		d.observe('q', {}, 0, 10_000); // a burst long ago
		d.observe('q', {}, 30_000, 100);
		d.observe('q', {}, 40_000, 100);
		const s = d.observe('q', {}, 50_000, 100);
		expect(value(s, 'queue_drain_rate')).toBe(0);
	});

	it('has no rate from a single reading', () => {
		const s = new DrainTracker(60_000).observe('q', { queue: 'q' }, 0, 5);
		expect(value(s, 'queue_drain_rate')).toBe(0);
		expect(value(s, 'queue_time_to_drain_seconds')).toBe(Infinity);
		expect(s[0]!.labels).toEqual({ queue: 'q' });
	});
});
