import { describe, expect, it } from 'vitest';
import { addressRuleOf, clientAddress, PEER_ADDRESS } from './client-address';

const rule = (env: Record<string, string>) => {
	const r = addressRuleOf(env);
	if (!r.ok) throw new Error(r.error);
	return r.rule;
};

describe('clientAddress', () => {
	it('is the TCP peer without ADDRESS_HEADER, whatever the client sends', () => {
		expect(rule({})).toEqual(PEER_ADDRESS);
		expect(clientAddress(rule({}), { 'x-forwarded-for': '6.6.6.6' }, '10.0.0.2')).toBe('10.0.0.2');
	});

	it('takes the XFF_DEPTH-th address from the right of x-forwarded-for, as adapter-node does', () => {
		const headers = { 'x-forwarded-for': '6.6.6.6, 203.0.113.7 , 10.0.0.9' };
		expect(clientAddress(rule({ ADDRESS_HEADER: 'X-Forwarded-For' }), headers, '10.0.0.2')).toBe('10.0.0.9');
		expect(clientAddress(rule({ ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '2' }), headers, '10.0.0.2')).toBe('203.0.113.7');
		expect(clientAddress(rule({ ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '3' }), headers, '10.0.0.2')).toBe('6.6.6.6');
	});

	it('takes another header as it is', () => {
		expect(clientAddress(rule({ ADDRESS_HEADER: 'True-Client-IP' }), { 'true-client-ip': ' 198.51.100.4 ' }, '10.0.0.2')).toBe('198.51.100.4');
	});

	it('falls back to the peer where adapter-node would fail: header missing, or fewer addresses than XFF_DEPTH', () => {
		expect(clientAddress(rule({ ADDRESS_HEADER: 'x-real-ip' }), {}, '10.0.0.2')).toBe('10.0.0.2');
		expect(clientAddress(rule({ ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '3' }), { 'x-forwarded-for': '1.1.1.1, 2.2.2.2' }, '10.0.0.2')).toBe('10.0.0.2');
	});

	it('refuses an XFF_DEPTH that is not a positive whole number', () => {
		for (const XFF_DEPTH of ['0', '-1', 'two', '']) {
			const r = addressRuleOf({ ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH });
			expect(r.ok, XFF_DEPTH).toBe(false);
		}
	});
});
