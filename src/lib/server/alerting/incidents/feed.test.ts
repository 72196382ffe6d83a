import { describe, expect, it } from 'vitest';
import type { IncidentStore } from './store';
import { ManualClock } from '../../clock';
import { createKeys } from '../../keys';
import type { Logger } from '../../log';
import { startIncidentFeed } from './feed';

function fakeStore() {
	const calls: string[] = [];
	let fail: Error | undefined;
	let gate: Promise<void> = Promise.resolve();
	const store = {
		async applyEvents() {
			calls.push('apply');
			await gate;
			if (fail) throw fail;
			return 0;
		},
		async resolveQuiet(now: number) {
			calls.push(`tick@${now}`);
			if (fail) throw fail;
			return [];
		}
	};
	return {
		store: store as unknown as IncidentStore,
		calls,
		setFail: (e: Error | undefined) => (fail = e),
		hold: () => {
			let release!: () => void;
			gate = new Promise((r) => (release = r));
			return () => {
				gate = Promise.resolve();
				release();
			};
		}
	};
}

function memoryLog() {
	const warnings: string[] = [];
	const log = { warn: (_o: unknown, m: string) => warnings.push(m), info: () => {}, debug: () => {}, child: () => log };
	return { log: log as unknown as Logger, warnings };
}

const base = { redis: {} as never, keys: createKeys('t:'), incidents: { groupBy: ['service'], perRule: true, quietPeriod: 300_000, reopenWindow: 1_800_000 } };

describe('incident feed', () => {
	it('applies events and resolves quiet incidents every interval, with the clock\'s time', async () => {
		const clock = new ManualClock(10_000);
		const f = fakeStore();
		const feed = startIncidentFeed({ ...base, store: f.store, clock, log: memoryLog().log });
		await clock.advance(1000);
		await clock.advance(1000);
		expect(f.calls).toEqual(['apply', 'tick@11000', 'apply', 'tick@12000']);
		await feed.stop();
		await clock.advance(5000);
		expect(f.calls).toHaveLength(4);
	});

	it('process() applies events now; asks made while one waits share it; steps never overlap', async () => {
		const clock = new ManualClock(0);
		const f = fakeStore();
		const feed = startIncidentFeed({ ...base, store: f.store, clock, log: memoryLog().log });
		const release = f.hold();
		const first = feed.process();
		await Promise.resolve();
		const second = feed.process();
		const third = feed.process();
		expect(second).toBe(third);
		release();
		await Promise.all([first, second, third]);
		expect(f.calls).toEqual(['apply', 'apply']);
		await feed.stop();
	});

	it('a failing step is logged once, never thrown, and retried; recovery is logged', async () => {
		const clock = new ManualClock(0);
		const f = fakeStore();
		const { log, warnings } = memoryLog();
		const feed = startIncidentFeed({ ...base, store: f.store, clock, log });
		f.setFail(new Error('Connection is closed.'));
		await expect(feed.process()).resolves.toBeUndefined();
		await clock.advance(3000);
		expect(warnings).toEqual(['incidents: could not apply alert events; retrying at the next step', 'incidents: could not apply alert events or resolve quiet incidents; retrying at the next step']);
		f.setFail(undefined);
		await clock.advance(1000);
		expect(f.calls.at(-1)).toBe('tick@4000');
		await feed.stop();
	});
});
