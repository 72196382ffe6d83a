import { describe, expect, it } from 'vitest';
import { bearerOf } from './prom-route';

describe('Basic credentials', () => {
	it('carry the token as the password', () => {
		expect(bearerOf(`Basic ${Buffer.from('vigil:abc.def').toString('base64')}`)).toBe('Bearer abc.def');
		expect(bearerOf('Bearer xyz')).toBe('Bearer xyz');
		expect(bearerOf(null)).toBeNull();
		expect(bearerOf(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBe(`Basic ${Buffer.from('nocolon').toString('base64')}`);
	});
});
