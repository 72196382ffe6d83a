/** Redis connections: the client, resolving the configured address, and the embedded server. */
export { type Redis, closeClient, createRedisClient, reconnectDelay, waitReady } from './client';
export { RedisNotFoundError } from './embedded';
export { type ResolvedRedis, redactUrl, resolveRedis } from './resolve';
export { CLUSTER_SCHEME, type ClusterAuth, RedisModeError, checkRedisMode, clusterAuthOf, clusterUrl, createClusterClient, duplicateClient, isClusterUrl, parseSeed, seedsOf, splitSeeds } from './cluster';
export { firstKey, isCluster, pipelineFor } from './slot-pipeline';
