import { describe, expect, it } from 'vitest';
import { ApiError, failure, failureOf, formatAlertValue, formatScalarValue, formatValue, success } from './envelope';

describe('number formats', () => {
	it('writes sample values as Prometheus 2.42: fixed-point, with an exponent below 1e-6 and from 1e21', () => {
		// Expected texts are a Prometheus 2.42 server's answers for vector(v).
		expect(formatValue(1)).toBe('1');
		expect(formatValue(0.1)).toBe('0.1');
		expect(formatValue(-2.5)).toBe('-2.5');
		expect(formatValue(123456.7)).toBe('123456.7');
		expect(formatValue(9.99e20)).toBe('999000000000000000000');
		expect(formatValue(1e21)).toBe('1e+21');
		expect(formatValue(1e-6)).toBe('0.000001');
		expect(formatValue(1.5e-7)).toBe('1.5e-07');
		expect(formatValue(-1.234e25)).toBe('-1.234e+25');
		expect(formatValue(0)).toBe('0');
		expect(formatValue(-0)).toBe('-0');
		expect(formatValue(NaN)).toBe('NaN');
		expect(formatValue(Infinity)).toBe('+Inf');
		expect(formatValue(-Infinity)).toBe('-Inf');
	});

	it('writes scalar results as Go\'s FormatFloat(v, \'f\', -1, 64), never with an exponent', () => {
		expect(formatScalarValue(1e21)).toBe('1000000000000000000000');
		expect(formatScalarValue(1.5e-7)).toBe('0.00000015');
		expect(formatScalarValue(-1.234e25)).toBe('-12340000000000000000000000');
		expect(formatScalarValue(NaN)).toBe('NaN');
	});

	it('writes alert values as Go\'s %e shortest form', () => {
		expect(formatAlertValue(1)).toBe('1e+00');
		expect(formatAlertValue(150)).toBe('1.5e+02');
		expect(formatAlertValue(-2.5e-7)).toBe('-2.5e-07');
		expect(formatAlertValue(1e100)).toBe('1e+100');
	});
});

describe('envelope', () => {
	it('answers success with data, and warnings only when there are some', async () => {
		expect(await success([1]).json()).toEqual({ status: 'success', data: [1] });
		expect(await success([], ['w']).json()).toEqual({ status: 'success', data: [], warnings: ['w'] });
	});

	it('answers each error type with Prometheus\' status', async () => {
		const cases = [
			['bad_data', 400],
			['execution', 422],
			['timeout', 503],
			['internal', 500],
			['not_found', 404]
		] as const;
		for (const [type, status] of cases) {
			const r = failure(type, 'm');
			expect(r.status).toBe(status);
			expect(await r.json()).toEqual({ status: 'error', errorType: type, error: 'm' });
		}
		expect(failureOf(new ApiError('execution', 'x')).status).toBe(422);
		expect(() => failureOf(new Error('boom'))).toThrow('boom');
	});
});
