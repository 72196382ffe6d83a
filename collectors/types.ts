/** What every collector source provides to the scheduler. */
import type { z } from 'zod';
import type { Logger } from '../src/lib/server/log';
import type { Sample } from '../src/lib/shared/series';
import type { AddressPolicy } from './net/address-policy';
import type { TicketStore } from '../src/lib/server/tickets';

export interface CollectContext {
	/** Aborted when the run times out or the role stops. */
	signal: AbortSignal;
	/** The scheduled time of this run, epoch ms; every sample of a run carries it. */
	now: number;
}

export type { MetricMetadata } from '../src/lib/server/tsdb';
import type { MetricMetadata } from '../src/lib/server/tsdb';

export interface CollectResult {
	/** The target's own series; the scheduler adds the target's labels to each. */
	samples: Sample[];
	metadata?: MetricMetadata[];
	/** False when the target answered but failed an expectation (a 500, a missing keyword). */
	up?: boolean;
	/** Why the target is down, for logs. */
	error?: string;
	/**
	 * True when every sample already carries the target's labels, its time and its series id
	 * (`id`), worked out once per series by a source that caches them; the scheduler then adds
	 * none of them (only the interval).
	 */
	labelled?: boolean;
}

/** One thing to collect from, on an interval. Made by a source from its config block. */
export interface Collector {
	name: string;
	kind: string;
	/** Labels added to every series of this target (at least `target`). */
	labels: Record<string, string>;
	intervalMs: number;
	timeoutMs: number;
	/** Consecutive failures before the target counts as down (Uptime Kuma's PENDING). */
	retries: number;
	/** When true, a target that cannot be reached writes nothing instead of `up 0` (demo extras). */
	optional: boolean;
	collect(ctx: CollectContext): Promise<CollectResult>;
	/** Releases connections the source holds. */
	close?(): Promise<void>;
}

/** The fields every collector block has, whatever its kind. */
export interface CommonCollectorConfig {
	kind: string;
	name: string;
	interval: number;
	timeout?: number | undefined;
	retries: number;
	optional: boolean;
	labels: Record<string, string>;
}

export interface SourceDeps {
	log: Logger;
	/** Which addresses http and prometheus targets may reach. */
	addressPolicy: AddressPolicy;
	/** Vigil's own Redis URL: the default for redis-queue targets. */
	redisUrl?: string;
	/** Vigil's ticket store and the `tickets` settings, for tickets targets. */
	tickets?: { store: TicketStore; maxLabelValues: number };
}

export interface SourceDefinition<S extends z.ZodType<CommonCollectorConfig>> {
	kind: string;
	/** One line for docs and errors. */
	summary: string;
	schema: S;
	create(config: z.output<S>, deps: SourceDeps): Collector;
}
