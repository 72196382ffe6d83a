/** Redis connections: the client, resolving the configured address, and the embedded server. */
export { type Redis, closeClient, createRedisClient, reconnectDelay, waitReady } from './client';
export { RedisNotFoundError } from './embedded';
export { type ResolvedRedis, redactUrl, resolveRedis } from './resolve';
