/** Outbound HTTP: the address policy (what a collector or a channel may reach) and its guarded client. */
export { type AddressPolicy, type AddressVerdict, AllowListError, createAddressPolicy, isLocalhostName, normalizeAddress, parseCidr } from './address-policy';
export { BlockedAddressError, HttpClientError, type HttpRequest, type HttpResponse, type Timings, httpRequestWithGuard, isBlockedAddressError } from './http-client';
