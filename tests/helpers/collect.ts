/**
 * Runs collectors for real, as the collect role does (scheduler, buffer, store), against a Redis
 * of the test's, and lets the test wait for what they stored.
 */
import { Redis } from 'ioredis';
import { createAddressPolicy } from '../../collectors/net/address-policy';
import { collectorConfig, type CollectorConfig } from '../../collectors/registry';
import { startCollectRole, type CollectRole } from '../../collectors/role';
import type { SourceDeps } from '../../collectors/types';
import { createLogger } from '../../src/lib/server/log';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { StoreSink } from '../../src/lib/server/tsdb/sink';
import type { LatestResult } from '../../src/lib/server/tsdb/types';

export interface Collecting {
	store: RedisStore;
	role: CollectRole;
	/** Waits until the selector has a latest sample satisfying `check`, and returns the results. */
	waitFor(selector: string, check?: (r: LatestResult[]) => boolean, timeoutMs?: number): Promise<LatestResult[]>;
	/** The latest value of the one series a selector picks (fails if not exactly one). */
	value(selector: string): Promise<number>;
	stop(): Promise<void>;
}

let n = 0;

export async function collect(redisUrl: string, blocks: unknown[], options: { allowPrivate?: string[]; tickets?: SourceDeps['tickets'] } = {}): Promise<Collecting> {
	const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
	const store = new RedisStore(redis, { prefix: `col${++n}-${process.pid}:`, liveKey: null });
	const log = createLogger({ level: 'silent' });
	const collectors: CollectorConfig[] = blocks.map((b) => collectorConfig.parse(b));
	const role = startCollectRole({
		collectors,
		sink: new StoreSink(store),
		metadata: (m) => void store.setMetadata(m),
		deps: { log, addressPolicy: createAddressPolicy(options.allowPrivate ?? []), redisUrl, tickets: options.tickets },
		log
	});
	const waitFor = async (selector: string, check: (r: LatestResult[]) => boolean = (r) => r.length > 0, timeoutMs = 10_000) => {
		const deadline = Date.now() + timeoutMs;
		let last: LatestResult[] = [];
		while (Date.now() < deadline) {
			last = await store.latest(selector);
			if (check(last)) return last;
			await new Promise((r) => setTimeout(r, 50));
		}
		throw new Error(`${selector}: not as expected within ${timeoutMs} ms; last saw ${JSON.stringify(last.map((l) => [l.labels, l.value]))}`);
	};
	return {
		store,
		role,
		waitFor,
		async value(selector) {
			const r = await waitFor(selector);
			if (r.length !== 1) throw new Error(`${selector} picks ${r.length} series, not one`);
			return r[0]!.value;
		},
		async stop() {
			await role.stop(1000);
			await store.close();
			redis.disconnect();
		}
	};
}
