/** The `status:` section of the config: what the public status page shows, and how it is served. */
import type { Matcher } from '../../tsdb';

export interface StatusService {
	/** The name customers read. */
	name: string;
	/** The selector of the service's availability series (0/1, such as `up`): never sent to a browser. */
	selector: string;
}

export interface StatusSettings {
	/** Off: /status and /status.json answer 404. */
	enabled: boolean;
	title: string;
	/** Only these are shown, under their public names, in this order. */
	services: StatusService[];
	/** How long a computed page is served before it is computed again (seconds). */
	cacheSeconds: number;
	/** Requests per minute one client address may make (bursts of as many). */
	requestsPerMinute: number;
}

export const DEFAULT_STATUS_SETTINGS: StatusSettings = { enabled: false, title: 'Service status', services: [], cacheSeconds: 30, requestsPerMinute: 60 };

/** A service with its selector parsed (the config checked it parses). */
export interface StatusServiceQuery {
	name: string;
	selector: Matcher[];
}
