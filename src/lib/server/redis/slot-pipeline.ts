/**
 * Pipelines that work on one Redis and on a Redis Cluster alike.
 *
 * ioredis' cluster client refuses a pipeline unless every command's keys share a slot and all of
 * its slots are served by one node. The stores queue commands of many series (each series under its
 * own hash tag) in one pipeline, so on a cluster `pipelineFor` records the commands and, on `exec`,
 * sends one pipeline per node (by the slot of each command's first key, from the client's slot map),
 * in parallel, and answers in the order the commands were queued, as one pipeline would. On one
 * Redis it is the plain pipeline: nothing is added to the single-server path.
 *
 * Each command must still keep its own keys in one slot (a script's keys share a hash tag).
 */
import { exists, getKeyIndexes } from '@ioredis/commands';
import calculateSlot from 'cluster-key-slot';
import type { ChainableCommander, Redis } from 'ioredis';

/** True for ioredis' cluster client (which Vigil types as a `Redis`). */
export function isCluster(redis: Redis): boolean {
	return (redis as { isCluster?: boolean }).isCluster === true;
}

/** A pipeline for `redis`: the client's own on one Redis, one split by node on a cluster. */
export function pipelineFor(redis: Redis): ChainableCommander {
	return isCluster(redis) ? nodePipeline(redis) : redis.pipeline();
}

interface Call {
	name: string;
	args: unknown[];
}

type Reply = [error: Error | null, result: unknown];

interface ClusterView {
	slots: string[][];
	scriptsSet?: Record<string, { numberOfKeys: number | null }>;
}

/** The first key of a call: from a defined script's key count, else from the command table. */
export function firstKey(redis: Redis, name: string, args: readonly unknown[]): string | Buffer | undefined {
	const script = (redis as unknown as ClusterView).scriptsSet?.[name];
	if (script) {
		// A script with a fixed key count takes its keys first; one without takes the count first.
		if (typeof script.numberOfKeys === 'number') return script.numberOfKeys > 0 ? keyText(args[0]) : undefined;
		return Number(args[0]) > 0 ? keyText(args[1]) : undefined;
	}
	// The Buffer variants (getBuffer, hgetallBuffer, …) take the same arguments.
	const command = name.endsWith('Buffer') ? name.slice(0, -'Buffer'.length) : name;
	if (!exists(command)) return keyText(args[0]);
	const plain = args.map((a) => (typeof a === 'string' || typeof a === 'number' || Buffer.isBuffer(a) ? a : ''));
	const at = getKeyIndexes(command, plain)[0];
	return at === undefined ? undefined : keyText(args[at]);
}

function keyText(arg: unknown): string | Buffer | undefined {
	if (arg === undefined || arg === null) return undefined;
	return Buffer.isBuffer(arg) ? arg : String(arg);
}

/** Records commands; `exec` sends them as one pipeline per node of the cluster. */
function nodePipeline(redis: Redis): ChainableCommander {
	const calls: Call[] = [];
	const exec = async (): Promise<Reply[]> => {
		const view = redis as unknown as ClusterView;
		const groups = new Map<string, number[]>();
		calls.forEach((c, i) => {
			const key = firstKey(redis, c.name, c.args);
			const slot = key === undefined ? -1 : calculateSlot(key);
			// Keyless commands go with the first group; slots not yet mapped go by slot.
			const node = slot < 0 ? '' : (view.slots[slot]?.[0] ?? `slot ${slot}`);
			let list = groups.get(node);
			if (!list) groups.set(node, (list = []));
			list.push(i);
		});
		const out: Reply[] = new Array(calls.length);
		await Promise.all(
			[...groups.values()].map(async (indexes) => {
				const pipe = redis.pipeline() as unknown as Record<string, (...args: unknown[]) => unknown> & ChainableCommander;
				for (const i of indexes) pipe[calls[i]!.name]!(...calls[i]!.args);
				const replies = (await pipe.exec()) ?? [];
				indexes.forEach((i, j) => (out[i] = (replies[j] as Reply | undefined) ?? [new Error('no reply from Redis for this command'), null]));
			})
		);
		return out;
	};
	const proxy: ChainableCommander = new Proxy({} as ChainableCommander, {
		get(_target, prop) {
			if (prop === 'length') return calls.length;
			if (prop === 'exec') return exec;
			if (prop === 'then' || typeof prop === 'symbol') return undefined;
			return (...args: unknown[]) => {
				calls.push({ name: prop, args });
				return proxy;
			};
		}
	});
	return proxy;
}
