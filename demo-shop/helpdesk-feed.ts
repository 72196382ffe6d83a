/**
 * Runs the shop's helpdesk (./helpdesk) once a second and writes its changed tickets into Vigil's
 * ticket store, as a helpdesk pushing to POST /api/v1/tickets would store them.
 */
import type { Logger } from '../src/lib/server/log';
import { createKeys } from '../src/lib/server/keys';
import { closeClient, createRedisClient } from '../src/lib/server/redis';
import { TicketStore } from '../src/lib/server/tickets';
import type { ComplaintReason } from './model';
import { createHelpdesk } from './helpdesk';
import type { Random } from './random';
import type { ScenarioEffects } from './scenarios';

export interface HelpdeskFeed {
	complaint(id: string, reason: ComplaintReason, createdAt: number): void;
	answered(id: string): void;
	stop(): Promise<void>;
}

/** As Vigil's default `tickets.retention` (Vigil's own collector prunes by the configured one). */
const RETENTION_MS = 120 * 86_400_000;
const TICK_MS = 1000;

export function startHelpdesk(options: { redisUrl: string; prefix: string; random: Random; speed: number; effects: () => ScenarioEffects; log?: Logger }): HelpdeskFeed {
	const redis = createRedisClient(options.redisUrl, { name: 'demo-shop-helpdesk', log: options.log });
	const store = new TicketStore(redis, createKeys(options.prefix), { retentionMs: RETENTION_MS });
	const helpdesk = createHelpdesk({ random: options.random, speed: options.speed, effects: options.effects, sink: async (tickets) => void (await store.upsert(tickets)) });
	let busy = false;
	let warned = false;
	const timer = setInterval(() => {
		if (busy) return;
		busy = true;
		helpdesk
			.tick()
			.then(() => (warned = false))
			.catch((err: Error) => {
				// Once per outage: the tickets wait for the next tick.
				if (!warned) options.log?.warn({ err: err.message }, 'demo helpdesk could not write its tickets; retrying');
				warned = true;
			})
			.finally(() => (busy = false));
	}, TICK_MS);
	timer.unref();
	return {
		complaint: (id, reason, createdAt) => helpdesk.complaint(id, reason, createdAt),
		answered: (id) => helpdesk.answered(id),
		async stop() {
			clearInterval(timer);
			helpdesk.stop();
			await closeClient(redis);
		}
	};
}
