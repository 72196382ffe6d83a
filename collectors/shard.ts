/** Targets shared among collect processes: see src/lib/server/shard.ts. */
export { Shard as CollectShard, rendezvousOwner, type ShardOptions as CollectShardOptions } from '../src/lib/server/shard';
