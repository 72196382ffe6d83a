/** The live feed's metrics, registered once per hub. */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface LiveMetrics {
	sent: Counter<'type'>;
	invalid: Counter<'event'>;
	dropped: Counter<'reason'>;
	refused: Counter<'reason'>;
	rulesReads: Counter;
}

/** Registers the live feed's metrics; `clients` is read at each scrape. */
export function liveMetrics(registry: Registry | undefined, clients: () => number): LiveMetrics | undefined {
	if (!registry) return undefined;
	const registers = [registry];
	new Gauge({
		name: 'vigil_live_clients',
		help: 'Screens and browsers connected to the live feed of this process.',
		registers,
		collect() {
			this.set(clients());
		}
	});
	return {
		rulesReads: new Counter({
			name: 'vigil_live_rules_reads_total',
			help: 'Reads of the rules overview for the live rules list (one per interval while someone subscribes, whatever their number).',
			registers
		}),
		sent: new Counter({ name: 'vigil_live_messages_total', help: 'Live messages broadcast, by type.', labelNames: ['type'], registers }),
		invalid: new Counter({
			name: 'vigil_live_invalid_messages_total',
			help: 'Messages from screens refused by schema validation, by event.',
			labelNames: ['event'],
			registers
		}),
		dropped: new Counter({
			name: 'vigil_live_dropped_messages_total',
			help: 'Messages from screens dropped over the per-connection rate limit.',
			labelNames: ['reason'],
			registers
		}),
		refused: new Counter({
			name: 'vigil_live_refused_total',
			help: 'Live-feed connections refused or closed by the server, by reason (unauthenticated, kiosk, session, board, origin, unavailable, flood, limit).',
			labelNames: ['reason'],
			registers
		})
	};
}
