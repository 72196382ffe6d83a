/**
 * Every collector kind. A new kind is one file under sources/ plus its entry in `sources` and its
 * schema in `collectorConfig` (two lines side by side, so zod can type the union; a unit test
 * checks they agree).
 */
import { z } from 'zod';
import { demoSource } from './sources/demo';
import { httpSource } from './sources/http';
import { prometheusSource } from './sources/prometheus';
import { rabbitmqSource } from './sources/rabbitmq';
import { redisQueueSource } from './sources/redis-queue';
import { sqlSource } from './sources/sql';
import { ticketsSource } from './sources/tickets';
import type { Collector, SourceDeps } from './types';

export const sources = [httpSource, prometheusSource, redisQueueSource, rabbitmqSource, sqlSource, ticketsSource, demoSource] as const;

export const collectorConfig = z.discriminatedUnion('kind', [
	httpSource.schema,
	prometheusSource.schema,
	redisQueueSource.schema,
	rabbitmqSource.schema,
	sqlSource.schema,
	ticketsSource.schema,
	demoSource.schema
]);
export type CollectorConfig = z.output<typeof collectorConfig>;

export function createCollector(config: CollectorConfig, deps: SourceDeps): Collector {
	const source = sources.find((s) => s.kind === config.kind);
	if (!source) throw new Error(`unknown collector kind ${config.kind}`);
	return (source.create as (c: CollectorConfig, d: SourceDeps) => Collector)(config, deps);
}
