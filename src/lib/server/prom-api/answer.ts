/**
 * A query job as the query pool runs it (in a worker thread, or in-process): evaluated, then written
 * as the whole success envelope in JSON, in chunks of bytes that a worker hands to the main thread
 * without copying and the route streams as they are. Writing the numbers straight from the
 * evaluated result holds no per-point objects, and no single string (V8 caps one string at 512 MB).
 */
import type { Labels } from '../../shared/series';
import { formatValue, seconds } from './envelope';
import { timedOut } from './limits';
import type { Evaluated } from '../promql';
import { evaluateInstant, evaluateRange, stringAnswer, type InstantParams, type QueryControl, type QueryDeps, type RangeParams } from './query';

export type QueryJob = ({ kind: 'instant' } & InstantParams) | ({ kind: 'range' } & RangeParams);

const ENCODED = Symbol.for('vigil.encodedAnswer');

/** A success envelope already written as JSON bytes. */
export interface EncodedAnswer {
	readonly [ENCODED]: true;
	readonly chunks: Uint8Array[];
}

export function encodedAnswer(chunks: Uint8Array[]): EncodedAnswer {
	return { [ENCODED]: true, chunks };
}

/** Recognised by a symbol, not a class: the runtime and SvelteKit's bundle each have their own copy of this module. */
export function isEncodedAnswer(x: unknown): x is EncodedAnswer {
	return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[ENCODED] === true;
}

/** Bytes per chunk: large enough that posting and writing them costs little, small enough to stream. */
const CHUNK_CHARS = 1 << 20;

class ChunkWriter {
	readonly chunks: Uint8Array[] = [];
	private parts: string[] = [];
	private size = 0;
	private readonly encoder = new TextEncoder();

	/** `check` runs at every chunk: it throws to stop the writing (deadline, cancel). */
	constructor(private readonly check: () => void) {}

	write(text: string): void {
		this.parts.push(text);
		this.size += text.length;
		if (this.size >= CHUNK_CHARS) this.flush();
	}

	flush(): void {
		if (this.size === 0) return;
		this.check();
		// TextEncoder gives each chunk its own ArrayBuffer, so a worker can transfer it.
		this.chunks.push(this.encoder.encode(this.parts.join('')));
		this.parts = [];
		this.size = 0;
	}
}

function pointText(t: number, v: number): string {
	return `[${seconds(t)},"${formatValue(v)}"]`;
}

function labelsText(labels: Labels): string {
	return JSON.stringify(labels);
}

/**
 * `{"status":"success","data":...}` as JSON.stringify would write it for toQueryData's shapes, in
 * chunks. `check` runs at every chunk.
 */
export function encodeSuccess(e: Evaluated, check: () => void = () => {}): Uint8Array[] {
	const w = new ChunkWriter(check);
	w.write(`{"status":"success","data":{"resultType":"${e.resultType}","result":`);
	if (e.resultType === 'scalar') w.write(pointText(e.t, e.value));
	else if (e.resultType === 'vector') {
		w.write('[');
		e.samples.forEach((s, i) => w.write(`${i ? ',' : ''}{"metric":${labelsText(s.labels)},"value":${pointText(e.t, s.value)}}`));
		w.write(']');
	} else {
		w.write('[');
		e.series.forEach((s, i) => {
			w.write(`${i ? ',' : ''}{"metric":${labelsText(s.labels)},"values":[`);
			const { ts, values } = s;
			// Points in groups, so a long series costs few writes.
			for (let k = 0; k < ts.length; k += 256) {
				let text = '';
				const end = Math.min(ts.length, k + 256);
				for (let j = k; j < end; j++) text += (j ? ',' : '') + pointText(ts[j]!, values[j]!);
				w.write(text);
			}
			w.write(']}');
		});
		w.write(']');
	}
	w.write('}}');
	w.flush();
	return w.chunks;
}

/**
 * Runs a job: evaluates it under the limits and the control's deadline, and writes its answer.
 * Errors are ApiErrors (limits, bad input, timeouts) or the store's.
 */
export async function runQueryJob(deps: QueryDeps, job: QueryJob, ctl: QueryControl): Promise<Uint8Array[]> {
	const text = job.kind === 'instant' ? stringAnswer(job) : undefined;
	if (text) return [new TextEncoder().encode(JSON.stringify({ status: 'success', data: text }))];
	const result = job.kind === 'instant' ? await evaluateInstant(deps, job, ctl) : (await evaluateRange(deps, job, ctl)).result;
	return encodeSuccess(result, () => {
		ctl.interrupt?.('query execution');
		if (performance.now() > ctl.deadline) throw timedOut('query execution', ctl.timeout);
	});
}
