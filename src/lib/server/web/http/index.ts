/** HTTP adapters of the API routes: request parsing, refusals as JSON, the stores over the running process. */
export * from './incident-http';
export * from './rule-http';
export * from './silence-http';
export * from './require-permission';
export * from './prom-route';
export * from './channel-http';
export * from './push-rate-http';
export * from './query-params';
