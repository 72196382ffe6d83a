/**
 * Durations in Prometheus' notation: one or more `<number><unit>` parts, largest unit first,
 * e.g. `500ms`, `15s`, `1m30s`, `2h`, `7d`, `1w`, `1y`. Used by the config file, rules and the API.
 */
import { z } from 'zod';

const UNITS: ReadonlyArray<readonly [string, number]> = [
	['y', 365 * 24 * 3600 * 1000],
	['w', 7 * 24 * 3600 * 1000],
	['d', 24 * 3600 * 1000],
	['h', 3600 * 1000],
	['m', 60 * 1000],
	['s', 1000],
	['ms', 1]
];

const PART = /(\d+)(ms|y|w|d|h|m|s)/y;

/** Parses a duration such as `1m30s` into milliseconds; returns `null` when the text is not one. */
export function parseDuration(text: string): number | null {
	if (typeof text !== 'string' || text.length === 0) return null;
	if (text === '0') return 0;
	let total = 0;
	let lastRank = -1;
	PART.lastIndex = 0;
	while (PART.lastIndex < text.length) {
		const at = PART.lastIndex;
		const m = PART.exec(text);
		if (!m || m.index !== at) return null;
		const rank = UNITS.findIndex(([u]) => u === m[2]);
		// Units must come largest first and at most once each, as in Prometheus.
		if (rank <= lastRank) return null;
		lastRank = rank;
		total += Number(m[1]) * UNITS[rank]![1];
	}
	return Number.isSafeInteger(total) ? total : null;
}

/** Formats milliseconds as the shortest duration text that parses back to the same value. */
export function formatDuration(ms: number): string {
	if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`duration must be a finite non-negative number, got ${ms}`);
	if (ms === 0) return '0s';
	let rest = Math.round(ms);
	let out = '';
	for (const [unit, size] of UNITS) {
		if (rest >= size) {
			const n = Math.floor(rest / size);
			out += `${n}${unit}`;
			rest -= n * size;
		}
	}
	return out;
}


/**
 * A zod schema for a duration field: accepts text like `"15s"` and outputs milliseconds. A bare
 * number is refused (is `15` seconds or minutes?) with a message that says to add a unit.
 */
export function zDuration(opts: { min?: number; max?: number } = {}) {
	return z.unknown().transform((v, ctx) => {
		const ms = typeof v === 'string' ? parseDuration(v) : null;
		if (ms === null) {
			const hint = typeof v === 'number' ? ` (add a unit: "${v}s")` : '';
			ctx.addIssue({
				code: 'custom',
				message: v === undefined ? 'is required' : `expected a duration like "15s", got ${JSON.stringify(v)}${hint}`
			});
			return z.NEVER;
		}
		if (opts.min !== undefined && ms < opts.min) {
			ctx.addIssue({ code: 'custom', message: `must be at least ${formatDuration(opts.min)}, got ${JSON.stringify(v)}` });
			return z.NEVER;
		}
		if (opts.max !== undefined && ms > opts.max) {
			ctx.addIssue({ code: 'custom', message: `must be at most ${formatDuration(opts.max)}, got ${JSON.stringify(v)}` });
			return z.NEVER;
		}
		return ms;
	});
}
