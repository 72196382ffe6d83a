import { describe, expect, it } from 'vitest';
import { needsCsrf } from './security';

describe('needsCsrf', () => {
	const req = (method: string, headers: Record<string, string> = {}) => new Request('http://vigil.test/account?/password', { method, headers });

	it('checks every state-changing request that carries a session, whatever else it carries', () => {
		for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
			expect(needsCsrf(req(method), true), method).toBe(true);
			expect(needsCsrf(req(method, { authorization: 'Bearer junk' }), true), `${method} with a junk Bearer token`).toBe(true);
			expect(needsCsrf(req(method, { authorization: 'Basic eDp5' }), true), `${method} with Basic`).toBe(true);
		}
	});

	it('leaves reads, and requests without a session, alone', () => {
		for (const method of ['GET', 'HEAD', 'OPTIONS']) expect(needsCsrf(req(method), true)).toBe(false);
		expect(needsCsrf(req('POST', { authorization: 'Bearer vgl_x' }), false)).toBe(false);
	});
});
