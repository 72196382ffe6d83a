import { describe, expect, it } from 'vitest';
import { createAddressPolicy, parseCidr } from './address-policy';

describe('address policy', () => {
	const strict = createAddressPolicy();

	it.each([
		['127.0.0.1', 'loopback'],
		['127.255.0.9', 'loopback'],
		['::1', 'loopback'],
		['169.254.169.254', 'link-local'],
		['fe80::1', 'link-local'],
		['10.1.2.3', 'private'],
		['172.20.0.1', 'private'],
		['192.168.1.1', 'private'],
		['100.64.0.1', 'shared address space'],
		['0.0.0.0', 'unspecified'],
		['::', 'unspecified'],
		['fd00::1', 'unique-local'],
		['224.0.0.1', 'multicast'],
		['255.255.255.255', 'reserved'],
		['::ffff:127.0.0.1', 'loopback'],
		['::ffff:169.254.169.254', 'link-local']
	])('refuses %s (%s) by default, saying how to allow it', (ip, kind) => {
		const v = strict.check(ip);
		expect(v.ok).toBe(false);
		if (!v.ok) {
			expect(v.reason).toContain(kind);
			expect(v.reason).toContain('collect.allowPrivate');
		}
	});

	it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '172.32.0.1', '11.0.0.1'])('allows the public address %s', (ip) => {
		expect(strict.check(ip)).toEqual({ ok: true });
	});

	it('allows what allowPrivate names, and only that', () => {
		const p = createAddressPolicy(['127.0.0.1', '10.0.0.0/8', '::1/128']);
		expect(p.check('127.0.0.1').ok).toBe(true);
		expect(p.check('::ffff:127.0.0.1').ok).toBe(true);
		expect(p.check('127.0.0.2').ok).toBe(false);
		expect(p.check('10.200.0.1').ok).toBe(true);
		expect(p.check('::1').ok).toBe(true);
		expect(p.check('169.254.169.254').ok).toBe(false);
	});

	it('refuses what is not an address', () => {
		expect(strict.check('localhost')).toEqual({ ok: false, reason: '"localhost" is not an IP address' });
	});

	it('explains a bad allow-list entry', () => {
		expect(() => parseCidr('intranet')).toThrow(/not an IP address or CIDR range/);
		expect(() => parseCidr('10.0.0.0/33')).toThrow(/bad prefix length: expected 0 to 32/);
		expect(() => parseCidr('10.0.0.0/x')).toThrow(/bad prefix length/);
	});
});
