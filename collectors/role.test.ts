import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/lib/server/clock';
import { createLogger } from '../src/lib/server/log';
import type { SampleSink } from '../src/lib/server/samples';
import type { Sample } from '../src/lib/shared/series';
import { createAddressPolicy } from './net/address-policy';
import { collectorConfig } from './registry';
import { startCollectRole } from './role';

describe('the collect role', () => {
	it('sizes its buffer to bufferSeconds of every target, from what each run produces', async () => {
		const clock = new ManualClock(1_000_000);
		const stored: Sample[] = [];
		const sink: SampleSink = { write: async (samples) => void stored.push(...samples) };
		const log = createLogger({ level: 'silent' });
		const role = startCollectRole({
			collectors: [collectorConfig.parse({ kind: 'demo', name: 'fast', interval: '100ms' }), collectorConfig.parse({ kind: 'demo', name: 'slow', interval: '1s' })],
			sink,
			deps: { log, addressPolicy: createAddressPolicy() },
			log,
			clock,
			registry: new Registry(),
			bufferSeconds: 300
		});
		try {
			// Before any run, 50 samples per run are assumed: 300 s at 10 runs/s, and at 1 run/s.
			expect(role.bufferLimit()).toBe(50 * 3000 + 50 * 300);
			await new Promise((r) => setTimeout(r, 0));
			await clock.advance(1000);
			const firstRun = (target: string) => {
				const mine = stored.filter((s) => s.labels.target === target);
				return mine.filter((s) => s.ts === mine[0]!.ts).length;
			};
			const fast = firstRun('fast');
			const slow = firstRun('slow');
			expect(fast).toBeGreaterThan(1);
			expect(role.bufferLimit()).toBe(fast * 3000 + slow * 300);
			// A removed target no longer counts; the floor is 10,000 samples.
			await role.reload([collectorConfig.parse({ kind: 'demo', name: 'slow', interval: '1s' })]);
			expect(role.bufferLimit()).toBe(Math.max(10_000, slow * 300));
		} finally {
			await role.stop(100);
		}
	});
});
