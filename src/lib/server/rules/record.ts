/**
 * What rules write into the time-series store, as Prometheus v2.42's rule groups write it:
 *
 * - a recording rule's result, named by its `record:` and with its labels (RecordingRule.Eval);
 * - `ALERTS{alertname, alertstate, ...}` 1 and `ALERTS_FOR_STATE{alertname, ...}` (the time the
 *   alert became active, in seconds) for every pending or firing alert (AlertingRule.Eval);
 * - a stale marker for each series a rule wrote at its previous evaluation and not at this one,
 *   so that readers stop seeing it at once rather than after the lookback (Group.Eval).
 */
import type { Labels } from '../../shared/series';
import { evalInstant, type EvalOptions, type SampleSource, labelsKey } from '../promql';
import type { SeriesSamples } from '../tsdb';
import type { CompiledRecording } from './compile';
import type { AlertInstance, VectorSample } from './types';

export class RecordingError extends Error {
	override name = 'RecordingError';
}

/**
 * The samples one evaluation of a recording rule gives at `at`: the expression's result (a scalar
 * is one sample without labels) named `rule.name`, with the rule's labels set. Throws the
 * evaluation's error, or a RecordingError when two samples end up with the same labels.
 */
export function recordingSamples(rule: CompiledRecording, at: number, source: SampleSource, opts: EvalOptions = {}): VectorSample[] {
	const res = evalInstant(rule.expr, at, source, opts);
	const vector = res.type === 'scalar' ? [{ labels: {}, value: res.value }] : res.samples;
	const out: VectorSample[] = [];
	const seen = new Set<string>();
	for (const s of vector) {
		const labels: Labels = { ...s.labels, __name__: rule.name };
		for (const [k, v] of Object.entries(rule.labels)) labels[k] = v;
		const key = labelsKey(labels);
		if (seen.has(key)) throw new RecordingError('vector contains metrics with the same labelset after applying rule labels');
		seen.add(key);
		out.push({ labels, value: s.value });
	}
	return out;
}

/** The ALERTS and ALERTS_FOR_STATE samples of a rule's pending and firing alerts. */
export function alertSamples(alertname: string, instances: Iterable<AlertInstance>): VectorSample[] {
	const out: VectorSample[] = [];
	for (const a of instances) {
		if (a.state !== 'pending' && a.state !== 'firing') continue;
		out.push({ labels: { ...a.labels, __name__: 'ALERTS', alertname, alertstate: a.state }, value: 1 });
		out.push({ labels: { ...a.labels, __name__: 'ALERTS_FOR_STATE', alertname }, value: Math.floor(a.activeAt / 1000) });
	}
	return out;
}

/**
 * One rule's series from one evaluation to the next: turns the samples of an evaluation into
 * what to write, stale markers included for the series that are gone.
 */
export class SeriesWriter {
	private previous = new Map<string, Labels>();

	/** What to write for the samples of the evaluation at `at`. */
	step(at: number, samples: readonly VectorSample[]): SeriesSamples[] {
		const now = new Map<string, Labels>();
		const out: SeriesSamples[] = [];
		for (const s of samples) {
			const key = labelsKey(s.labels);
			now.set(key, s.labels);
			out.push(seriesSample(s.labels, at, s.value, false));
		}
		for (const [key, labels] of this.previous) if (!now.has(key)) out.push(seriesSample(labels, at, NaN, true));
		this.previous = now;
		return out;
	}

	/** Forgets what was written (after a restart nothing is marked stale, as in Prometheus). */
	reset(): void {
		this.previous.clear();
	}
}

function seriesSample(labels: Labels, at: number, value: number, stale: boolean): SeriesSamples {
	const { __name__: name, ...rest } = labels;
	return { name: name ?? '', labels: rest, ts: [at], values: [value], ...(stale ? { stale: [0] } : {}) };
}
