/**
 * Notification channels: where notifications go. Three kinds:
 * - `webhook`: a JSON POST (Alertmanager's webhook body plus an idempotency key), optional headers;
 * - `slack`: a Slack-compatible incoming webhook (text and blocks);
 * - `log`: Vigil's own log (for tests and demos); the built-in channel `log` always exists.
 *
 * Channels come from two places: the config file (`notifications.channels`, provisioned: read-only
 * through the API, secrets may come from the environment with `urlEnv`), and Redis (made through
 * the API by admins). In Redis the secrets (the URL, header values) are sealed with SecretBox; the
 * API and the logs only ever see them masked.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { isLocalhostName, normalizeAddress, type AddressPolicy } from '../../net';
import { isSecretKeyError, maskUrl, SecretBox } from './secret-box';
import type { Keys } from '../../keys';

export const CHANNEL_TYPES = ['webhook', 'slack', 'log'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;
/** Headers Vigil sets itself. */
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'host', 'idempotency-key', 'connection', 'transfer-encoding']);

const httpUrl = z
	.string()
	.max(4096)
	.refine(
		(v) => {
			try {
				const u = new URL(v);
				return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
			} catch {
				return false;
			}
		},
		{ message: 'expected an http:// or https:// URL' }
	);

const channelFields = {
	name: z.string().regex(CHANNEL_NAME, 'expected 1-64 letters, digits or _.- starting with a letter or digit'),
	type: z.enum(CHANNEL_TYPES),
	headers: z
		.record(
			z.string().regex(HEADER_NAME, 'expected an HTTP header name').refine((h) => !RESERVED_HEADERS.has(h.toLowerCase()), { message: 'is set by Vigil itself' }),
			z.string().max(4096).refine((v) => !/[\r\n]/.test(v), { message: 'must not contain line breaks' })
		)
		.optional(),
	/** Send a notification when the alerts of a group resolve (Alertmanager's send_resolved). */
	sendResolved: z.boolean().default(true),
	/** Most alerts listed in one notification; the rest are counted (`truncatedAlerts`). 0: all. */
	maxAlerts: z.number().int().min(0).max(10_000).default(0)
};

function needsUrl(c: { type: ChannelType; url?: string; urlEnv?: string; headers?: Record<string, string> }, ctx: z.RefinementCtx) {
	const hasUrl = c.url !== undefined || c.urlEnv !== undefined;
	if (c.type === 'log') {
		if (hasUrl) ctx.addIssue({ code: 'custom', path: ['url'], message: 'a log channel has no URL' });
		if (c.headers) ctx.addIssue({ code: 'custom', path: ['headers'], message: 'a log channel has no headers' });
	} else if (!hasUrl) ctx.addIssue({ code: 'custom', path: ['url'], message: `a ${c.type} channel needs a URL` });
}

/** A channel as the API accepts it. */
export const channelInput = z.strictObject({ ...channelFields, url: httpUrl.optional() }).superRefine(needsUrl);
export type ChannelInput = z.output<typeof channelInput>;

/**
 * A replacement of a stored channel (PUT): `url` and `headers` may be left out to keep the stored
 * ones (the store refuses a webhook or Slack channel that ends up without a URL).
 */
export const channelReplacement = z.strictObject({ ...channelFields, url: httpUrl.optional() }).superRefine((c, ctx) => {
	if (c.type === 'log') needsUrl(c, ctx);
});

