/**
 * The push API's body: `[{ "metric": "...", "labels": {...}, "value": 1.5, "ts": 1700000000000 }]`.
 * Each item is checked on its own; a bad item is refused with its index, the field and the
 * problem, and the good ones are stored. `value` may be a number or "NaN", "+Inf", "-Inf"; `ts`
 * (epoch ms, integer) defaults to the time of the request.
 */
import { LABEL_NAME, METRIC_NAME, type Sample } from '../shared/series';

export interface PushItemError {
	index: number;
	field: string;
	message: string;
}

export interface ParsedPush {
	samples: Sample[];
	errors: PushItemError[];
}

/** Samples more than this far in the future are refused (a sender's clock is off). */
export const MAX_FUTURE_MS = 10 * 60_000;

/**
 * A sent value as quoted in a message: short, and never the whole of a large or deep value
 * (JSON.stringify of a value nested 10,000 deep throws, and a megabyte echoed back helps no one).
 */
function shown(v: unknown): string {
	if (v === undefined) return 'nothing';
	if (Array.isArray(v)) return 'an array';
	if (v !== null && typeof v === 'object') return 'an object';
	if (typeof v === 'string' && v.length > 64) return `${JSON.stringify(v.slice(0, 64))}… (${v.length} characters)`;
	return JSON.stringify(v);
}

function parseValue(v: unknown): number | undefined {
	if (typeof v === 'number') return v;
	if (v === 'NaN') return NaN;
	if (v === '+Inf' || v === 'Inf') return Infinity;
	if (v === '-Inf') return -Infinity;
	return undefined;
}

export function parsePush(body: unknown, now: number, maxItems: number): { ok: true; parsed: ParsedPush } | { ok: false; error: string } {
	if (!Array.isArray(body)) return { ok: false, error: 'expected a JSON array of samples: [{"metric": "...", "labels": {...}, "value": 1, "ts": 1700000000000}]' };
	if (body.length > maxItems) return { ok: false, error: `at most ${maxItems} samples per request, got ${body.length}` };
	const samples: Sample[] = [];
	const errors: PushItemError[] = [];
	body.forEach((item: unknown, index) => {
		const fail = (field: string, message: string) => errors.push({ index, field, message });
		if (item === null || typeof item !== 'object' || Array.isArray(item)) return fail('', 'expected an object with metric, labels, value and ts');
		const it = item as Record<string, unknown>;
		const unknown = Object.keys(it).filter((k) => !['metric', 'labels', 'value', 'ts'].includes(k));
		if (unknown.length) return fail(unknown[0]!, 'unknown field; expected metric, labels, value, ts');
		if (typeof it.metric !== 'string' || !METRIC_NAME.test(it.metric)) return fail('metric', `expected a metric name matching ${METRIC_NAME.source}, got ${shown(it.metric)}`);
		const labels: Record<string, string> = {};
		if (it.labels !== undefined) {
			if (it.labels === null || typeof it.labels !== 'object' || Array.isArray(it.labels)) return fail('labels', 'expected an object of label names to string values');
			for (const [k, v] of Object.entries(it.labels as Record<string, unknown>)) {
				if (!LABEL_NAME.test(k) || k.startsWith('__')) return fail(`labels.${k}`, `label names must match ${LABEL_NAME.source} and not start with __`);
				if (typeof v !== 'string') return fail(`labels.${k}`, `expected a string, got ${shown(v)}`);
				if (v.length > 1024) return fail(`labels.${k}`, 'label values may be at most 1,024 characters');
				labels[k] = v;
			}
		}
		const value = parseValue(it.value);
		if (value === undefined) return fail('value', `expected a number or "NaN", "+Inf", "-Inf", got ${shown(it.value)}`);
		let ts = now;
		if (it.ts !== undefined) {
			if (typeof it.ts !== 'number' || !Number.isSafeInteger(it.ts) || it.ts < 0) return fail('ts', `expected whole milliseconds since the epoch, got ${shown(it.ts)}`);
			if (it.ts > now + MAX_FUTURE_MS) return fail('ts', `is ${Math.round((it.ts - now) / 60_000)} min in the future; check the sender's clock`);
			ts = it.ts;
		}
		samples.push({ name: it.metric, labels, ts, value });
	});
	return { ok: true, parsed: { samples, errors } };
}
