/** What the alerts role is configured with (the config's `alerts` section, notifications). */
import type { ChannelStore, DeliveryConfig, Route } from '../src/lib/server/alerting/notify';
import type { AddressPolicy } from '../src/lib/server/net';

export interface AlertsConfig {
	ruleFiles: string[];
	/** A group's interval when it names none (the config's `alerts.defaultInterval`, in ms). */
	defaultInterval: number;
	evaluationTimeout: number;
	leaseTtl: number;
	/** Share the rule groups among the alerts processes (a lease per group) instead of one leader evaluating all. */
	shareGroups?: boolean;
	externalLabels: Record<string, string>;
}

export interface NotificationsSetup {
	route: Route;
	channels: ChannelStore;
	delivery: DeliveryConfig;
	/** Vigil's address for links in notifications. */
	externalUrl: string;
	/** Which addresses channels may reach (`notifications.allowPrivate`). */
	addressPolicy: AddressPolicy;
}
