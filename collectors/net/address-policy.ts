/**
 * The SSRF guard's rule: which IP addresses probes and scrapes may connect to. Loopback, private,
 * link-local, unique-local, multicast and other special-purpose ranges are refused unless an
 * `allowPrivate` entry (an IP or CIDR) names them. The check is made on resolved addresses, at
 * connect time, so a name that resolves to an internal address is caught too.
 */
import { BlockList, isIP } from 'node:net';

const SPECIAL: Array<[string, number, 'ipv4' | 'ipv6', string]> = [
	['0.0.0.0', 8, 'ipv4', 'unspecified'],
	['10.0.0.0', 8, 'ipv4', 'private'],
	['100.64.0.0', 10, 'ipv4', 'shared address space'],
	['127.0.0.0', 8, 'ipv4', 'loopback'],
	['169.254.0.0', 16, 'ipv4', 'link-local'],
	['172.16.0.0', 12, 'ipv4', 'private'],
	['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments'],
	['192.0.2.0', 24, 'ipv4', 'documentation'],
	['192.168.0.0', 16, 'ipv4', 'private'],
	['198.18.0.0', 15, 'ipv4', 'benchmarking'],
	['198.51.100.0', 24, 'ipv4', 'documentation'],
	['203.0.113.0', 24, 'ipv4', 'documentation'],
	['224.0.0.0', 4, 'ipv4', 'multicast'],
	['240.0.0.0', 4, 'ipv4', 'reserved'],
	['::', 128, 'ipv6', 'unspecified'],
	['::1', 128, 'ipv6', 'loopback'],
	['64:ff9b::', 96, 'ipv6', 'NAT64'],
	['100::', 64, 'ipv6', 'discard'],
	['2001:db8::', 32, 'ipv6', 'documentation'],
	['fc00::', 7, 'ipv6', 'unique-local'],
	['fe80::', 10, 'ipv6', 'link-local'],
	['ff00::', 8, 'ipv6', 'multicast']
];

export type AddressVerdict = { ok: true } | { ok: false; reason: string };

export interface AddressPolicy {
	/** Whether a connection to this IP address is allowed, and if not, why. */
	check(ip: string): AddressVerdict;
}

/** `::ffff:10.0.0.1` is 10.0.0.1: judge IPv4-mapped IPv6 addresses as the IPv4 address. */
function unmap(ip: string): string {
	const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
	return m ? m[1]! : ip;
}

function family(ip: string): 'ipv4' | 'ipv6' | undefined {
	const v = isIP(ip);
	return v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : undefined;
}

export class AllowListError extends Error {
	override name = 'AllowListError';
}

/** Parses `10.0.0.0/8`, `127.0.0.1`, `::1/128`. */
export function parseCidr(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
	const [address, prefixText] = entry.split('/') as [string, string | undefined];
	const f = family(address);
	if (!f) throw new AllowListError(`${JSON.stringify(entry)} is not an IP address or CIDR range (e.g. 10.0.0.0/8, 127.0.0.1, ::1/128)`);
	const max = f === 'ipv4' ? 32 : 128;
	const prefix = prefixText === undefined ? max : Number(prefixText);
	if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
		throw new AllowListError(`${JSON.stringify(entry)} has a bad prefix length: expected 0 to ${max}`);
	}
	return { address, prefix, family: f };
}

export function createAddressPolicy(allowPrivate: readonly string[] = []): AddressPolicy {
	const allowed = new BlockList();
	for (const entry of allowPrivate) {
		const c = parseCidr(entry);
		allowed.addSubnet(c.address, c.prefix, c.family);
	}
	const special = SPECIAL.map(([address, prefix, fam, reason]) => {
		const list = new BlockList();
		list.addSubnet(address, prefix, fam);
		return { list, fam, reason, range: `${address}/${prefix}` };
	});
	return {
		check(rawIp: string): AddressVerdict {
			const ip = unmap(rawIp);
			const f = family(ip);
			if (!f) return { ok: false, reason: `${JSON.stringify(rawIp)} is not an IP address` };
			if (allowed.check(ip, f)) return { ok: true };
			for (const s of special) {
				if (s.fam === f && s.list.check(ip, f)) {
					return { ok: false, reason: `${rawIp} is a ${s.reason} address (${s.range}); add it to collect.allowPrivate to allow it` };
				}
			}
			return { ok: true };
		}
	};
}
