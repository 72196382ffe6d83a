/**
 * Request parameters as Prometheus' API reads them: from the query string, and for POST from a
 * form body too (body values first, as Go's ParseForm); times as RFC 3339 or unix seconds,
 * durations as `5m`-style text or float seconds. Every error names the parameter and the value.
 */
import { parseDuration as parseDurationText } from '../../shared/duration';
import { parseTimestamp } from '../../shared/time-arg';
import { BodyTooLargeError, readLimited } from '../http-body';
import { ApiError } from './envelope';
import { TOOL_FORM_TYPE } from './tool-form';


/** Longest form body read: an expression is at most 64 KiB, and match[] lists are short. */
const MAX_BODY = 256 * 1024;

/** The request's parameters: the form body's (POST) before the query string's. */
export async function readParams(request: Request, url: URL): Promise<URLSearchParams> {
	const out = new URLSearchParams();
	if (request.method === 'POST') {
		const type = (request.headers.get('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
		if (type === 'application/x-www-form-urlencoded' || type === TOOL_FORM_TYPE) {
			let text: string;
			try {
				text = await readLimited(request, MAX_BODY);
			} catch (err) {
				if (err instanceof BodyTooLargeError) throw new ApiError('bad_data', `error parsing form values: ${err.message}`);
				throw err;
			}
			for (const [k, v] of new URLSearchParams(text)) out.append(k, v);
		}
	}
	for (const [k, v] of url.searchParams) out.append(k, v);
	return out;
}

const FLOAT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Prometheus' parseTime: unix seconds (float, ms precision) or RFC 3339; epoch ms. */
export function parseTime(name: string, text: string): number {
	if (FLOAT.test(text)) {
		const v = Number(text);
		const ms = Math.trunc(v) * 1000 + Math.round((v - Math.trunc(v)) * 1000);
		if (Number.isSafeInteger(ms)) return ms;
	} else {
		const ms = parseTimestamp(text);
		if (ms !== null && text.trim() === text) return ms;
	}
	throw new ApiError('bad_data', `invalid parameter ${JSON.stringify(name)}: cannot parse ${JSON.stringify(text)} to a valid timestamp`);
}

/** A time parameter, or `fallback` when it is absent or empty. */
export function timeParam(params: URLSearchParams, name: string, fallback: number): number {
	const text = params.get(name);
	return text === null || text === '' ? fallback : parseTime(name, text);
}

/** Prometheus' parseDuration: float seconds or a duration like `1m30s`; ms. */
export function parseDuration(name: string, text: string): number {
	if (FLOAT.test(text)) {
		const ms = Number(text) * 1000;
		if (Math.abs(ms) < 2 ** 63 / 1e6) return Math.round(ms);
		throw new ApiError('bad_data', `invalid parameter ${JSON.stringify(name)}: cannot parse ${JSON.stringify(text)} to a valid duration. It overflows int64`);
	}
	const ms = parseDurationText(text);
	if (ms !== null) return ms;
	throw new ApiError('bad_data', `invalid parameter ${JSON.stringify(name)}: cannot parse ${JSON.stringify(text)} to a valid duration`);
}

/** The `timeout` parameter of query and query_range, ms; absent: undefined (`query.timeout` applies). */
export function timeoutParam(params: URLSearchParams): number | undefined {
	const text = params.get('timeout');
	if (!text) return undefined;
	const ms = parseDuration('timeout', text);
	if (ms <= 0) throw new ApiError('bad_data', 'invalid parameter "timeout": must be positive');
	return ms;
}
