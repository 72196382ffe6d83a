/**
 * The one error type of the PromQL engine. Every error carries where it applies in the expression
 * text (0-based offsets; 1-based line and column) and says so in its message ("at 1:14").
 */

/** Prometheus' words when a query passes its sample limit (ErrTooManySamples in promql/engine.go). */
export const TOO_MANY_SAMPLES = 'query processing would load too many samples into memory in query execution';

export type PromQLErrorKind = 'syntax' | 'unsupported' | 'execution' | 'timeout';

/** A span of the expression text: 0-based offsets, `to` exclusive. */
export interface Span {
	from: number;
	to: number;
}

export class PromQLError extends Error {
	override name = 'PromQLError';
	readonly line: number;
	readonly column: number;
	/** The problem alone, without the position. */
	readonly problem: string;

	constructor(
		readonly kind: PromQLErrorKind,
		problem: string,
		readonly from: number,
		readonly to: number,
		text: string
	) {
		const { line, column } = lineColumn(text, from);
		super(`${problem} at ${line}:${column}`);
		this.line = line;
		this.column = column;
		this.problem = problem;
	}
}

/** 1-based line and column of a 0-based offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
	let line = 1;
	let start = 0;
	const end = Math.min(Math.max(offset, 0), text.length);
	for (let i = 0; i < end; i++) {
		if (text.charCodeAt(i) === 10) {
			line++;
			start = i + 1;
		}
	}
	return { line, column: end - start + 1 };
}
