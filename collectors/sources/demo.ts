/**
 * demo: a synthetic series for tests and for trying Vigil without the demo shop. Writes
 * `demo_orders_per_minute`, a daily curve with noise, every interval. Config: `shop` (default
 * "demo"), `base` orders per minute (default 120).
 */
import { z } from 'zod';
import { collectorBlock, targetOf } from '../common';
import type { SourceDefinition } from '../types';

const schema = collectorBlock('demo', {
	shop: z.string().min(1).default('demo'),
	base: z.number().positive().default(120)
});

/** Orders per minute at a time of day: low at night, peaks at lunch and in the evening. */
export function demoOrdersPerMinute(base: number, ts: number, random = Math.random): number {
	const hour = (ts / 3_600_000) % 24;
	const daily = 0.55 + 0.3 * Math.sin(((hour - 9) / 24) * 2 * Math.PI) + 0.15 * Math.sin(((hour - 12) / 6) * 2 * Math.PI);
	const noise = (random() - 0.5) * 0.2;
	return Math.max(0, Math.round(base * (daily + noise)));
}

export const demoSource: SourceDefinition<typeof schema> = {
	kind: 'demo',
	summary: 'a synthetic shop writing demo_orders_per_minute',
	schema,
	create(config) {
		return targetOf(config, async ({ now }) => ({
			samples: [{ name: 'demo_orders_per_minute', labels: { shop: config.shop }, ts: now, value: demoOrdersPerMinute(config.base, now) }]
		}));
	}
};
