/** The config fields shared by every collector kind, with their documented defaults. */
import { z } from 'zod';
import { zDuration } from '../src/lib/shared/duration';
import { LABEL_NAME } from '../src/lib/shared/series';
import type { Collector, CollectResult, CollectContext, CommonCollectorConfig } from './types';

export const collectorName = z
	.string()
	.regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'expected 1-63 lowercase letters, digits, "_", "." or "-", starting with a letter or digit');

export const labelSet = z.record(
	z.string().regex(LABEL_NAME, 'label names must match [a-zA-Z_][a-zA-Z0-9_]*').refine((k) => !k.startsWith('__'), 'label names starting with __ are reserved'),
	z.string()
);

/**
 * A collector block: `kind`, `name` (required, unique), `interval` (default 15s), `timeout`
 * (default 80 % of the interval), `retries` (default 0), `optional` (default false), `labels`.
 */
export function collectorBlock<K extends string, F extends z.ZodRawShape>(kind: K, fields: F) {
	return z.strictObject({
		kind: z.literal(kind),
		name: collectorName,
		interval: zDuration({ min: 100, max: 24 * 3600_000 }).default(15_000),
		timeout: zDuration({ min: 10, max: 5 * 60_000 }).optional(),
		retries: z.number().int().min(0).max(100).default(0),
		optional: z.boolean().default(false),
		labels: labelSet.default({}),
		...fields
	});
}

/** The default timeout is 80 % of the interval, so a run ends before the next is due. */
export function effectiveTimeout(intervalMs: number, timeoutMs: number | undefined): number {
	return timeoutMs ?? Math.max(10, Math.floor(intervalMs * 0.8));
}

/** The scheduling part of a Collector, from its config block. */
export function targetOf(config: CommonCollectorConfig, collect: (ctx: CollectContext) => Promise<CollectResult>, extra: Partial<Collector> = {}): Collector {
	return {
		name: config.name,
		kind: config.kind,
		labels: { ...config.labels, target: config.name },
		intervalMs: config.interval,
		timeoutMs: effectiveTimeout(config.interval, config.timeout),
		retries: config.retries,
		optional: config.optional,
		collect,
		...extra
	};
}
