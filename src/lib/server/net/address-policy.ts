/**
 * The address policy of every outgoing request Vigil makes (probes, scrapes, their redirects,
 * webhooks and Slack): which IP addresses it may connect to. Loopback, private, link-local,
 * unique-local, multicast and other special-purpose ranges are refused unless an allow-list entry
 * (an IP or CIDR) names them: `collect.allowPrivate` for collectors, `notifications.allowPrivate`
 * for notification channels.
 *
 * Every form of an address is judged as the address it is: IPv4 in any notation inet_aton takes
 * (`2130706433`, `0177.0.0.1`, `0x7f.0.0.1`, `127.1`, a trailing dot), and IPv4 inside IPv6
 * (IPv4-mapped `::ffff:127.0.0.1` or `::ffff:7f00:1`, IPv4-compatible `::127.0.0.1`, NAT64
 * `64:ff9b::/96` and 6to4 `2002::/16`): the embedded IPv4 address is what is judged. The HTTP
 * client (http-client.ts) checks every resolved address before it connects, pins the connection
 * to them, and checks the socket's remote address once connected.
 */
import { isIPv6 } from 'node:net';

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
type Bytes = readonly number[];

export type AddressVerdict = { ok: true } | { ok: false; reason: string };

export interface AddressPolicy {
	/** Whether a connection to this IP address (any notation) is allowed, and if not, why. */
	check(ip: string): AddressVerdict;
}

export class AllowListError extends Error {
	override name = 'AllowListError';
}

/**
 * An IPv4 address as inet_aton (and the URL standard) reads it: one to four parts, each decimal,
 * octal (leading 0) or hex (0x), the last filling the bytes that are left; a trailing dot is
 * allowed. Undefined when the text is not one.
 */
export function parseIPv4(text: string): Bytes | undefined {
	const parts = text.split('.');
	if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
	if (parts.length < 1 || parts.length > 4) return undefined;
	const values: number[] = [];
	for (const p of parts) {
		let v: number;
		if (/^0x[0-9a-f]*$/i.test(p)) v = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
		else if (/^0[0-7]*$/.test(p)) v = parseInt(p, 8);
		else if (/^[1-9][0-9]*$/.test(p)) v = parseInt(p, 10);
		else return undefined;
		if (!Number.isSafeInteger(v)) return undefined;
		values.push(v);
	}
	const last = values.pop()!;
	if (values.some((v) => v > 255) || last >= 256 ** (4 - values.length)) return undefined;
	const tail = [];
	for (let i = 3 - values.length, rest = last; i >= 0; i--) {
		tail[i] = rest % 256;
		rest = Math.floor(rest / 256);
	}
	return [...values, ...tail];
}

