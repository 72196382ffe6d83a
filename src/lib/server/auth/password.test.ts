import { describe, expect, it } from 'vitest';
import { hashPassword, passwordProblem, verifyPassword } from './password';

describe('password hashing', () => {
	it('verifies the right password and refuses others', async () => {
		const h = await hashPassword('correct horse battery');
		expect(h).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
		expect(await verifyPassword('correct horse battery', h)).toBe(true);
		expect(await verifyPassword('correct horse batterY', h)).toBe(false);
		expect(await verifyPassword('', h)).toBe(false);
	});

	it('salts each hash', async () => {
		const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
		expect(a).not.toBe(b);
		expect(await verifyPassword('same password', b)).toBe(true);
	});

	it('refuses malformed stored hashes instead of throwing', async () => {
		for (const bad of ['', 'plain', 'scrypt$1$1$1$x$y', 'bcrypt$2$8$1$AAAA$BBBB']) expect(await verifyPassword('x', bad)).toBe(false);
	});

	it('treats composed and decomposed Unicode alike', async () => {
		const h = await hashPassword('Pa\u00dfw\u00f6rter-123');
		expect(await verifyPassword('Pa\u00dfwo\u0308rter-123', h)).toBe(true);
	});

	it('names what is wrong with a new password', () => {
		expect(passwordProblem('short')).toBe('the password must have at least 10 characters');
		expect(passwordProblem('x'.repeat(2000))).toBe('the password may have at most 1024 characters');
		expect(passwordProblem('long enough!')).toBeNull();
	});
});
