/**
 * What SvelteKit's server code (routes, hooks) needs from the running process. The runtime sets it
 * once at start; routes read it with `getContext()`. It travels on `globalThis` because SvelteKit's
 * bundle and the runtime are separate module graphs in one process: a module-level singleton would
 * exist twice.
 */
import type { PushRateLimiter } from '../push-rate';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Keys } from '../keys';
import type { Logger } from '../log';
import type { AuditLog } from '../audit';
import type { ChannelStore, Route } from '../alerting/notify';
import type { KioskStore, LoginThrottle, SessionStore, SetupTokens, TokenStore, UserStore } from '../auth';
import type { AddressPolicy } from '../net';
import type { Role } from '../nodes';
import type { QueryRunner } from '../query-pool';
import type { ReportSettings } from '../views/reports';
import type { ScorecardSettings } from '../views/scorecards';
import type { QualitySettings } from '../views/quality-report';
import type { StatusSettings } from '../views/status';
import type { Retention, TimeSeriesStore } from '../tsdb';
import type { TicketStore } from '../tickets';

export interface VigilContext {
	redis: Redis;
	keys: Keys;
	/** The time-series store. */
	store: TimeSeriesStore;
	tokens: TokenStore;
	/** Kiosk tokens of wall screens. */
	kiosks: KioskStore;
	users: UserStore;
	sessions: SessionStore;
	setup: SetupTokens;
	audit: AuditLog;
	/** Failed logins: per user name and client address, per address, and a slow-down per user. */
	loginLimits: LoginThrottle;
	push: { maxBodyBytes: number; maxItems: number; samplesPerSecondPerToken: number };
	/** Samples per second per sender of the push API (push.samplesPerSecondPerToken); tickets pushed count as samples. */
	pushRate: PushRateLimiter;
	/** The latest state of every helpdesk ticket (POST /api/v1/tickets writes here). */
	tickets: TicketStore;
	/** Asks every collect process to reload its config; resolves with how many heard it. */
	requestReload(by: string): Promise<number>;
	/** Notification channels (provisioned from the config, and stored in Redis). */
	channels: ChannelStore;
	/** The notification route tree (from the config). */
	notificationRoute: Route;
	/** Vigil's address in notification links. */
	notificationExternalUrl: string;
	/** Which addresses webhook and Slack channels may reach (`notifications.allowPrivate`). */
	notificationAddressPolicy: AddressPolicy;
	log: Logger;
	registry: Registry;
	roles: readonly Role[];
	nodeId: string;
	version: string;
	/** Evaluates the HTTP API's PromQL queries off the event loop, under the `query:` limits (web role). */
	queries?: QueryRunner;
	/** The config's `alerts.defaultInterval`: the evaluation interval of a rule group that names none. */
	defaultGroupIntervalMs: number;
	/** The `reports` section of the config and the store's retention (defaults when absent). */
	reports?: { settings: ReportSettings; retention: Retention };
	/** The `scorecards` section of the config: the standards and the orders counter (defaults when absent). */
	scorecards?: ScorecardSettings;
	/** The `quality` section of the config: the quarterly report's title, policy, targets and published services (defaults when absent). */
	quality?: QualitySettings;
	/** The `status` section of the config: the public status page (off when absent). */
	status?: StatusSettings;
}

const SLOT = Symbol.for('vigil.context');

type WithSlot = typeof globalThis & { [SLOT]?: VigilContext };

export function setContext(ctx: VigilContext | undefined): void {
	(globalThis as WithSlot)[SLOT] = ctx;
}

export function getContext(): VigilContext {
	const ctx = (globalThis as WithSlot)[SLOT];
	if (!ctx) throw new Error('Vigil is not running in this process: start it with `vigil start` (or `npm run dev`)');
	return ctx;
}