/** An IPv6 address (brackets and a zone allowed) as 16 bytes, or undefined. */
export function parseIPv6(text: string): Bytes | undefined {
	let t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
	const zone = t.indexOf('%');
	if (zone >= 0) t = t.slice(0, zone);
	if (!isIPv6(t)) return undefined;
	// A trailing dotted IPv4 part (`::ffff:127.0.0.1`) is two groups.
	const lastColon = t.lastIndexOf(':');
	const dotted = t.slice(lastColon + 1);
	if (dotted.includes('.')) {
		const [a, b, c, d] = dotted.split('.').map(Number) as [number, number, number, number];
		t = `${t.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
	}
	const [head, tail] = t.includes('::') ? (t.split('::') as [string, string]) : [t, undefined];
	const hs = head ? head.split(':') : [];
	const ts = tail ? tail.split(':') : [];
	const groups = tail === undefined ? hs : [...hs, ...Array<string>(8 - hs.length - ts.length).fill('0'), ...ts];
	if (groups.length !== 8) return undefined;
	const bytes: number[] = [];
	for (const g of groups) {
		const v = parseInt(g, 16);
		bytes.push(v >> 8, v & 255);
	}
	return bytes;
}

function v4Text(b: Bytes): string {
	return b.join('.');
}

function v6Text(b: Bytes): string {
	const groups: string[] = [];
	for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
	// The longest run of zero groups (two or more) becomes `::`, as RFC 5952 writes it.
	let best = -1;
	let bestLen = 1;
	for (let i = 0; i < 8; ) {
		if (groups[i] !== '0') {
			i++;
			continue;
		}
		let j = i;
		while (j < 8 && groups[j] === '0') j++;
		if (j - i > bestLen) [best, bestLen] = [i, j - i];
		i = j;
	}
	if (best < 0) return groups.join(':');
	return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function startsWith(b: Bytes, prefix: Bytes, bits: number): boolean {
	for (let i = 0; i < bits; i++) {
		const byte = i >> 3;
		const mask = 0x80 >> (i & 7);
		if ((b[byte]! & mask) !== (prefix[byte]! & mask)) return false;
	}
	return true;
}

const zeros = (n: number) => Array<number>(n).fill(0);
const MAPPED: Bytes = [...zeros(10), 0xff, 0xff, ...zeros(4)];
const NAT64: Bytes = [0, 0x64, 0xff, 0x9b, ...zeros(12)];
const SIX_TO_FOUR: Bytes = [0x20, 0x02, ...zeros(14)];

/**
 * An address in any notation, normalised: IPv4 text, or IPv6 text; for IPv6 that carries an IPv4
 * address (mapped, compatible, NAT64, 6to4) also that IPv4 address and how it is carried.
 */
export interface NormalAddress {
	family: 4 | 6;
	bytes: Bytes;
	text: string;
	/** The IPv4 address an IPv6 one carries, which is what is judged. */
	embedded?: { bytes: Bytes; text: string; how: string };
}

export function normalizeAddress(raw: string): NormalAddress | undefined {
	const v4 = parseIPv4(raw);
	if (v4) return { family: 4, bytes: v4, text: v4Text(v4) };
	const v6 = parseIPv6(raw);
	if (!v6) return undefined;
	const out: NormalAddress = { family: 6, bytes: v6, text: v6Text(v6) };
	let carried: { bytes: Bytes; how: string } | undefined;
	if (startsWith(v6, MAPPED, 96)) carried = { bytes: v6.slice(12), how: 'IPv4-mapped' };
	else if (startsWith(v6, NAT64, 96)) carried = { bytes: v6.slice(12), how: 'NAT64' };
	else if (startsWith(v6, zeros(16), 96) && !startsWith(v6, zeros(16), 127)) carried = { bytes: v6.slice(12), how: 'IPv4-compatible' };
	else if (startsWith(v6, SIX_TO_FOUR, 16)) carried = { bytes: v6.slice(2, 6), how: '6to4' };
	if (carried) out.embedded = { ...carried, text: v4Text(carried.bytes) };
	return out;
}

const SPECIAL: Array<[string, number, string]> = [
	['0.0.0.0', 8, 'unspecified'],
	['10.0.0.0', 8, 'private'],
	['100.64.0.0', 10, 'shared address space'],
	['127.0.0.0', 8, 'loopback'],
	['169.254.0.0', 16, 'link-local'],
	['172.16.0.0', 12, 'private'],
	['192.0.0.0', 24, 'IETF protocol assignments'],
	['192.0.2.0', 24, 'documentation'],
	['192.88.99.0', 24, '6to4 relay'],
	['192.168.0.0', 16, 'private'],
	['198.18.0.0', 15, 'benchmarking'],
	['198.51.100.0', 24, 'documentation'],
	['203.0.113.0', 24, 'documentation'],
	['224.0.0.0', 4, 'multicast'],
	['240.0.0.0', 4, 'reserved'],
	['::', 128, 'unspecified'],
	['::1', 128, 'loopback'],
	['64:ff9b:1::', 48, 'local-use NAT64'],
	['100::', 64, 'discard'],
	['2001::', 32, 'Teredo'],
	['2001:2::', 48, 'benchmarking'],
	['2001:db8::', 32, 'documentation'],
	['fc00::', 7, 'unique-local'],
	['fe80::', 10, 'link-local'],
	['fec0::', 10, 'site-local'],
	['ff00::', 8, 'multicast']
];

interface Range {
	family: 4 | 6;
	bytes: Bytes;
	prefix: number;
	text: string;
}

function inRange(a: { family: 4 | 6; bytes: Bytes }, r: Range): boolean {
	return a.family === r.family && startsWith(a.bytes, r.bytes, r.prefix);
}

/**
 * Parses an allow-list entry: `10.0.0.0/8`, `127.0.0.1`, `::1/128`. An IPv4-mapped IPv6 range
 * (`::ffff:10.0.0.0/104`) is the IPv4 range it maps.
 */
export function parseCidr(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
	const [address, prefixText, extra] = entry.split('/') as [string, string | undefined, string | undefined];
	const a = extra === undefined ? normalizeAddress(address) : undefined;
	// Allow-list entries are written plainly: dotted IPv4 or IPv6, nothing inet_aton-only.
	if (!a || (a.family === 4 && !/^\d{1,3}(\.\d{1,3}){3}$/.test(address))) {
		throw new AllowListError(`${JSON.stringify(entry)} is not an IP address or CIDR range (e.g. 10.0.0.0/8, 127.0.0.1, ::1/128)`);
	}
	const max = a.family === 4 ? 32 : 128;
	const prefix = prefixText === undefined ? max : Number(prefixText);
	if (prefixText !== undefined && !/^\d+$/.test(prefixText)) throw new AllowListError(`${JSON.stringify(entry)} has a bad prefix length: expected 0 to ${max}`);
	if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new AllowListError(`${JSON.stringify(entry)} has a bad prefix length: expected 0 to ${max}`);
	if (a.family === 6 && a.embedded?.how === 'IPv4-mapped' && prefix >= 96) return { address: a.embedded.text, prefix: prefix - 96, family: 'ipv4' };
	return { address: a.text, prefix, family: a.family === 4 ? 'ipv4' : 'ipv6' };
}

/** "an unspecified", "a unique-local", "an IETF ...". */
function article(word: string): string {
	return /^(un[^i]|[aeoAEIO])/.test(word) ? 'an' : 'a';
}

export interface PolicyOptions {
	/**
	 * The setting that lists allowed addresses, named in refusals. Default `collect.allowPrivate`.
	 * @defaultValue 'collect.allowPrivate'
	 */
	setting?: string;
}

export function createAddressPolicy(allowPrivate: readonly string[] = [], options: PolicyOptions = {}): AddressPolicy {
	const setting = options.setting ?? 'collect.allowPrivate';
	const toRange = (address: string, prefix: number, text: string): Range => {
		const a = normalizeAddress(address)!;
		return { family: a.family, bytes: a.bytes, prefix, text };
	};
	const allowed = allowPrivate.map((entry) => {
		const c = parseCidr(entry);
		return toRange(c.address, c.prefix, entry);
	});
	const special = SPECIAL.map(([address, prefix, reason]) => ({ range: toRange(address, prefix, `${address}/${prefix}`), reason }));
	const judge = (a: { family: 4 | 6; bytes: Bytes }): { ok: true } | { ok: false; reason: string; range: string } => {
		if (allowed.some((r) => inRange(a, r))) return { ok: true };
		const s = special.find((x) => inRange(a, x.range));
		return s ? { ok: false, reason: s.reason, range: s.range.text } : { ok: true };
	};
	return {
		check(raw: string): AddressVerdict {
			const a = normalizeAddress(raw);
			if (!a) return { ok: false, reason: `${JSON.stringify(raw)} is not an IP address` };
			const fix = `add it to ${setting} to allow it`;
			if (a.embedded) {
				// The IPv6 address itself may be allowed (e.g. `64:ff9b::/96` listed); else the IPv4 it carries decides.
				if (allowed.some((r) => inRange(a, r))) return { ok: true };
				const v = judge({ family: 4, bytes: a.embedded.bytes });
				if (v.ok) return v;
				return { ok: false, reason: `${raw} is ${a.embedded.text} (${a.embedded.how}), ${article(v.reason)} ${v.reason} address (${v.range}); ${fix}` };
			}
			const v = judge(a);
			if (v.ok) return v;
			const what = `${article(v.reason)} ${v.reason} address (${v.range}); ${fix}`;
			return { ok: false, reason: a.text === raw ? `${raw} is ${what}` : `${raw} is ${a.text}, ${what}` };
		}
	};
}

/** RFC 6761: `localhost` and names under `.localhost` are loopback, whatever DNS says. */
export function isLocalhostName(hostname: string): boolean {
	const h = hostname.toLowerCase().replace(/\.+$/, '');
	return h === 'localhost' || h.endsWith('.localhost');
}
