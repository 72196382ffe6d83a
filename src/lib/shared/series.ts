/**
 * Series identity: a metric name plus a label set, as in Prometheus. Names and label names follow
 * Prometheus' rules; the canonical text form `name{a="1",b="2"}` (labels sorted) is the series id.
 */

export type Labels = Record<string, string>;

export interface Sample {
	name: string;
	labels: Labels;
	/** Unix epoch milliseconds. */
	ts: number;
	value: number;
	/** How often the collector samples this series, if known; lets readers tell stale data. */
	intervalMs?: number;
	/** A stale marker: the series ended at `ts` (its value is NaN). */
	stale?: boolean;
	/** seriesId(name, labels), when the producer has worked it out already (the collect scheduler does). */
	id?: string;
}

export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Problems with a metric name or label set; empty when valid. */
export function seriesProblems(name: string, labels: Labels): string[] {
	const out: string[] = [];
	if (!METRIC_NAME.test(name)) out.push(`metric name ${JSON.stringify(name)} must match ${METRIC_NAME.source}`);
	for (const [k, v] of Object.entries(labels)) {
		if (!LABEL_NAME.test(k)) out.push(`label name ${JSON.stringify(k)} must match ${LABEL_NAME.source}`);
		else if (k.startsWith('__')) out.push(`label name ${JSON.stringify(k)} is reserved (names starting with __ are internal)`);
		if (typeof v !== 'string') out.push(`label ${k} must have a string value`);
	}
	return out;
}

function escapeLabelValue(v: string): string {
	return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** The canonical series id: `name{a="1",b="2"}` with labels sorted by name, empty labels dropped. */
export function seriesId(name: string, labels: Labels): string {
	const keys = Object.keys(labels)
		.filter((k) => labels[k] !== '')
		.sort();
	if (keys.length === 0) return name;
	return `${name}{${keys.map((k) => `${k}="${escapeLabelValue(labels[k]!)}"`).join(',')}}`;
}
