/** What every collector source provides to the scheduler. */
import type { z } from 'zod';
import type { Logger } from '../src/lib/server/log';
import type { Sample } from '../src/lib/shared/series';

export interface CollectContext {
	/** Aborted when the run times out or the role stops. */
	signal: AbortSignal;
	/** The scheduled time of this run, epoch ms; samples of one run share it. */
	now: number;
}

export interface Collector {
	name: string;
	kind: string;
	intervalMs: number;
	timeoutMs: number;
	collect(ctx: CollectContext): Promise<Sample[]>;
	/** Releases connections the source holds. */
	close?(): Promise<void>;
}

/** The fields every collector block has, whatever its kind. */
export interface CommonCollectorConfig {
	kind: string;
	name: string;
	interval: number;
	timeout?: number | undefined;
	labels: Record<string, string>;
}

export interface SourceDefinition<S extends z.ZodType<CommonCollectorConfig>> {
	kind: string;
	/** One line for docs and errors. */
	summary: string;
	schema: S;
	create(config: z.output<S>, deps: { log: Logger }): Collector;
}
