/**
 * The collectors' address policy is Vigil's one policy for outgoing requests, shared with the
 * notification channels: src/lib/server/net/address-policy.ts.
 */
export { AllowListError, createAddressPolicy, parseCidr, type AddressPolicy, type AddressVerdict } from '../../src/lib/server/net';
