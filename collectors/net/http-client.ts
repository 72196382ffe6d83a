/**
 * The collectors' HTTP client is Vigil's one guarded client for outgoing requests, shared with the
 * notification channels: src/lib/server/net/http-client.ts.
 */
export { BlockedAddressError, HttpClientError, httpRequestWithGuard, type HttpRequest, type HttpResponse, type Timings } from '../../src/lib/server/net';
