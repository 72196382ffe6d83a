/** The push APIs' per-sender rate (push.samplesPerSecondPerToken), as an HTTP refusal. */
import { json } from '@sveltejs/kit';
import type { Principal } from '../../auth';
import type { PushRateLimiter } from '../../push-rate';

/**
 * Takes `n` items' worth of `principal`'s push rate: undefined when it fits, else the 429 answer
 * (with Retry-After) saying nothing of the push was stored. `note` is added to the limit's wording.
 */
export function overPushRate(limiter: PushRateLimiter, principal: Principal, n: number, note = ''): Response | undefined {
	const sender = principal.kind === 'token' ? `token:${principal.token.id}` : `user:${principal.user}`;
	const waitMs = limiter.take(sender, n);
	if (waitMs <= 0) return undefined;
	const retry = Math.ceil(waitMs / 1000);
	return json(
		{ error: `over the push rate of this token (push.samplesPerSecondPerToken: ${limiter.perSecond} samples/s, bursts of ${limiter.burst}${note}): nothing of this push was stored; send it again in ${retry} s, or in smaller pieces` },
		{ status: 429, headers: { 'retry-after': String(retry) } }
	);
}
