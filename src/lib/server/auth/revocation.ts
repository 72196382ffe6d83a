/**
 * Revocations announced on their pub/sub channel (`keys.revocations`), so that open screens (the live feed) lose a
 * revoked credential at once instead of at their next periodic check:
 *
 *   {"type":"revoke","user":"alice"}      every session of a user (password, role, deletion)
 *   {"type":"revoke","session":"<sha>"}   one session (logout), by the SHA-256 of its id
 *   {"type":"revoke","kiosk":"<id>"}      a kiosk token
 *
 * A message only makes the live hub check the matching connections again against Redis, so a
 * lost or forged message changes nothing by itself; the periodic check stays the fallback.
 * Publishing never fails the revocation itself.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Keys } from '../keys';

export const revokeMessage = z.union([
	z.strictObject({ type: z.literal('revoke'), user: z.string().min(1).max(100) }),
	z.strictObject({ type: z.literal('revoke'), session: z.string().regex(/^[0-9a-f]{64}$/) }),
	z.strictObject({ type: z.literal('revoke'), kiosk: z.string().min(1).max(40) })
]);
export type RevokeMessage = z.infer<typeof revokeMessage>;

/** The revocation a control message announces, or null (another type, or malformed). */
export function parseRevocation(text: string): RevokeMessage | null {
	try {
		const r = revokeMessage.safeParse(JSON.parse(text));
		return r.success ? r.data : null;
	} catch {
		return null;
	}
}

/** Announces a revocation to every process; resolves with how many heard it (0 when Redis failed). */
export async function announceRevocation(redis: Redis, keys: Pick<Keys, 'revocations'>, msg: RevokeMessage): Promise<number> {
	try {
		return await redis.publish(keys.revocations, JSON.stringify(msg));
	} catch {
		return 0;
	}
}
