/**
 * Secrets at rest (webhook URLs, header values): AES-256-GCM with a key from the environment,
 * `VIGIL_SECRET_KEY` (32 bytes as 64 hex digits or base64; `vigil secret-key` prints a new one).
 * Each value gets its own random 96-bit nonce; the GCM tag makes a tampered or wrongly-keyed value
 * fail loudly instead of decrypting to garbage. Stored form: `v1:<nonce>:<tag>:<ciphertext>`, base64url.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const SECRET_KEY_ENV = 'VIGIL_SECRET_KEY';

export class SecretKeyError extends Error {
	override name = 'SecretKeyError';
}

/**
 * True for a SecretKeyError. By name, not `instanceof`: the web server's routes and the runtime
 * (which made the channel store) come from two bundles, each with its own copy of the class.
 */
export function isSecretKeyError(err: unknown): err is SecretKeyError {
	return err instanceof Error && err.name === 'SecretKeyError';
}

/** Parses the key text; throws SecretKeyError saying what is wrong and how to make one. */
export function parseSecretKey(text: string): Buffer {
	const t = text.trim();
	let key: Buffer | undefined;
	if (/^[0-9a-fA-F]{64}$/.test(t)) key = Buffer.from(t, 'hex');
	else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
	if (!key || key.length !== 32) {
		throw new SecretKeyError(`${SECRET_KEY_ENV}: expected 32 bytes as 64 hex digits or base64 (make one with \`vigil secret-key\`)`);
	}
	return key;
}

/** A new random key, as hex. */
export function newSecretKey(): string {
	return randomBytes(32).toString('hex');
}

export class SecretBox {
	private constructor(private readonly key: Buffer | undefined) {}

	/** The box of this process's key, or a box that refuses to seal or open when none is set. */
	static fromEnv(env: NodeJS.ProcessEnv = process.env): SecretBox {
		const text = env[SECRET_KEY_ENV];
		return new SecretBox(text ? parseSecretKey(text) : undefined);
	}

	static withKey(key: string | Buffer): SecretBox {
		return new SecretBox(typeof key === 'string' ? parseSecretKey(key) : key);
	}

	get hasKey(): boolean {
		return this.key !== undefined;
	}

	private need(): Buffer {
		if (!this.key) {
			throw new SecretKeyError(
				`${SECRET_KEY_ENV} is not set: secrets (webhook URLs, headers) are stored encrypted. Make a key with \`vigil secret-key\` and set it in the environment of every Vigil process`
			);
		}
		return this.key;
	}

	seal(plain: string): string {
		const nonce = randomBytes(12);
		const cipher = createCipheriv('aes-256-gcm', this.need(), nonce);
		const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
		return `v1:${nonce.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${ct.toString('base64url')}`;
	}

	open(sealed: string): string {
		const parts = sealed.split(':');
		if (parts.length !== 4 || parts[0] !== 'v1') throw new SecretKeyError('not a sealed secret');
		const decipher = createDecipheriv('aes-256-gcm', this.need(), Buffer.from(parts[1]!, 'base64url'));
		decipher.setAuthTag(Buffer.from(parts[2]!, 'base64url'));
		try {
			return Buffer.concat([decipher.update(Buffer.from(parts[3]!, 'base64url')), decipher.final()]).toString('utf8');
		} catch {
			throw new SecretKeyError(`a stored secret does not open with this ${SECRET_KEY_ENV}: was the key changed? Set the key it was stored with, or save the channel again`);
		}
	}
}

/** A URL as it may be shown: scheme and host only (`https://hooks.slack.com/…`). */
export function maskUrl(url: string): string {
	try {
		const u = new URL(url);
		return `${u.protocol}//${u.host}/…`;
	} catch {
		return '…';
	}
}
