/** The config fields shared by every collector kind, with their documented defaults. */
import { z } from 'zod';
import { zDuration } from '../src/lib/shared/duration';
import { LABEL_NAME } from '../src/lib/shared/series';

export const collectorName = z
	.string()
	.regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'expected 1-63 lowercase letters, digits, "_", "." or "-", starting with a letter or digit');

export const labelSet = z.record(
	z.string().regex(LABEL_NAME, 'label names must match [a-zA-Z_][a-zA-Z0-9_]*'),
	z.string()
);

/** `name` (required), `interval` (default 15s), `timeout` (default: the interval, at most 10s), `labels`. */
export function collectorBlock<K extends string, F extends z.ZodRawShape>(kind: K, fields: F) {
	return z.strictObject({
		kind: z.literal(kind),
		name: collectorName,
		interval: zDuration({ min: 100, max: 24 * 3600_000 }).default(15_000),
		timeout: zDuration({ min: 10, max: 5 * 60_000 }).optional(),
		labels: labelSet.default({}),
		...fields
	});
}

export function effectiveTimeout(intervalMs: number, timeoutMs: number | undefined): number {
	return timeoutMs ?? Math.min(intervalMs, 10_000);
}
