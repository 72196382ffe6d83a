/**
 * One delivery attempt of a notification to a channel. It never throws: it answers what happened,
 * and whether trying again can help (network errors, timeouts, 408, 429 and 5xx can; other 4xx
 * answers mean the request itself is wrong, and repeating it would only repeat the refusal).
 * Redirects are not followed: a webhook that moved is a configuration to fix, not to guess.
 *
 * Requests go through Vigil's guarded HTTP client with the channels' address policy
 * (`notifications.allowPrivate`): a channel URL that is, or resolves to, a loopback, private,
 * link-local or other special address is refused before any connection, as collectors' targets are.
 * A refusal is not retried (it is a configuration to fix).
 */
import type { Logger } from '../../log';
import { type AddressPolicy, httpRequestWithGuard, isBlockedAddressError } from '../../net';
import type { Channel } from './channels';
import { notificationSummary, slackBody, webhookBody, type Notification, type RenderContext } from './notification';

export interface AttemptResult {
	ok: boolean;
	/** Whether another attempt may succeed. */
	retryable: boolean;
	/** HTTP status, when an answer came. */
	status?: number;
	error?: string;
	durationMs: number;
}

export interface DeliverOptions extends RenderContext {
	timeoutMs: number;
	log: Logger;
	/** User-Agent header. */
	userAgent?: string;
	/** Which addresses channels may reach (`notifications.allowPrivate`). */
	addressPolicy: AddressPolicy;
}

const BODY_NOTE_MAX = 300;
/** A receiver's answer is read up to this much (only its start is kept, for the log). */
const ANSWER_MAX_BYTES = 1024 * 1024;

export async function deliver(n: Notification, channel: Channel, options: DeliverOptions): Promise<AttemptResult> {
	const started = performance.now();
	const elapsed = () => Math.round(performance.now() - started);
	if (channel.type === 'log') {
		options.log.info({ channel: channel.name, notification: n.id, idempotencyKey: n.idempotencyKey, ...notificationSummary(n), labels: n.groupLabels }, 'notification');
		return { ok: true, retryable: false, durationMs: elapsed() };
	}
	if (!channel.url) return { ok: false, retryable: false, error: `channel "${channel.name}" has no URL`, durationMs: elapsed() };
	const body = channel.type === 'slack' ? slackBody(n, channel, options) : webhookBody(n, channel, options);
	try {
		const res = await httpRequestWithGuard({
			url: channel.url,
			method: 'POST',
			headers: {
				...(channel.headers ?? {}),
				'content-type': 'application/json',
				'idempotency-key': n.idempotencyKey,
				'user-agent': options.userAgent ?? 'Vigil'
			},
			body: JSON.stringify(body),
			maxRedirects: 0,
			maxBodyBytes: ANSWER_MAX_BYTES,
			policy: options.addressPolicy,
			signal: AbortSignal.timeout(Math.max(1, options.timeoutMs))
		});
		const text = res.body;
		if (res.status >= 200 && res.status < 300) return { ok: true, retryable: false, status: res.status, durationMs: elapsed() };
		const note = text ? `: ${text.slice(0, BODY_NOTE_MAX).replace(/\s+/g, ' ').trim()}` : '';
		const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
		const error =
			res.status >= 300 && res.status < 400
				? `the receiver answered ${res.status} (a redirect, not followed: set the channel's URL to where it points)`
				: `the receiver answered ${res.status}${note}`;
		return { ok: false, retryable, status: res.status, error, durationMs: elapsed() };
	} catch (err) {
		if (isBlockedAddressError(err)) return { ok: false, retryable: false, error: `refused to send: ${err.message}`, durationMs: elapsed() };
		const e = err as NodeJS.ErrnoException & { cause?: { code?: string; message?: string } };
		const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
		const error = timedOut ? `no answer within ${options.timeoutMs} ms` : `could not reach the receiver: ${e.code ?? e.cause?.code ?? e.cause?.message ?? e.message}`;
		return { ok: false, retryable: true, error, durationMs: elapsed() };
	}
}
