/**
 * The response envelope of the Prometheus HTTP API v1: `{"status": "success", "data": ...,
 * "warnings": [...]}` or `{"status": "error", "errorType": ..., "error": ...}`, with Prometheus'
 * HTTP status per error type, and its number formats (values as Go's shortest text, fixed-point
 * or with an exponent as Prometheus chooses, times as float seconds).
 */

/** Prometheus' error types, plus `unauthorized` and `forbidden` for Vigil's access check. */
export type ErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal' | 'unavailable' | 'not_found' | 'unauthorized' | 'forbidden';

/** The HTTP status of each error type, as Prometheus' api.go answers them. */
export const ERROR_STATUS: Record<ErrorType, number> = {
	bad_data: 400,
	execution: 422,
	timeout: 503,
	canceled: 499,
	internal: 500,
	unavailable: 503,
	not_found: 404,
	unauthorized: 401,
	forbidden: 403
};

/** An error the API answers with its type and message. */
export class ApiError extends Error {
	override name = 'ApiError';
	constructor(
		readonly type: ErrorType,
		message: string
	) {
		super(message);
	}
}

const JSON_HEADERS = { 'content-type': 'application/json' };

export function success(data: unknown, warnings: readonly string[] = []): Response {
	const body: Record<string, unknown> = { status: 'success', data };
	if (warnings.length) body.warnings = warnings;
	return new Response(JSON.stringify(body), { status: 200, headers: JSON_HEADERS });
}

export function failure(type: ErrorType, message: string, headers: Record<string, string> = {}): Response {
	return new Response(JSON.stringify({ status: 'error', errorType: type, error: message }), { status: ERROR_STATUS[type], headers: { ...JSON_HEADERS, ...headers } });
}

/**
 * An ApiError, also one made by the runtime's copy of this module (the query pool's errors reach
 * the routes, which SvelteKit bundles apart): recognised by its name and type.
 */
export function isApiError(err: unknown): err is ApiError {
	return err instanceof ApiError || (err instanceof Error && err.name === 'ApiError' && typeof (err as ApiError).type === 'string' && (err as ApiError).type in ERROR_STATUS);
}

/** Answers an ApiError with its envelope; anything else is rethrown (SvelteKit answers 500). */
export function failureOf(err: unknown): Response {
	if (isApiError(err)) return failure(err.type, err.message);
	throw err;
}

/**
 * A sample value (of a vector or a matrix) as Prometheus v2.42 writes it (jsonutil.MarshalValue):
 * the shortest digits that read back to the same number, with an exponent when its magnitude is
 * below 1e-6 or from 1e21 (`1e+21`, `1.5e-07`), else in fixed-point; `NaN`, `+Inf`, `-Inf`.
 */
export function formatValue(v: number): string {
	const abs = Math.abs(v);
	if (abs !== 0 && (abs < 1e-6 || (abs >= 1e21 && abs !== Infinity))) return formatAlertValue(v);
	return formatScalarValue(v);
}

/**
 * A scalar result as Prometheus writes it (Scalar.MarshalJSON): Go's
 * `strconv.FormatFloat(v, 'f', -1, 64)`, never in exponent form.
 */
export function formatScalarValue(v: number): string {
	if (Number.isNaN(v)) return 'NaN';
	if (v === Infinity) return '+Inf';
	if (v === -Infinity) return '-Inf';
	if (v === 0) return Object.is(v, -0) ? '-0' : '0';
	const s = String(v);
	const e = s.indexOf('e');
	if (e < 0) return s;
	const neg = s.startsWith('-');
	const mant = s.slice(neg ? 1 : 0, e);
	const exp = Number(s.slice(e + 1));
	const [ip, fp = ''] = mant.split('.') as [string, string?];
	const digits = ip + fp;
	const point = ip.length + exp;
	let out: string;
	if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
	else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
	else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
	return (neg ? '-' : '') + out;
}

/** An alert's value as Prometheus' rules and alerts endpoints write it: Go's `%e` shortest form (`1e+00`). */
export function formatAlertValue(v: number): string {
	if (Number.isNaN(v)) return 'NaN';
	if (v === Infinity) return '+Inf';
	if (v === -Infinity) return '-Inf';
	const s = v.toExponential();
	return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Epoch ms as the API's float seconds. */
export function seconds(ms: number): number {
	return ms / 1000;
}
