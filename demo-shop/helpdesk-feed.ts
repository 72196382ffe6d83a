/**
 * Runs the shop's helpdesk (./helpdesk) once a second and writes its changed tickets into Vigil's
 * ticket store, as a helpdesk pushing to POST /api/v1/tickets would store them.
 */
import type { Logger } from '../src/lib/server/log';
import { createKeys } from '../src/lib/server/keys';
import { closeClient, createRedisClient } from '../src/lib/server/redis';
import { TicketStore, type Ticket } from '../src/lib/server/tickets';
import type { ComplaintReason } from './model';
import { createHelpdesk } from './helpdesk';
import { startTicketMirror } from './ticket-mirror';
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

export interface HelpdeskFeedOptions {
	redisUrl: string;
	/** Vigil's Redis key prefix: the ticket store written. */
	prefix: string;
	/** When reachable, the tickets are also copied to PostgreSQL (./ticket-mirror). */
	postgresUrl?: string;
	random: Random;
	speed: number;
	effects: () => ScenarioEffects;
	log?: Logger;
}

export function startHelpdesk(options: HelpdeskFeedOptions): HelpdeskFeed {
	const redis = createRedisClient(options.redisUrl, { name: 'demo-shop-helpdesk', log: options.log });
	const store = new TicketStore(redis, createKeys(options.prefix), { retentionMs: RETENTION_MS });
	const mirror = startTicketMirror({ postgresUrl: options.postgresUrl, log: options.log });
	const sink = async (tickets: Ticket[]) => {
		mirror.tickets(tickets);
		await store.upsert(tickets);
	};
	const helpdesk = createHelpdesk({ random: options.random, speed: options.speed, effects: options.effects, sink });
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
			await Promise.allSettled([closeClient(redis), mirror.close()]);
		}
	};
}
