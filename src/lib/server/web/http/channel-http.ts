/**
 * What the channels API and the notifications page share: saving a channel (the address policy
 * checked first, the change audited), removing one, and sending a test notification straight to a
 * channel (not through routes, silences or the outbox; written to the notification log and the
 * audit log). Refusals are `ChannelError`s with their status; a missing secret key is a 409.
 */
import { randomUUID } from 'node:crypto';
import { attemptEntry, ChannelError, channelUrlProblem, deliver, isSecretKeyError, NotificationOutbox, type ChannelInput, type MaskedChannel, type Notification } from '../../alerting/notify';
import type { VigilContext } from '../context';

type Ctx = Pick<VigilContext, 'channels' | 'audit' | 'notificationAddressPolicy' | 'notificationExternalUrl' | 'log' | 'redis' | 'keys'>;

/** Creates (`create`) or replaces (`replace`) a stored channel and audits it. */
export async function saveChannel(ctx: Ctx, input: ChannelInput, actor: string, mode: 'create' | 'replace', ip?: string): Promise<MaskedChannel> {
	const refused = input.url === undefined ? undefined : channelUrlProblem(input.url, ctx.notificationAddressPolicy);
	if (refused) throw new ChannelError(`url: ${refused}`, 400);
	const { channel, before } = await ctx.channels.put(input, actor, Date.now(), mode);
	await ctx.audit.record({ actor, action: mode === 'create' ? 'channel.create' : 'channel.update', target: channel.name, ...(before ? { before } : {}), after: channel, ...(ip ? { ip } : {}) });
	return channel;
}

/** Deletes a stored channel and audits it. */
export async function deleteChannel(ctx: Ctx, name: string, actor: string, ip?: string): Promise<MaskedChannel> {
	const before = await ctx.channels.remove(name);
	await ctx.audit.record({ actor, action: 'channel.delete', target: before.name, before, ...(ip ? { ip } : {}) });
	return before;
}

export interface TestResult {
	ok: boolean;
	status?: number;
	error?: string;
	durationMs: number;
	idempotencyKey: string;
}

/** Sends one test notification to the channel now and answers what the receiver said. */
export async function sendTestNotification(ctx: Ctx, name: string, actor: string, ip?: string): Promise<TestResult> {
	let channel;
	try {
		channel = await ctx.channels.resolve(name);
	} catch (err) {
		if (isSecretKeyError(err)) throw new ChannelError(err.message, 409);
		throw err;
	}
	const now = Date.now();
	const key = randomUUID();
	const n: Notification = {
		id: key,
		idempotencyKey: key,
		groupKey: 'test',
		routeId: 'test',
		receiver: channel.name,
		status: 'firing',
		groupLabels: { alertname: 'VigilTestNotification' },
		alerts: [
			{
				status: 'firing',
				ruleId: 'test/VigilTestNotification',
				fingerprint: 'test',
				labels: { alertname: 'VigilTestNotification', severity: 'info' },
				annotations: { summary: `Test notification from Vigil, sent by ${actor}` },
				startsAt: now
			}
		],
		incidentIds: [],
		createdAt: now,
		deadline: now + 10_000,
		attempts: 0
	};
	const result = await deliver(n, channel, { timeoutMs: 10_000, log: ctx.log, externalUrl: ctx.notificationExternalUrl, addressPolicy: ctx.notificationAddressPolicy });
	await new NotificationOutbox(ctx.redis, ctx.keys)
		.logOnly(attemptEntry(n, { outcome: result.ok ? 'sent' : 'failed', attempt: 1, at: Date.now(), durationMs: result.durationMs, ...(result.status !== undefined ? { status: result.status } : {}), ...(result.error ? { error: result.error } : {}) }))
		.catch(() => {});
	await ctx.audit.record({ actor, action: 'channel.test', target: channel.name, after: { ok: result.ok, status: result.status, error: result.error }, ...(ip ? { ip } : {}) });
	return { ok: result.ok, ...(result.status !== undefined ? { status: result.status } : {}), ...(result.error ? { error: result.error } : {}), durationMs: result.durationMs, idempotencyKey: key };
}
