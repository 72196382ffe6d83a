/**
 * Points in time as people and tools type them: RFC 3339 (`2026-11-01T00:00:00Z`), unix seconds
 * (`1730419200`, `1730419200.5`), `now`, or an offset from now (`-7d`, `now-7d`, `now-1h30m`).
 * The Prometheus HTTP API accepts the first two; the CLI accepts all.
 */
import { parseDuration } from './duration';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Epoch ms of an RFC 3339 time or unix seconds; null when the text is neither. */
export function parseTimestamp(text: string): number | null {
	const t = text.trim();
	if (/^-?\d+(\.\d+)?$/.test(t)) {
		const ms = Math.round(Number(t) * 1000);
		return Number.isSafeInteger(ms) ? ms : null;
	}
	if (RFC3339.test(t)) {
		const ms = Date.parse(t);
		return Number.isNaN(ms) ? null : ms;
	}
	return null;
}

/** Like parseTimestamp, plus `now` and offsets from now; null when the text is none of them. */
export function parseTimeArg(text: string, now: number): number | null {
	const t = text.trim();
	if (t === 'now') return now;
	const rel = /^(?:now)?([+-])(.+)$/.exec(t);
	if (rel && !/^-?\d+(\.\d+)?$/.test(t)) {
		const d = parseDuration(rel[2]!);
		if (d === null) return null;
		return rel[1] === '-' ? now - d : now + d;
	}
	return parseTimestamp(t);
}
