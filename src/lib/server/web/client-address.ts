/**
 * The client's address, by the rule adapter-node applies to HTTP requests (its `getClientAddress`),
 * so that the live feed sees the same address as the pages behind a reverse proxy: with
 * `ADDRESS_HEADER` set, that header names the client (for `x-forwarded-for`, the address
 * `XFF_DEPTH` from the right, default 1: the one the nearest proxy appended); without it, the peer
 * of the TCP connection.
 *
 * One difference: where adapter-node fails the request (the header is missing, or holds fewer
 * addresses than `XFF_DEPTH`), the live feed takes the peer's address. Such a request did not come
 * through the proxy chain the operator described, so the peer is the best witness there is.
 */

export interface AddressRule {
	/** A lower-case header name, or undefined: the TCP peer. */
	header?: string;
	/** With `x-forwarded-for`: which address from the right names the client (1: the last). */
	xffDepth: number;
}

export const PEER_ADDRESS: AddressRule = { xffDepth: 1 };

/**
 * The rule of adapter-node's `ADDRESS_HEADER` and `XFF_DEPTH` (no env prefix: svelte.config.js sets
 * none), or a message when XFF_DEPTH is not a positive whole number (adapter-node would fail every
 * request that asks for the address).
 */
export function addressRuleOf(env: Record<string, string | undefined>): { ok: true; rule: AddressRule } | { ok: false; error: string } {
	const header = env.ADDRESS_HEADER?.trim().toLowerCase() || undefined;
	const depthText = env.XFF_DEPTH ?? '1';
	const xffDepth = Number.parseInt(depthText, 10);
	if (header === 'x-forwarded-for' && !(xffDepth >= 1)) return { ok: false, error: `XFF_DEPTH: expected a whole number of 1 or more, got ${JSON.stringify(depthText.slice(0, 40))}` };
	return { ok: true, rule: header ? { header, xffDepth } : PEER_ADDRESS };
}

/** The client address of a request (or a socket.io handshake) under a rule. */
export function clientAddress(rule: AddressRule, headers: Record<string, string | string[] | undefined>, peer: string): string {
	if (!rule.header) return peer;
	const raw = headers[rule.header];
	const value = Array.isArray(raw) ? raw.join(',') : raw;
	if (value === undefined) return peer;
	if (rule.header !== 'x-forwarded-for') return value.trim() || peer;
	const addresses = value.split(',');
	if (rule.xffDepth > addresses.length) return peer;
	return addresses[addresses.length - rule.xffDepth]!.trim() || peer;
}
