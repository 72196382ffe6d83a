/**
 * Password hashing: scrypt (node:crypto) with a per-password random salt, compared in constant
 * time. The stored form names its parameters, so they can be raised later without breaking old
 * hashes: `scrypt$N$r$p$<salt base64url>$<hash base64url>`.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
/** scrypt needs 128 * N * r bytes; Node's default limit (32 MiB) is just that, so raise it. */
const MAXMEM = 64 * 1024 * 1024;

export const MIN_PASSWORD = 10;
export const MAX_PASSWORD = 1024;

function derive(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
	return new Promise((resolve, reject) =>
		scrypt(password.normalize('NFKC'), salt, KEY_BYTES, { ...opts, maxmem: MAXMEM }, (err, key) => (err ? reject(err) : resolve(key)))
	);
}

/** Says what is wrong with a new password, or null. */
export function passwordProblem(password: string): string | null {
	if (password.length < MIN_PASSWORD) return `the password must have at least ${MIN_PASSWORD} characters`;
	if (password.length > MAX_PASSWORD) return `the password may have at most ${MAX_PASSWORD} characters`;
	return null;
}

export async function hashPassword(password: string): Promise<string> {
	const salt = randomBytes(16);
	const key = await derive(password, salt, { N, r: R, p: P });
	return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
	const parts = stored.split('$');
	if (parts.length !== 6 || parts[0] !== 'scrypt' || password.length > MAX_PASSWORD) return false;
	const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
	const expected = Buffer.from(parts[5]!, 'base64url');
	if (!(n > 1 && r > 0 && p > 0) || expected.length !== KEY_BYTES) return false;
	const key = await derive(password, Buffer.from(parts[4]!, 'base64url'), { N: n, r, p });
	return timingSafeEqual(key, expected);
}

/** A hash of a random password, compared against when a user does not exist (same cost). */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
	decoy ??= hashPassword(randomBytes(24).toString('base64url'));
	return decoy;
}
