import { describe, expect, it } from 'vitest';
import { isSafeLink, isSafeLinkStart } from './links';

describe('safe links', () => {
	it.each(['https://wiki.example.com/runbooks/checkout', 'HTTP://wiki/x?y=1#z', '/runbooks/checkout', './checkout', '../runbooks/x'])('links %s', (url) => {
		expect(isSafeLink(url)).toBe(true);
	});

	it.each([
		'javascript:alert(1)',
		'JavaScript:alert(1)',
		' javascript:alert(1)',
		'java\tscript:alert(1)',
		'\u0000javascript:alert(1)',
		'data:text/html,<script>alert(1)</script>',
		'vbscript:x',
		'//evil.example.com/x',
		'/\\evil.example.com',
		'https://',
		'https:/x',
		'wiki.example.com/x',
		'https://wiki/a b',
		''
	])('shows %j as text', (url) => {
		expect(isSafeLink(url)).toBe(false);
	});

	it('knows which starts of a template fix a safe link', () => {
		for (const start of ['https://', 'http://wiki/', '/runbooks/', './']) expect(isSafeLinkStart(start), start).toBe(true);
		for (const start of ['', 'javascript:', 'h', 'https:', ' https://', '//']) expect(isSafeLinkStart(start), start).toBe(false);
	});
});
