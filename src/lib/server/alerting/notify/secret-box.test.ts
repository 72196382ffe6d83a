import { describe, expect, it } from 'vitest';
import { maskUrl, newSecretKey, parseSecretKey, SecretBox, SecretKeyError } from './secret-box';

describe('SecretBox', () => {
	const box = SecretBox.withKey(newSecretKey());

	it('seals so that the text is not readable, and opens back', () => {
		const url = 'https://hooks.slack.com/services/T000/B000/XXXXSECRET';
		const sealed = box.seal(url);
		expect(sealed).not.toContain('XXXXSECRET');
		expect(sealed.startsWith('v1:')).toBe(true);
		expect(box.seal(url)).not.toBe(sealed); // a fresh nonce each time
		expect(box.open(sealed)).toBe(url);
	});

	it('refuses a tampered value and a different key', () => {
		const sealed = box.seal('secret');
		const parts = sealed.split(':');
		parts[3] = Buffer.from('other').toString('base64url');
		expect(() => box.open(parts.join(':'))).toThrow(SecretKeyError);
		expect(() => SecretBox.withKey(newSecretKey()).open(sealed)).toThrow(/does not open with this VIGIL_SECRET_KEY/);
	});

	it('without a key, says how to make one', () => {
		const none = SecretBox.fromEnv({});
		expect(none.hasKey).toBe(false);
		expect(() => none.seal('x')).toThrow(/VIGIL_SECRET_KEY is not set.*vigil secret-key/);
	});

	it('accepts hex and base64 keys of 32 bytes only', () => {
		const hex = newSecretKey();
		expect(parseSecretKey(hex)).toHaveLength(32);
		expect(parseSecretKey(Buffer.from(hex, 'hex').toString('base64'))).toHaveLength(32);
		expect(() => parseSecretKey('short')).toThrow(/64 hex digits or base64/);
	});

	it('masks URLs to scheme and host', () => {
		expect(maskUrl('https://hooks.slack.com/services/T000/B000/XXXX?token=1')).toBe('https://hooks.slack.com/…');
		expect(maskUrl('not a url')).toBe('…');
	});
});