/** A channel in the config file: the URL may come from an environment variable instead. */
export const channelConfig = z
	.strictObject({ ...channelFields, url: httpUrl.optional(), urlEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name').optional() })
	.superRefine((c, ctx) => {
		if (c.url !== undefined && c.urlEnv !== undefined) ctx.addIssue({ code: 'custom', path: ['urlEnv'], message: 'give url or urlEnv, not both' });
		needsUrl(c, ctx);
	});
export type ChannelConfig = z.output<typeof channelConfig>;

/** A channel ready to send to, secrets in the clear: only the sender holds one. */
export interface Channel {
	name: string;
	type: ChannelType;
	url?: string;
	headers?: Record<string, string>;
	sendResolved: boolean;
	maxAlerts: number;
}

/** A channel as the API and the logs show it. */
export interface MaskedChannel {
	name: string;
	type: ChannelType;
	/** Scheme and host only. */
	url?: string;
	/** Header names; values are never shown. */
	headers?: string[];
	sendResolved: boolean;
	maxAlerts: number;
	/** From the config file (read-only through the API). */
	provisioned: boolean;
	createdAt?: number;
	createdBy?: string;
	updatedAt?: number;
}

interface StoredChannel {
	name: string;
	type: ChannelType;
	/** SecretBox-sealed JSON of {url, headers}. */
	secret?: string;
	urlMasked?: string;
	headerNames?: string[];
	sendResolved: boolean;
	maxAlerts: number;
	createdAt: number;
	createdBy: string;
	updatedAt: number;
}

export class ChannelError extends Error {
	override name = 'ChannelError';
	constructor(
		message: string,
		readonly status: 400 | 404 | 409
	) {
		super(message);
	}
}

/**
 * True for a ChannelError. By name, not `instanceof`: the web server's routes and the runtime
 * (which made the channel store) come from two bundles, each with its own copy of the class.
 */
export function isChannelError(err: unknown): err is ChannelError {
	return err instanceof Error && err.name === 'ChannelError' && typeof (err as { status?: unknown }).status === 'number';
}

/**
 * Why the channels' address policy refuses a URL whose host is an address (in any notation) or a
 * localhost name, or undefined. Names are judged when a notification is sent, on what they resolve
 * to; this only refuses early what is refused anyway.
 */
export function channelUrlProblem(url: string, policy: AddressPolicy): string | undefined {
	let host: string;
	try {
		host = new URL(url).hostname.replace(/^\[|\]$/g, '');
	} catch {
		return undefined;
	}
	const addresses = isLocalhostName(host) ? ['127.0.0.1', '::1'] : normalizeAddress(host) ? [host] : [];
	for (const a of addresses) {
		const v = policy.check(a);
		if (!v.ok) return isLocalhostName(host) ? `${host} is loopback: ${v.reason}` : v.reason;
	}
	return undefined;
}

export const BUILTIN_LOG: Channel = { name: 'log', type: 'log', sendResolved: true, maxAlerts: 0 };

function mask(c: Channel, provisioned: boolean): MaskedChannel {
	return {
		name: c.name,
		type: c.type,
		...(c.url ? { url: maskUrl(c.url) } : {}),
		...(c.headers ? { headers: Object.keys(c.headers) } : {}),
		sendResolved: c.sendResolved,
		maxAlerts: c.maxAlerts,
		provisioned
	};
}

/** Resolves the config's channels (reading `urlEnv`); problems name the channel and the variable. */
export function provisionedChannels(configured: readonly ChannelConfig[], env: NodeJS.ProcessEnv = process.env): { channels: Channel[]; problems: string[] } {
	const channels: Channel[] = [];
	const problems: string[] = [];
	for (const c of configured) {
		let url = c.url;
		if (c.urlEnv !== undefined) {
			url = env[c.urlEnv];
			if (!url) {
				problems.push(`notifications.channels "${c.name}": the environment variable ${c.urlEnv} is not set; the channel is left out`);
				continue;
			}
			if (!httpUrl.safeParse(url).success) {
				problems.push(`notifications.channels "${c.name}": ${c.urlEnv} is not an http:// or https:// URL; the channel is left out`);
				continue;
			}
		}
		channels.push({ name: c.name, type: c.type, ...(url ? { url } : {}), ...(c.headers ? { headers: c.headers } : {}), sendResolved: c.sendResolved, maxAlerts: c.maxAlerts });
	}
	if (!channels.some((c) => c.name === BUILTIN_LOG.name) && !configured.some((c) => c.name === BUILTIN_LOG.name)) channels.push(BUILTIN_LOG);
	return { channels, problems };
}

/**
 * The channels of this deployment: the provisioned ones (memory) and the stored ones (Redis, a
 * hash of name -> JSON with sealed secrets). A provisioned name cannot be stored.
 */
export class ChannelStore {
	private readonly provisioned: Map<string, Channel>;
	private readonly key: string;

	constructor(
		private readonly redis: Redis,
		keys: Keys,
		provisioned: readonly Channel[],
		private readonly box: SecretBox = SecretBox.fromEnv()
	) {
		this.key = keys.alerts.channels;
		this.provisioned = new Map(provisioned.map((c) => [c.name, c]));
	}

	/** Names of every channel (for checking routes). */
	async names(): Promise<Set<string>> {
		return new Set([...this.provisioned.keys(), ...(await this.redis.hkeys(this.key))]);
	}

	/** Every channel, masked, provisioned first, then by name. */
	async list(): Promise<MaskedChannel[]> {
		const stored = await this.redis.hgetall(this.key);
		const out = [...this.provisioned.values()].map((c) => mask(c, true));
		for (const name of Object.keys(stored).sort()) {
			if (this.provisioned.has(name)) continue;
			const s = parseStored(stored[name]!);
			if (s) out.push(maskStored(s));
		}
		return out;
	}

	async get(name: string): Promise<MaskedChannel | undefined> {
		const p = this.provisioned.get(name);
		if (p) return mask(p, true);
		const text = await this.redis.hget(this.key, name);
		const s = text ? parseStored(text) : undefined;
		return s ? maskStored(s) : undefined;
	}

	/** The channel with its secrets opened, for sending. Throws ChannelError(404) or SecretKeyError. */
	async resolve(name: string): Promise<Channel> {
		const p = this.provisioned.get(name);
		if (p) return p;
		const text = await this.redis.hget(this.key, name);
		const s = text ? parseStored(text) : undefined;
		if (!s) throw new ChannelError(`no channel named "${name}"`, 404);
		const secret = s.secret ? (JSON.parse(this.box.open(s.secret)) as { url?: string; headers?: Record<string, string> }) : {};
		return { name: s.name, type: s.type, ...secret, sendResolved: s.sendResolved, maxAlerts: s.maxAlerts };
	}

	/**
	 * Creates or replaces a stored channel. A replacement that leaves out `url` keeps the stored one
	 * (so an admin can change `sendResolved` without knowing the secret). Returns the masked
	 * channel and what it was before.
	 */
	async put(input: ChannelInput, by: string, now = Date.now(), mode: 'create' | 'replace' = 'create'): Promise<{ channel: MaskedChannel; before?: MaskedChannel }> {
		if (this.provisioned.has(input.name)) {
			throw new ChannelError(`channel "${input.name}" comes from the config file (notifications.channels): change it there`, 409);
		}
		const beforeText = await this.redis.hget(this.key, input.name);
		const before = beforeText ? parseStored(beforeText) : undefined;
		if (mode === 'create' && before) throw new ChannelError(`a channel named "${input.name}" exists: PUT /api/v1/channels/${input.name} replaces it`, 409);
		if (mode === 'replace' && !before) throw new ChannelError(`no channel named "${input.name}"`, 404);
		let url = input.url;
		let headers = input.headers;
		if (before?.secret && (url === undefined || headers === undefined) && input.type !== 'log') {
			let old: { url?: string; headers?: Record<string, string> };
			try {
				old = JSON.parse(this.box.open(before.secret)) as typeof old;
			} catch (err) {
				if (isSecretKeyError(err)) throw new ChannelError(`${err.message} (or give the url and headers again)`, 409);
				throw err;
			}
			url ??= old.url;
			headers ??= old.headers;
		}
		if (input.type !== 'log' && !url) throw new ChannelError(`url: a ${input.type} channel needs a URL`, 400);
		let secret: string | undefined;
		if (input.type !== 'log') {
			try {
				secret = this.box.seal(JSON.stringify({ url, ...(headers ? { headers } : {}) }));
			} catch (err) {
				if (isSecretKeyError(err)) throw new ChannelError(err.message, 409);
				throw err;
			}
		}
		const stored: StoredChannel = {
			name: input.name,
			type: input.type,
			...(secret ? { secret, urlMasked: maskUrl(url!) } : {}),
			...(headers && input.type !== 'log' ? { headerNames: Object.keys(headers) } : {}),
			sendResolved: input.sendResolved,
			maxAlerts: input.maxAlerts,
			createdAt: before?.createdAt ?? now,
			createdBy: before?.createdBy ?? by,
			updatedAt: now
		};
		await this.redis.hset(this.key, input.name, JSON.stringify(stored));
		return { channel: maskStored(stored), ...(before ? { before: maskStored(before) } : {}) };
	}

	/** Deletes a stored channel; returns it masked. */
	async remove(name: string): Promise<MaskedChannel> {
		if (this.provisioned.has(name)) throw new ChannelError(`channel "${name}" comes from the config file (notifications.channels): remove it there`, 409);
		const text = await this.redis.hget(this.key, name);
		const s = text ? parseStored(text) : undefined;
		if (!s) throw new ChannelError(`no channel named "${name}"`, 404);
		await this.redis.hdel(this.key, name);
		return maskStored(s);
	}
}

function parseStored(text: string): StoredChannel | undefined {
	try {
		const s = JSON.parse(text) as StoredChannel;
		return typeof s.name === 'string' && (CHANNEL_TYPES as readonly string[]).includes(s.type) ? s : undefined;
	} catch {
		return undefined;
	}
}

function maskStored(s: StoredChannel): MaskedChannel {
	return {
		name: s.name,
		type: s.type,
		...(s.urlMasked ? { url: s.urlMasked } : {}),
		...(s.headerNames ? { headers: s.headerNames } : {}),
		sendResolved: s.sendResolved,
		maxAlerts: s.maxAlerts,
		provisioned: false,
		createdAt: s.createdAt,
		createdBy: s.createdBy,
		updatedAt: s.updatedAt
	};
}
