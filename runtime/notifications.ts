/**
 * Builds the notification setup from the config: the provisioned channels (with `urlEnv` read from
 * the environment), the channel store over Redis, and the route tree with inheritance filled in.
 * A channel whose environment variable is missing is left out with a warning (its notifications
 * then fail, logged, instead of Vigil refusing to start over a missing secret). The channels'
 * address policy comes from `notifications.allowPrivate`.
 */
import type { Redis } from 'ioredis';
import { ChannelStore, provisionedChannels, buildRouteTree, type Route, SecretBox } from '../src/lib/server/alerting/notify';
import { createAddressPolicy, type AddressPolicy } from '../src/lib/server/net';
import type { Keys } from '../src/lib/server/keys';
import type { Logger } from '../src/lib/server/log';
import type { VigilConfig } from './config';

export interface NotificationsRuntime {
	route: Route;
	channels: ChannelStore;
	delivery: VigilConfig['notifications']['delivery'];
	externalUrl: string;
	/** Which addresses webhook and Slack channels may reach (`notifications.allowPrivate`). */
	addressPolicy: AddressPolicy;
}

export function setupNotifications(config: VigilConfig, redis: Redis, keys: Keys, log: Logger, env: NodeJS.ProcessEnv = process.env): NotificationsRuntime {
	const n = config.notifications;
	const { channels, problems } = provisionedChannels(n.channels, env);
	for (const p of problems) log.warn(p);
	const box = SecretBox.fromEnv(env); // throws with the fix when VIGIL_SECRET_KEY is malformed
	const route = buildRouteTree(n.route);
	const externalUrl = n.externalUrl ?? config.server.origin ?? `http://localhost:${config.server.port}`;
	const addressPolicy = createAddressPolicy(n.allowPrivate, { setting: 'notifications.allowPrivate' });
	return { route, channels: new ChannelStore(redis, keys, channels, box), delivery: n.delivery, externalUrl, addressPolicy };
}
