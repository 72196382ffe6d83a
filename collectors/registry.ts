/**
 * Every collector kind, listed once. The config schema for `collectors:` is built from this list,
 * so a new kind is one file under sources/ plus one line here.
 */
import { z } from 'zod';
import type { Logger } from '../src/lib/server/log';
import { demoSource } from './sources/demo';
import type { Collector } from './types';

export const sources = [demoSource] as const;

export const collectorConfig = z.discriminatedUnion(
	'kind',
	sources.map((s) => s.schema) as unknown as [typeof demoSource.schema, ...Array<typeof demoSource.schema>]
);
export type CollectorConfig = z.output<typeof collectorConfig>;

export function createCollector(config: CollectorConfig, deps: { log: Logger }): Collector {
	const source = sources.find((s) => s.kind === config.kind);
	if (!source) throw new Error(`unknown collector kind ${config.kind}`);
	return source.create(config, deps);
}
