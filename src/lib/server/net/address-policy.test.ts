import { describe, expect, it } from 'vitest';
import { createAddressPolicy, isLocalhostName, normalizeAddress, parseCidr } from './address-policy';

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

	// Every way of writing 127.0.0.1 (and 169.254.169.254) is that address.
	it.each([
		['::ffff:7f00:1', '127.0.0.1 (IPv4-mapped)'],
		['[::ffff:127.0.0.1]', '127.0.0.1 (IPv4-mapped)'],
		['0:0:0:0:0:ffff:7f00:1', '127.0.0.1 (IPv4-mapped)'],
		['::ffff:a9fe:a9fe', '169.254.169.254 (IPv4-mapped)'],
		['::127.0.0.1', '127.0.0.1 (IPv4-compatible)'],
		['::7f00:1', '127.0.0.1 (IPv4-compatible)'],
		['64:ff9b::127.0.0.1', '127.0.0.1 (NAT64)'],
		['64:ff9b::a9fe:a9fe', '169.254.169.254 (NAT64)'],
		['2002:7f00:1::', '127.0.0.1 (6to4)'],
		['2130706433', '127.0.0.1'],
		['0177.0.0.1', '127.0.0.1'],
		['0x7f.0.0.1', '127.0.0.1'],
		['0x7f000001', '127.0.0.1'],
		['017700000001', '127.0.0.1'],
		['127.1', '127.0.0.1'],
		['127.0.1', '127.0.0.1'],
		['127.0.0.1.', '127.0.0.1'],
		['0xa9.0xfe.0xa9.0xfe', '169.254.169.254'],
		['fe80::1%eth0', 'fe80::1']
	])('sees through %s (it is %s) and refuses it', (ip, is) => {
		const v = strict.check(ip);
		expect(v.ok).toBe(false);
		if (!v.ok) {
			expect(v.reason).toContain(`is ${is}`);
			expect(v.reason).toMatch(/(loopback|link-local) address/);
		}
	});

	it('allows NAT64 and mapped forms of public addresses: the IPv4 address inside decides', () => {
		expect(strict.check('64:ff9b::5db8:d822')).toEqual({ ok: true }); // 93.184.216.34
		expect(strict.check('::ffff:8.8.8.8')).toEqual({ ok: true });
		expect(strict.check('134744072')).toEqual({ ok: true }); // 8.8.8.8
	});

	it('refuses other special IPv6 ranges', () => {
		for (const ip of ['2001::1', '64:ff9b:1::1', 'fec0::1', '2001:db8::1']) expect(strict.check(ip).ok, ip).toBe(false);
	});

	it('normalises addresses, and refuses what inet_aton would not read', () => {
		expect(normalizeAddress('0x7f.1')?.text).toBe('127.0.0.1');
		expect(normalizeAddress('::FFFF:127.0.0.1')?.text).toBe('::ffff:7f00:1');
		expect(normalizeAddress('1:0:0:0:0:0:0:1')?.text).toBe('1::1');
		for (const bad of ['256.0.0.1', '1.2.3.4.5', '08.0.0.1', '1.16777216', '4294967296', '', '.', 'localhost', '1::2::3']) {
			expect(normalizeAddress(bad), bad).toBeUndefined();
		}
		expect(normalizeAddress('0x.0.0.0')?.text).toBe('0.0.0.0'); // as the URL standard reads it
		expect(normalizeAddress('0x')?.text).toBe('0.0.0.0');
	});

	it('names the setting that allows an address', () => {
		const p = createAddressPolicy([], { setting: 'notifications.allowPrivate' });
		const v = p.check('::ffff:10.0.0.1');
		expect(v).toEqual({ ok: false, reason: '::ffff:10.0.0.1 is 10.0.0.1 (IPv4-mapped), a private address (10.0.0.0/8); add it to notifications.allowPrivate to allow it' });
	});

	it('reads allow-list entries in IPv4-mapped form as the IPv4 range', () => {
		const p = createAddressPolicy(['::ffff:10.0.0.0/104']);
		expect(p.check('10.1.2.3').ok).toBe(true);
		expect(p.check('::ffff:10.1.2.3').ok).toBe(true);
		expect(p.check('11.0.0.1').ok).toBe(true);
		expect(p.check('192.168.0.1').ok).toBe(false);
		expect(() => parseCidr('2130706433')).toThrow(/not an IP address or CIDR range/);
	});

	it('knows the localhost names', () => {
		for (const n of ['localhost', 'LOCALHOST', 'localhost.', 'a.b.localhost', 'x.localhost..']) expect(isLocalhostName(n), n).toBe(true);
		for (const n of ['localhost.example.com', 'mylocalhost', 'example.com']) expect(isLocalhostName(n), n).toBe(false);
	});

	it('refuses what is not an address', () => {
		expect(strict.check('localhost')).toEqual({ ok: false, reason: '"localhost" is not an IP address' });
	});

	it('explains a bad allow-list entry', () => {
		expect(() => parseCidr('intranet')).toThrow(/not an IP address or CIDR range/);
		expect(() => parseCidr('10.0.0.0/33')).toThrow(/bad prefix length: expected 0 to 32/);
		expect(() => parseCidr('10.0.0.0/x')).toThrow(/bad prefix length/);
		expect(() => parseCidr('10.0.0.0/8/8')).toThrow(/not an IP address or CIDR range/);
	});
});
