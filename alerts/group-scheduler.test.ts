import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/lib/server/clock';
import { GroupScheduler } from './group-scheduler';

describe('GroupScheduler', () => {
	it('runs each group on multiples of its interval', async () => {
		const clock = new ManualClock(1_000_003);
		const runs: string[] = [];
		const s = new GroupScheduler({ clock });
		s.set([
			{ name: 'fast', intervalMs: 10_000, run: async (at) => void runs.push(`fast@${at}`) },
			{ name: 'slow', intervalMs: 30_000, run: async (at) => void runs.push(`slow@${at}`) }
		]);
		await clock.advance(40_000);
		expect(runs.sort()).toEqual(['fast@1010000', 'fast@1020000', 'fast@1030000', 'fast@1040000', 'slow@1020000']);
		await s.stop();
		await clock.advance(60_000);
		expect(runs).toHaveLength(5);
	});

	it('never stacks an overrunning evaluation: the marks it covers are counted as missed', async () => {
		const clock = new ManualClock(1);
		const runs: number[] = [];
		const missed: number[] = [];
		const s = new GroupScheduler({ clock, onMissed: (_, n) => missed.push(n) });
		s.set([
			{
				name: 'g',
				intervalMs: 10_000,
				run: (at) => {
					runs.push(at);
					// The run at 20 s takes 25 s.
					if (at === 20_000) return new Promise<void>((r) => clock.setTimeout(() => r(), 25_000));
					return Promise.resolve();
				}
			}
		]);
		await clock.advance(69_999);
		expect(runs).toEqual([10_000, 20_000, 50_000, 60_000, 70_000]);
		expect(missed).toEqual([2]); // 30 s and 40 s
		await s.stop();
	});

	it('reconciles: removed groups stop, a changed interval restarts, a new run function is used next time', async () => {
		const clock = new ManualClock(1);
		const runs: string[] = [];
		const s = new GroupScheduler({ clock });
		const g = (name: string, intervalMs: number, tag = name) => ({ name, intervalMs, run: async (at: number) => void runs.push(`${tag}@${at}`) });
		s.set([g('a', 10_000), g('b', 10_000)]);
		await clock.advance(9_999);
		s.set([g('a', 10_000, 'a2'), g('b', 5_000)]);
		await clock.advance(10_000);
		s.set([g('b', 5_000)]);
		await clock.advance(10_000);
		expect(runs).toEqual(['a@10000', 'b@10000', 'b@15000', 'a2@20000', 'b@20000', 'b@25000', 'b@30000']);
		expect(s.size).toBe(1);
		await s.stop();
	});

	it('refuses a non-positive interval, and survives a run that throws', async () => {
		const clock = new ManualClock(1);
		const errors: string[] = [];
		const s = new GroupScheduler({ clock, onError: (g, e) => errors.push(`${g}: ${e.message}`) });
		expect(() => s.set([{ name: 'z', intervalMs: 0, run: async () => {} }])).toThrow(/interval must be positive/);
		let n = 0;
		s.set([
			{
				name: 'x',
				intervalMs: 1000,
				run: async () => {
					if (++n === 1) throw new Error('boom');
				}
			}
		]);
		await clock.advance(2999);
		expect(n).toBe(3);
		expect(errors).toEqual(['x: boom']);
		await s.stop();
	});
});
