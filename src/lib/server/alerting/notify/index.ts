/**
 * Notifications: the route tree, channels (secrets sealed), the notification and its bodies, the
 * outbox in Redis, and the leader's dispatcher (groups alerts by route, holds muted ones) and sender
 * (delivers with retries and backoff).
 */
export * from './channels';
export * from './deliver';
export * from './dispatcher';
export * from './notification';
export * from './outbox';
export * from './routes';
export * from './secret-box';
export * from './sender';
