/**
 * Every running Vigil process announces itself and its roles in Redis every few seconds, so any
 * process can tell which roles are alive anywhere (the wall warns when no collector runs).
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Keys } from './keys';

export const ROLES = ['web', 'collect', 'alerts'] as const;
export type Role = (typeof ROLES)[number];

export interface NodeInfo {
	id: string;
	roles: Role[];
	host: string;
	pid: number;
	version: string;
	startedAt: number;
	seenAt: number;
}

export const HEARTBEAT_MS = 5000;
/** A node not seen for this long is gone. */
export const NODE_TTL_MS = 3 * HEARTBEAT_MS;

export function newNodeId(): string {
	return `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
}

export class NodeHeartbeat {
	private timer: NodeJS.Timeout | undefined;
	private readonly beat = () => {
		if (this.redis.status !== 'ready') return;
		this.redis.hset(this.keys.nodes, this.info.id, JSON.stringify({ ...this.info, seenAt: Date.now() })).catch(() => {});
	};
	private readonly info: Omit<NodeInfo, 'seenAt'>;

	constructor(
		private readonly redis: Redis,
		private readonly keys: Keys,
		info: { id: string; roles: Role[]; version: string }
	) {
		this.info = { ...info, host: hostname(), pid: process.pid, startedAt: Date.now() };
	}

	start(): void {
		this.beat();
		this.redis.on('ready', this.beat);
		this.timer = setInterval(this.beat, HEARTBEAT_MS);
		this.timer.unref();
	}

	async stop(): Promise<void> {
		clearInterval(this.timer);
		this.redis.off('ready', this.beat);
		if (this.redis.status === 'ready') await this.redis.hdel(this.keys.nodes, this.info.id).catch(() => {});
	}
}

/** Live nodes; entries older than NODE_TTL_MS are removed on the way. */
export async function listNodes(redis: Redis, keys: Keys, now = Date.now()): Promise<NodeInfo[]> {
	const all = await redis.hgetall(keys.nodes);
	const live: NodeInfo[] = [];
	const dead: string[] = [];
	for (const [id, json] of Object.entries(all)) {
		try {
			const n = JSON.parse(json) as NodeInfo;
			if (now - n.seenAt <= NODE_TTL_MS) live.push(n);
			else dead.push(id);
		} catch {
			dead.push(id);
		}
	}
	if (dead.length) await redis.hdel(keys.nodes, ...dead);
	return live;
}

export function countRoles(nodes: NodeInfo[]): Record<Role, number> {
	const out: Record<Role, number> = { web: 0, collect: 0, alerts: 0 };
	for (const n of nodes) for (const r of n.roles) if (r in out) out[r]++;
	return out;
}
