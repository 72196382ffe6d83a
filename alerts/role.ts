/**
 * The alerts role. The rules engine (PromQL subset, state machine, notifications, incidents) is
 * built on the time-series store; until then the role starts, announces itself through the node
 * heartbeat, and evaluates nothing.
 */
import type { Logger } from '../src/lib/server/log';

export interface AlertsRole {
	stop(): Promise<void>;
}

export function startAlertsRole(options: { log: Logger }): AlertsRole {
	const log = options.log.child({ role: 'alerts' });
	log.info('alerts role started (no rules engine yet: nothing to evaluate)');
	return {
		async stop() {
			log.debug('alerts role stopped');
		}
	};
}
